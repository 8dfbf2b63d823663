"""A content diff in words (console/diff_view.py), English and Japanese."""

from __future__ import annotations

import copy

from shirube.console.diff_view import DiffLine, lines

from tests.content.samples import FULL_CHECKLIST, FULL_TOUR


def test_tour_changes_in_english_and_japanese() -> None:
    new = copy.deepcopy(FULL_TOUR)
    new["steps"][0]["title"]["ja"] = "CSVで登録"
    new["steps"].append({"id": "done", "kind": "modal", "title": {"en": "Done", "ja": "完了"}})
    del new["steps"][1]
    new["pages"] = ["/employees"]
    assert lines(FULL_TOUR, new, "en") == [
        DiffLine("Pages", "removed", "/employees/*", None),
        DiffLine("Step 1 ‘intro’ · Title (ja)", "changed", "従業員をまとめて登録", "CSVで登録"),
        DiffLine("Step 3 ‘done’", "added", None, "Done"),
        DiffLine("Step 2 ‘button’", "removed", "Import", None),
    ]
    assert lines(FULL_TOUR, new, "ja")[1:3] == [
        DiffLine(
            "ステップ 1(intro) · タイトル (ja)", "changed", "従業員をまとめて登録", "CSVで登録"
        ),
        DiffLine("ステップ 3(done)", "added", None, "完了"),
    ]


def test_checklist_rule_and_moves() -> None:
    new = copy.deepcopy(FULL_CHECKLIST)
    new["items"][1]["completion"]["event"] = "member_invited"
    new["items"] = [new["items"][1], new["items"][0], *new["items"][2:]]
    found = lines(FULL_CHECKLIST, new, "en")
    assert (
        DiffLine(
            "Item 1 ‘employees’ · Completion rule · Event",
            "changed",
            "employees.imported",
            "member_invited",
        )
        in found
    )
    assert DiffLine("Item 2 ‘profile’", "moved", None, "moved from position 1 to 2") in found
    assert lines(None, {"role": "owner"}, "en") == [
        DiffLine("Whole document", "added", None, "role: owner")
    ]
