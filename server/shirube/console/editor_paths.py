"""Validator paths (`steps[2].target`, `items[0].completion.event`, `audience.all[1].value`) to
the editor form's field each message is shown next to (#14)."""

from __future__ import annotations

import re

_TOUR_FIELDS = re.compile(
    r"^(name|trigger\.type|trigger\.event|pages|frequency|audience|audience\.\d+\.(trait|op|value)"
    r"|steps|steps\.\d+|steps\.\d+\.(id|kind|target|placement|page|title|body|advance\.type"
    r"|advance\.event|cta|cta\.label|cta\.url|if_missing|wait_ms))$"
)
_CHECKLIST_FIELDS = re.compile(
    r"^(title|description|audience|audience\.\d+\.(trait|op|value)|items|items\.\d+"
    r"|items\.\d+\.(id|title|description|action|action\.type|action\.tour|action\.url"
    r"|completion|completion\.type|completion\.(event|min_count|within_days|where|tour"
    r"|checklist|page|minutes)|success_message)|completion_message|survey|survey\.question"
    r"|survey\.comment_label)$"
)
_GOAL_FIELDS = re.compile(
    r"^(name|description|audience|audience\.\d+\.(trait|op|value)|match|rules|rules\.\d+"
    r"|rules\.\d+\.(id|title|rule|rule\.type|rule\.(event|min_count|within_days|where|tour"
    r"|checklist|page|minutes))|company|company\.(type|percent|trait|value))$"
)
_FIELDS = {"tour": _TOUR_FIELDS, "checklist": _CHECKLIST_FIELDS, "goal": _GOAL_FIELDS}
_BRACKET = re.compile(r"\[(\d+)\]")
_AUDIENCE_ROW = re.compile(r"^audience\.(?:all|any)\.(\d+)")


def field_of(kind: str, path: str) -> str:
    """The form field an error at `path` belongs to; "" for the form as a whole."""
    name = _BRACKET.sub(r".\1", path)
    name = _AUDIENCE_ROW.sub(r"audience.\1", name)
    if name.startswith("audience.") and name.endswith(".attribute"):
        name = name[: -len("attribute")] + "trait"  # the builder's trait field
    known = _FIELDS[kind]
    while name and not known.fullmatch(name):
        name = name.rpartition(".")[0]
    return name
