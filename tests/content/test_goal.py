"""Goal documents' errors name the document's fields: a company rule's tag (`share`, `role`)
is not part of the path (#13)."""

from __future__ import annotations

from typing import Any

import pytest
from shirube.content.goal import validate_goal

from tests.content.util import only_error, paths_of


def _goal(**more: Any) -> dict[str, Any]:
    rule = {"type": "active_time", "minutes": 60}
    return {"key": "done", "name": "Done", "rules": [{"id": "hour", "rule": rule}], **more}


@pytest.mark.parametrize(
    ("company", "path"),
    [
        ({"type": "share", "percent": 0}, "company.percent"),
        ({"type": "share", "percent": 101}, "company.percent"),
        ({"type": "share"}, "company.percent"),
        ({"type": "role"}, "company.value"),
        # A missing key that equals another field's value is still named.
        ({"type": "role", "trait": "value"}, "company.value"),
        ({"type": "role", "value": "admin", "trait": ""}, "company.trait"),
        ({"type": "everyone"}, "company"),
        ("share", "company"),
    ],
)
def test_company_rule_errors_name_the_field(company: Any, path: str) -> None:
    assert only_error(validate_goal, _goal(company=company), [], [])[0] == path


def test_a_missing_field_named_like_the_rule_type_keeps_its_name() -> None:
    goal = _goal()
    goal["rules"][0]["rule"] = {"type": "event"}
    assert only_error(validate_goal, goal, [], [])[0] == "rules[0].rule.event"


def test_a_goal_refuses_a_manual_rule_and_unknown_references() -> None:
    goal = _goal()
    goal["rules"] += [
        {"id": "tick", "rule": {"type": "manual"}},
        {"id": "tour", "rule": {"type": "tour_completed", "tour": "nope"}},
    ]
    assert paths_of(validate_goal, goal, [], []) == ["rules[1].rule", "rules[2].rule.tour"]
