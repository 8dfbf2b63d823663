"""The content editor's posted form (#14) as a tour, checklist or goal document (the templates show
a document as the form; the audience rows are editor_audience.py's).

Field names follow the document's paths with dots (`steps.2.target`, `steps.2.title.ja`,
`items.0.completion.event`), so a validator error path maps to the field it belongs to by
turning `[2]` into `.2`. What the editor typed is kept as typed (a non-number `wait_ms` stays a
string) so the validator reports it and the page shows it again next to its error.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from shirube.console.editor_audience import audience_value
from shirube.console.editor_rows import rows
from shirube.content.rules import RULE_TYPES as ALL_RULE_TYPES
from shirube.errors import FieldError

Document = dict[str, Any]
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


# Marks a text that was a plain string (shown to everyone) in the column it is shown in: left
# alone in that column only, it stays a plain string rather than becoming one translation.
PLAIN = "$plain"


def text_value(fields: Mapping[str, str], name: str) -> str | dict[str, str] | None:
    """`name.<locale>` fields as a LocalizedText (blank translations left out)."""
    found: dict[str, str] = {}
    start = name + "."
    for key, value in fields.items():
        if key.startswith(start) and _LOCALE.fullmatch(key[len(start) :]) and value.strip():
            found[key[len(start) :]] = value
    plain = fields.get(f"{name}.{PLAIN}")
    if plain is not None and list(found) == [plain]:
        return found[plain]
    return found or None


def _put(out: Document, name: str, value: Any) -> None:
    if value is not None and value != "":
        out[name] = value


def _number(raw: str) -> int | str | None:
    raw = raw.strip()
    if not raw:
        return None
    # A non-number stays text: the validator says what is wrong, at its field.
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else raw


# Tours --------------------------------------------------------------------------------------


def _target(fields: Mapping[str, str], p: str) -> str | Document | None:
    """The step's target: the text field's selector, or the robust target the builder recorded
    (carried in a hidden field) with the text field as its primary selector. An edited
    selector keeps the recorded fallbacks and text, as the builder's own selector field does:
    the usual edit is a primary broken by a host release, for the same element the fallbacks
    still find; an editor who means another element clears the field (the recorded target
    goes with it) or picks it again in the builder."""
    css = fields.get(p + "target", "").strip()
    if not css:
        return None
    try:
        recorded = json.loads(fields.get(p + "target_recorded", "") or "null")
    except ValueError:
        recorded = None
    # Whatever came back is validated as any target (a tampered field is refused by path).
    return {**recorded, "css": css} if isinstance(recorded, dict) else css


def _step(fields: Mapping[str, str], n: int) -> Document:
    p = f"steps.{n}."
    step: Document = {"id": fields.get(p + "id", "").strip() or f"step-{n + 1}"}
    step["kind"] = fields.get(p + "kind", "modal")
    _put(step, "target", _target(fields, p))
    _put(step, "placement", fields.get(p + "placement", ""))
    _put(step, "page", fields.get(p + "page", "").strip())
    _put(step, "title", text_value(fields, p + "title"))
    _put(step, "body", text_value(fields, p + "body"))
    advance: Document = {"type": fields.get(p + "advance.type", "next")}
    if advance["type"] == "event":
        advance["event"] = fields.get(p + "advance.event", "").strip()
    step["advance"] = advance
    label, url = text_value(fields, p + "cta.label"), fields.get(p + "cta.url", "").strip()
    if label is not None or url:
        cta: Document = {}
        _put(cta, "label", label)
        _put(cta, "url", url)
        step["cta"] = cta
    _put(step, "if_missing", fields.get(p + "if_missing", ""))
    _put(step, "wait_ms", _number(fields.get(p + "wait_ms", "")))
    return step


def tour_from_form(key: str, fields: Mapping[str, str]) -> tuple[Document, list[FieldError]]:
    errors: list[FieldError] = []
    doc: Document = {"key": key, "name": fields.get("name", "")}
    trigger: Document = {"type": fields.get("trigger.type", "auto")}
    if trigger["type"] == "event":
        trigger["event"] = fields.get("trigger.event", "").strip()
    doc["trigger"] = trigger
    _put(doc, "audience", audience_value(fields, errors))
    doc["pages"] = [line.strip() for line in fields.get("pages", "").splitlines() if line.strip()]
    doc["frequency"] = fields.get("frequency", "once")
    doc["steps"] = [_step(fields, n) for n in rows(fields, "steps")]
    return doc, errors


# Checklists ---------------------------------------------------------------------------------

_RULE_FIELDS = {
    "event": ("event", "min_count", "within_days", "where"),
    "tour_completed": ("tour",),
    "checklist_completed": ("checklist",),
    "page_visited": ("page",),
    "active_time": ("minutes", "within_days"),
    "manual": (),
}
RULE_TYPES = tuple(_RULE_FIELDS)
GOAL_RULE_TYPES = tuple(name for name in RULE_TYPES if ALL_RULE_TYPES[name].in_goals)
_NUMBERS = ("min_count", "within_days", "minutes")


def _rule(fields: Mapping[str, str], p: str, errors: list[FieldError]) -> Document:
    kind = fields.get(p + "type", "manual")
    rule: Document = {"type": kind}
    for name in _RULE_FIELDS.get(kind, ()):
        raw = fields.get(p + name, "")
        if name in _NUMBERS:
            _put(rule, name, _number(raw))
        elif name == "where":
            if raw.strip():
                try:
                    rule["where"] = json.loads(raw)
                except ValueError:
                    errors.append(FieldError(p + "where", "is not valid JSON"))
        else:
            _put(rule, name, raw.strip())
    return rule


def _item(fields: Mapping[str, str], n: int, errors: list[FieldError]) -> Document:
    p = f"items.{n}."
    item: Document = {"id": fields.get(p + "id", "").strip() or f"item-{n + 1}"}
    item["title"] = text_value(fields, p + "title") or ""
    _put(item, "description", text_value(fields, p + "description"))
    action = fields.get(p + "action.type", "")
    if action == "tour":
        item["action"] = {"type": "tour", "tour": fields.get(p + "action.tour", "")}
    elif action == "url":
        item["action"] = {"type": "url", "url": fields.get(p + "action.url", "").strip()}
    item["completion"] = _rule(fields, p + "completion.", errors)
    _put(item, "success_message", text_value(fields, p + "success_message"))
    return item


def checklist_from_form(key: str, fields: Mapping[str, str]) -> tuple[Document, list[FieldError]]:
    errors: list[FieldError] = []
    doc: Document = {"key": key, "title": text_value(fields, "title") or ""}
    _put(doc, "description", text_value(fields, "description"))
    _put(doc, "audience", audience_value(fields, errors))
    doc["items"] = [_item(fields, n, errors) for n in rows(fields, "items")]
    _put(doc, "completion_message", text_value(fields, "completion_message"))
    question = text_value(fields, "survey.question")
    label = text_value(fields, "survey.comment_label")
    if question is not None or label is not None:
        survey: Document = {"question": question or ""}
        _put(survey, "comment_label", label)
        doc["survey"] = survey
    return doc, errors


# Goals --------------------------------------------------------------------------------------


def _goal_rule(fields: Mapping[str, str], n: int, errors: list[FieldError]) -> Document:
    p = f"rules.{n}."
    entry: Document = {"id": fields.get(p + "id", "").strip() or f"rule-{n + 1}"}
    _put(entry, "title", text_value(fields, p + "title"))
    entry["rule"] = _rule(fields, p + "rule.", errors)
    return entry


def _company(fields: Mapping[str, str]) -> Document | None:
    kind = fields.get("company.type", "")
    if not kind:
        return None  # onboarded when every audience user completed (docs/kpis.md)
    company: Document = {"type": kind}
    if kind == "share":
        _put(company, "percent", _number(fields.get("company.percent", "")))
    elif kind == "role":
        # As typed (a value with spaces is another value); an empty trait is the default.
        company["trait"] = fields.get("company.trait", "") or "role"
        _put(company, "value", fields.get("company.value", ""))
    return company


def goal_from_form(key: str, fields: Mapping[str, str]) -> tuple[Document, list[FieldError]]:
    errors: list[FieldError] = []
    doc: Document = {"key": key, "name": text_value(fields, "name") or ""}
    _put(doc, "description", text_value(fields, "description"))
    _put(doc, "audience", audience_value(fields, errors))
    doc["match"] = fields.get("match", "all")
    doc["rules"] = [_goal_rule(fields, n, errors) for n in rows(fields, "rules")]
    _put(doc, "company", _company(fields))
    return doc, errors
