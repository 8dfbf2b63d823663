"""Completion rule types evaluated on facts (no storage): `where` filters, the N-th earliest
event, windows after first seen, active time across days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from shirube.content.rules import CompletionRule, EvalContext, Fact, UserFacts
from shirube.content.rules.where import compile_where
from shirube.errors import ValidationFailed
from shirube.validation import validate_model

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def rule(**fields: Any) -> CompletionRule:
    return validate_model(CompletionRule, fields)


def fact(minutes: float, n: int, **properties: Any) -> Fact:
    return Fact(T0 + timedelta(minutes=minutes), f"e{n}", properties)


@pytest.mark.parametrize(
    ("where", "properties", "passes"),
    [
        ({"role": "manager"}, {"role": "manager"}, True),
        ({"role": "manager"}, {"role": "employee"}, False),
        ({"role": "manager"}, {}, False),
        ({"seats": {"gte": 3}}, {"seats": 3}, True),
        ({"seats": {"gte": 3}}, {"seats": 2.5}, False),
        ({"seats": {"gt": 3}}, {"seats": "9"}, False),  # a string is not a number
        ({"seats": {"lt": 3}}, {"seats": True}, False),  # nor is true
        ({"on": True}, {"on": 1}, False),
        ({"n": 1}, {"n": 1.0}, True),
        ({"plan": {"in": ["pro", "ent"]}}, {"plan": "ent"}, True),
        ({"plan": {"ne": "free"}}, {}, True),  # missing passes only `ne`
        ({"plan": {"ne": "free"}}, {"plan": "free"}, False),
        ({"a": 1, "b": {"lte": "m"}}, {"a": 1, "b": "k"}, True),
        ({"a": 1, "b": {"lte": "m"}}, {"a": 1, "b": "z"}, False),
    ],
)
def test_where(where: dict[str, Any], properties: dict[str, Any], passes: bool) -> None:
    assert compile_where(where)(properties) is passes


@pytest.mark.parametrize(
    ("where", "path"),
    [
        ({}, "where"),
        ({"a": {"zz": 1}}, "where"),
        ({"a": {"gt": True}}, "where"),
        ({"a": {"in": []}}, "where"),
        ({"a": [1]}, "where"),
        ({"a b": 1}, "where"),
    ],
)
def test_bad_where_is_a_field_error(where: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rule(type="event", event="x", where=where)
    assert [f.path for f in caught.value.fields] == [path]


def test_the_nth_earliest_matching_event_in_event_time() -> None:
    facts = UserFacts("u1", first_seen=T0)
    facts.events["invited"] = [
        fact(1, 1, role="employee"),
        fact(2, 2, role="manager"),
        fact(3, 3, role="manager"),
        fact(9, 4, role="manager"),
    ]
    met = rule(type="event", event="invited", where={"role": "manager"}, min_count=2)
    assert met.rule_type.evaluate(met, facts, EvalContext()) == (T0 + timedelta(minutes=3), "e3")
    window = rule(type="event", event="invited", min_count=4, within_days=1)
    assert window.rule_type.evaluate(window, facts, EvalContext()) is not None
    facts.first_seen = T0 - timedelta(days=1, minutes=5)  # the window ends before the 4th
    assert window.rule_type.evaluate(window, facts, EvalContext()) is None


def test_active_time_crosses_on_the_day_the_total_reaches_the_minutes() -> None:
    facts = UserFacts("u1", first_seen=T0)
    facts.active_days = {"2026-05-04": 1500, "2026-05-05": 900, "2026-05-06": 3000}
    # Only the crossing day's heartbeats are loaded (services/rule_facts.py).
    day2 = T0 + timedelta(days=1)
    facts.events["$active"] = [
        Fact(day2 + timedelta(minutes=m), f"h{m}", {"seconds": 300}) for m in (0, 5, 10)
    ]
    half = rule(type="active_time", minutes=30)  # 1500 + 300 = 1800
    assert half.rule_type.evaluate(half, facts, EvalContext()) == (day2, "h0")
    more = rule(type="active_time", minutes=35)  # 1500 + 300 + 300 = 2100
    assert more.rule_type.evaluate(more, facts, EvalContext()) == (
        day2 + timedelta(minutes=5),
        "h5",
    )
    too_late = rule(type="active_time", minutes=30, within_days=1)
    facts.first_seen = T0 - timedelta(hours=2)  # the window ends before day 2's heartbeats
    assert too_late.rule_type.evaluate(too_late, facts, EvalContext()) is None
    never = rule(type="active_time", minutes=1000)
    assert never.rule_type.evaluate(never, facts, EvalContext()) is None
