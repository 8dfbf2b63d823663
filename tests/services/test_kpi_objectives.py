"""The parts of an objective the dashboard shows per row (#13): a goal's rules under their
`title` in the viewer's language, their id without one."""

from __future__ import annotations

from shirube.services.kpi_objectives import parts


def test_a_goal_rule_is_shown_by_its_title() -> None:
    goal = {
        "rules": [
            {"id": "invite", "title": {"en": "Invited", "ja": "招待した"}, "rule": {"type": "x"}},
            {"id": "hour", "rule": {"type": "active_time", "minutes": 60}},
        ]
    }
    assert [(p.id, p.title) for p in parts("goal", goal, "ja")] == [
        ("invite", "招待した"),
        ("hour", "hour"),
    ]
