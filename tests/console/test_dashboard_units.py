"""The dashboard's pieces without a server: its parameters (parsed strictly, written back the
same), readable durations in both languages, activity ranges."""

from __future__ import annotations

from datetime import date

import pytest
from shirube.console.dashboard_data import activity_range
from shirube.console.dashboard_query import DashboardQuery, QueryError, parse_query
from shirube.console.render import duration
from shirube.services.kpi_model import KpiFilter


@pytest.mark.parametrize(
    ("seconds", "en", "ja"),
    [
        (None, "—", "—"),
        (float("nan"), "—", "—"),
        (-5.0, "0 s", "0秒"),
        (42.9, "42 s", "42秒"),
        (45 * 60, "45 min", "45分"),
        (2 * 3600 + 5 * 60, "2 h 5 min", "2時間5分"),
        (3 * 86400 + 4 * 3600 + 59, "3 d 4 h", "3日4時間"),
    ],
)
def test_durations_read_in_both_languages(seconds: float | None, en: str, ja: str) -> None:
    assert duration(seconds) == duration(seconds, "en") == en
    assert duration(seconds, "ja") == ja


def test_a_query_writes_back_to_the_same_parameters() -> None:
    items = [
        ("view", "usage"), ("objective", "tour:welcome"), ("from", "2026-11-01"),
        ("to", "2026-11-30"),
        ("segment", "company"), ("trait", "plan"), ("value", "プロ & <b>"), ("page", "3"),
        ("sort", "name"), ("order", "asc"), ("q", "みなと"), ("stuck_days", "14"),
        ("period", "day"), ("events", "a,b,a"),
    ]  # fmt: skip
    query = parse_query(items)
    assert query.objective == ("tour", "welcome") and query.events == ("a", "b")
    assert query.filt == KpiFilter(
        date(2026, 11, 1), date(2026, 11, 30), {}, {"plan": "プロ & <b>"}
    )
    assert parse_query(list(query.params().items())) == query
    assert DashboardQuery().link() == "" and parse_query([]) == DashboardQuery()
    assert query.link(page=1).startswith("?view=usage&objective=tour%3Awelcome&from=2026-11-01")
    # A tab keeps the filter but not the companies table's page, sort and search.
    assert parse_query(list(query.params(view="people").items())).view == "people"
    assert "page=" not in query.tab("overview") and "q=" not in query.tab("overview")
    assert "view=" not in query.tab("overview") and "events=a%2Cb" in query.tab("overview")
    assert "page=" not in query.link(page=1)


def test_a_query_error_names_its_parameter() -> None:
    with pytest.raises(QueryError) as raised:
        parse_query([("x" * 100, "1")])
    assert raised.value.name == "x" * 40 and raised.value.message == "unknown parameter"


@pytest.mark.parametrize(
    ("query", "start", "end"),
    [
        (DashboardQuery(), date(2026, 9, 14), date(2026, 12, 2)),  # 12 weeks, from a Monday
        (DashboardQuery(period="day"), date(2026, 11, 3), date(2026, 12, 2)),
        (
            DashboardQuery(period="day", first_seen_from=date(2020, 1, 1)),
            date(2025, 12, 2),
            date(2026, 12, 2),
        ),
        (
            DashboardQuery(first_seen_from=date(2026, 11, 4), first_seen_to=date(2026, 11, 20)),
            date(2026, 11, 2),
            date(2026, 11, 20),
        ),
    ],
)
def test_activity_ranges(query: DashboardQuery, start: date, end: date) -> None:
    assert activity_range(query, date(2026, 12, 2)) == (start, end)
