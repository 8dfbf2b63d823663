"""The readable diff of content documents (content/diff.py): fields by name, steps and items
by id, localized texts by locale."""

from __future__ import annotations

import copy
from typing import Any

from shirube.content.diff import Change, Entry, Field, Index, Locale, diff, is_localized, text_of

from tests.content.samples import FULL_CHECKLIST, FULL_TOUR


def _tour() -> dict[str, Any]:
    return copy.deepcopy(FULL_TOUR)


def test_equal_documents_have_no_change() -> None:
    assert diff(_tour(), _tour()) == []
    assert diff(None, None) == []


def test_a_localized_title_changes_in_one_locale() -> None:
    new = _tour()
    new["steps"][0]["title"]["ja"] = "まとめて登録"
    assert diff(_tour(), new) == [
        Change(
            (Field("steps"), Entry("steps", 1, "intro"), Field("title"), Locale("ja")),
            "changed",
            "従業員をまとめて登録",
            "まとめて登録",
        )
    ]


def test_a_locale_added_and_a_text_made_localized() -> None:
    new = _tour()
    new["steps"][0]["body"]["fr"] = "Téléversez un CSV."
    new["steps"][1]["title"] = {"en": "Import", "ja": "インポート"}
    assert diff(_tour(), new) == [
        Change(
            (Field("steps"), Entry("steps", 1, "intro"), Field("body"), Locale("fr")),
            "added",
            after="Téléversez un CSV.",
        ),
        Change(
            (Field("steps"), Entry("steps", 2, "button"), Field("title")),
            "changed",
            "Import",
            {"en": "Import", "ja": "インポート"},
        ),
    ]


def test_a_reorder_is_a_move_not_every_field_changed() -> None:
    new = _tour()
    new["steps"] = [new["steps"][2], new["steps"][0], new["steps"][1]]
    assert diff(_tour(), new) == [
        Change((Field("steps"), Entry("steps", 1, "upload")), "moved", 3, 1),
    ]


def test_a_step_added_removed_and_edited_with_a_move() -> None:
    old = _tour()
    new = _tour()
    extra = {"id": "done", "kind": "modal", "title": "Done", "body": "All set."}
    intro, button, upload = new["steps"]
    button = {**button, "placement": "top"}
    new["steps"] = [button, intro, extra]  # upload removed, button moved first and changed
    changes = diff(old, new)
    # Of two steps that swapped places, one moved (the other kept its order).
    assert changes == [
        Change(
            (Field("steps"), Entry("steps", 1, "button"), Field("placement")),
            "changed",
            "bottom-start",
            "top",
        ),
        Change((Field("steps"), Entry("steps", 2, "intro")), "moved", 1, 2),
        Change((Field("steps"), Entry("steps", 3, "done")), "added", after=extra),
        Change((Field("steps"), Entry("steps", 3, "upload")), "removed", before=upload),
    ]


def test_checklist_items_by_id_and_a_rule_field() -> None:
    old = copy.deepcopy(FULL_CHECKLIST)
    new = copy.deepcopy(FULL_CHECKLIST)
    new["items"][1]["completion"]["event"] = "employees.invited"
    new["items"][1]["completion"]["min_count"] = 3
    changes = diff(old, new)
    where = (Field("items"), Entry("items", 2, "employees"), Field("completion"))
    assert changes == [
        Change((*where, Field("event")), "changed", "employees.imported", "employees.invited"),
        Change((*where, Field("min_count")), "changed", 1, 3),
    ]


def test_plain_lists_say_what_went_and_came() -> None:
    new = _tour()
    new["pages"] = ["/employees", "/staff/*"]
    assert diff(_tour(), new) == [
        Change((Field("pages"),), "removed", before="/employees/*"),
        Change((Field("pages"),), "added", after="/staff/*"),
    ]
    new["pages"] = ["/employees/*", "/employees"]
    assert diff(_tour(), new) == [
        Change((Field("pages"),), "changed", ["/employees", "/employees/*"], new["pages"])
    ]


def test_lists_without_ids_compare_by_position() -> None:
    new = _tour()
    new["audience"]["all"][1]["value"] = "free"
    new["audience"]["all"].append({"attribute": "user.locale", "op": "equals", "value": "ja"})
    where = (Field("audience"), Field("all"))
    assert diff(_tour(), new) == [
        Change((*where, Index(2), Field("value")), "changed", "trial", "free"),
        Change((*where, Index(3)), "added", after=new["audience"]["all"][2]),
    ]


def test_fields_added_and_removed_and_whole_documents() -> None:
    new = _tour()
    del new["audience"]
    new["frequency"] = "always"
    assert diff(_tour(), new) == [
        Change((Field("audience"),), "removed", before=FULL_TOUR["audience"]),
        Change((Field("frequency"),), "changed", "until_completed", "always"),
    ]
    assert diff(None, new) == [Change((), "added", after=new)]
    assert diff(new, None) == [Change((), "removed", before=new)]


def test_duplicate_ids_fall_back_to_positions() -> None:
    a = {"steps": [{"id": "x", "title": "A"}, {"id": "x", "title": "B"}]}
    b = {"steps": [{"id": "x", "title": "A"}, {"id": "x", "title": "C"}]}
    assert diff(a, b) == [Change((Field("steps"), Index(2), Field("title")), "changed", "B", "C")]


def test_is_localized_and_text_of() -> None:
    assert is_localized({"en": "Hi", "ja": "やあ", "pt-BR": "Oi"})
    assert not is_localized({"type": "url", "url": "/x"})
    assert not is_localized({"en": 1})
    assert not is_localized({})
    assert text_of({"en": "Hi", "ja": "やあ"}) == "en: Hi; ja: やあ"
    assert text_of(["/a", "/b"]) == "/a, /b"
    assert text_of(None) == "—"
    assert text_of(True) == "true"
    assert text_of("<b>x</b>") == "<b>x</b>"  # plain text: escaping is the template's job
    assert text_of("x" * 500, limit=10) == "x" * 9 + "…"
