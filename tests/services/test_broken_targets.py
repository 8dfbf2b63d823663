"""The broken-target report (services/broken_targets.py) on both engines: per step, the week's
`$target_missing` events counted, their pages (queries dropped), the newest time and the newest
strategy outcomes; older events and other workspaces left out; newest problems first."""

from __future__ import annotations

from typing import Any

from shirube.services.broken_targets import MissingPage, Tried, broken_targets
from shirube.storage import Database

from tests.conftest import WorkspaceKeys, make_workspace
from tests.services.kpi_rows import NOW, KpiRows, days_ago

TOUR = {
    "key": "welcome",
    "name": "Welcome tour",
    "steps": [
        {
            "id": "nav",
            "kind": "tooltip",
            "target": "#nav",
            "title": {"en": "Menu", "ja": "メニュー"},
        },
        {"id": "save", "kind": "tooltip", "target": {"css": "#save"}, "body": "Save it"},
    ],
}
TRIED = [{"by": "css", "found": 0}, {"by": "testid", "found": 2}, {"by": "text", "found": 0}]


def missing(step: str, url: str, **extra: Any) -> dict[str, Any]:
    return {"tour": "welcome", "step": step, "version": 1, "url": url, **extra}


def test_counts_pages_and_outcomes_per_step_newest_first(
    database: Database, workspace: WorkspaceKeys
) -> None:
    rows = KpiRows(database, workspace.id)
    rows.publish("tour", TOUR)
    page = "https://app.example.com/employees"
    rows.event(
        "u1", "$target_missing", missing("nav", page + "?tab=1", selector="#nav"), days_ago(1)
    )
    rows.event(
        "u2", "$target_missing", missing("nav", page + "?tab=2", selector="#nav"), days_ago(2)
    )
    rows.event("u2", "$target_missing", missing("nav", page + "/42", selector="#nav"), days_ago(3))
    rows.event(
        "u3", "$target_missing", missing("save", page, selector="#save", tried=TRIED), days_ago(0.5)
    )
    rows.event(
        "u3",
        "$target_missing",
        missing("save", page, selector="#old", tried=TRIED[:1]),
        days_ago(4),
    )
    # Older than the week, another event name, another workspace: none counts.
    rows.event("u1", "$target_missing", missing("nav", page, selector="#nav"), days_ago(8))
    rows.event("u1", "$tour_dismissed", missing("nav", page), days_ago(1))
    other = make_workspace(database, "Other")
    KpiRows(database, other.id).event("u9", "$target_missing", missing("nav", page), days_ago(1))

    report = database.run_sync(lambda conn: broken_targets(conn, workspace.id, NOW, "ja"))

    assert [(s.tour, s.step, s.count) for s in report] == [
        ("welcome", "save", 2),
        ("welcome", "nav", 3),
    ]
    save, nav = report
    assert save.last == days_ago(0.5)
    # The newest event's selector and outcomes.
    assert save.selector == "#save"
    assert save.tried == (Tried("css", 0), Tried("testid", 2), Tried("text", 0))
    assert save.pages == [MissingPage(page, 2, days_ago(0.5))]
    assert (save.tour_name, save.step_title) == ("Welcome tour", "Save it")
    assert nav.pages == [
        MissingPage(page, 2, days_ago(1)),
        MissingPage(page + "/42", 1, days_ago(3)),
    ]
    assert nav.tried == ()
    assert nav.step_title == "メニュー"


def test_nothing_missing_is_an_empty_report(database: Database, workspace: WorkspaceKeys) -> None:
    assert database.run_sync(lambda conn: broken_targets(conn, workspace.id, NOW)) == []


def test_events_of_a_deleted_tour_still_show_without_names(
    database: Database, workspace: WorkspaceKeys
) -> None:
    rows = KpiRows(database, workspace.id)
    rows.event("u1", "$target_missing", missing("gone", "/x"), days_ago(1))
    (step,) = database.run_sync(lambda conn: broken_targets(conn, workspace.id, NOW))
    assert (step.step, step.tour_name, step.step_title, step.selector) == ("gone", None, None, None)
    assert step.pages == [MissingPage("/x", 1, days_ago(1))]
