"""What the widget receives: resolved texts, no audience or internal name, defaults filled in."""

from __future__ import annotations

from typing import Any

from shirube.content import (
    localize_checklist,
    localize_tour,
    validate_checklist,
    validate_tour,
)

from .samples import FULL_CHECKLIST, FULL_TOUR

TOURS = {"welcome", "import-employees"}


def test_tour_in_japanese() -> None:
    localized = localize_tour(validate_tour(FULL_TOUR), "ja-JP", "en")
    assert localized == {
        "key": "import-employees",
        "trigger": {"type": "event", "event": "employees.list_opened"},
        "pages": ["/employees", "/employees/*"],
        "frequency": "until_completed",
        "steps": [
            {
                "id": "intro",
                "kind": "modal",
                "placement": "auto",
                "title": "従業員をまとめて登録",
                "body": "CSVでまとめて登録できます。",
                "advance": {"type": "next"},
                "if_missing": "skip",
                "wait_ms": 5000,
            },
            {
                "id": "button",
                "kind": "tooltip",
                "target": "[data-tour=import-button]",
                "placement": "bottom-start",
                "page": "/employees",
                "title": "Import",
                "advance": {"type": "click"},
                "if_missing": "end",
                "wait_ms": 10000,
            },
            {
                "id": "upload",
                "kind": "hotspot",
                "target": "#csv-upload",
                "placement": "right",
                "page": "/employees/import",
                "body": "Drop your CSV here.",
                "advance": {"type": "event", "event": "employees.imported"},
                "cta": {"label": "CSVテンプレート", "url": "/help/csv"},
                "if_missing": "skip",
                "wait_ms": 0,
            },
        ],
    }


def test_tour_falls_back_to_the_default_locale() -> None:
    localized = localize_tour(validate_tour(FULL_TOUR), "fr", "en")
    assert localized["steps"][0]["title"] == "Import your team"
    assert localized["steps"][2]["cta"]["label"] == "CSV template"
    assert localize_tour(validate_tour(FULL_TOUR), None, "ja")["steps"][0]["title"] == (
        "従業員をまとめて登録"
    )


def test_minimal_tour_has_every_default() -> None:
    tour = validate_tour(
        {"key": "t", "name": "Internal", "steps": [{"id": "a", "kind": "modal", "body": "x"}]}
    )
    assert localize_tour(tour, "en", "en") == {
        "key": "t",
        "trigger": {"type": "auto"},
        "pages": [],
        "frequency": "once",
        "steps": [
            {
                "id": "a",
                "kind": "modal",
                "placement": "auto",
                "body": "x",
                "advance": {"type": "next"},
                "if_missing": "skip",
                "wait_ms": 5000,
            }
        ],
    }


def test_checklist_in_japanese() -> None:
    localized = localize_checklist(validate_checklist(FULL_CHECKLIST, TOURS), "ja", "en")
    assert localized == {
        "key": "setup",
        "title": "初期設定",
        "description": "4つのステップ",
        "items": [
            {
                "id": "profile",
                "title": "会社情報を登録",
                "action": {"type": "url", "url": "/settings/company"},
                "completion": {"type": "page_visited", "page": "/settings/company/saved*"},
                "success_message": "登録しました!",
            },
            {
                "id": "employees",
                "title": "Import employees",
                "description": "Upload a CSV instead of typing everyone in.",
                "action": {"type": "tour", "tour": "import-employees"},
                "completion": {"type": "event", "event": "employees.imported", "min_count": 1},
                "success_message": "Your team is in!",
            },
            {
                "id": "tour",
                "title": "Take the tour",
                "action": {"type": "tour", "tour": "welcome"},
                "completion": {"type": "tour_completed", "tour": "welcome"},
            },
            {
                "id": "clock-in",
                "title": "Clock in three times",
                "completion": {"type": "event", "event": "clock_in", "min_count": 3},
            },
            {"id": "read-guide", "title": "Read the guide", "completion": {"type": "manual"}},
        ],
        "completion_message": "設定完了です!",
        "survey": {
            "question": "初期設定は問題なく完了しましたか?",
            "comment_label": "Anything we could improve?",
        },
    }


def test_checklist_defaults_and_omissions() -> None:
    checklist = validate_checklist(
        {
            "key": "c",
            "title": {"de": "Los geht's"},
            "items": [{"id": "a", "title": "A", "completion": {"type": "event", "event": "e"}}],
            "survey": {"question": "Q?"},
        },
        (),
    )
    assert localize_checklist(checklist, "en", "en") == {
        "key": "c",
        "title": "Los geht's",
        "items": [
            {"id": "a", "title": "A", "completion": {"type": "event", "event": "e", "min_count": 1}}
        ],
        "survey": {"question": "Q?"},
    }


def assert_same_structure(localized: Any, dumped: Any, path: str = "") -> None:
    """Same keys at every level; a localized text (str) may stand for a dict of locales."""
    if isinstance(dumped, dict) and isinstance(localized, str):
        assert all(isinstance(text, str) for text in dumped.values()), path
        assert localized in dumped.values(), path
        return
    if isinstance(dumped, dict):
        assert isinstance(localized, dict), path
        assert set(localized) == set(dumped), path
        for key in dumped:
            assert_same_structure(localized[key], dumped[key], f"{path}.{key}")
    elif isinstance(dumped, list):
        assert isinstance(localized, list) and len(localized) == len(dumped), path
        for index, (left, right) in enumerate(zip(localized, dumped, strict=True)):
            assert_same_structure(left, right, f"{path}[{index}]")
    else:
        assert localized == dumped, path


def test_localized_output_has_the_document_structure() -> None:
    # Guards localize_* against forgetting a field added to the models later.
    tour = validate_tour(FULL_TOUR)
    dumped = tour.model_dump(mode="json", exclude_none=True)
    del dumped["audience"], dumped["name"]
    assert_same_structure(localize_tour(tour, "en", "en"), dumped)

    checklist = validate_checklist(FULL_CHECKLIST, TOURS)
    dumped = checklist.model_dump(mode="json", exclude_none=True)
    del dumped["audience"]
    assert_same_structure(localize_checklist(checklist, "en", "en"), dumped)
