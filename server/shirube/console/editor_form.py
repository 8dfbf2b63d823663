"""The content editor's form (#14) as a tour or checklist document, and back.

Field names follow the document's paths with dots (`steps.2.target`, `steps.2.title.ja`,
`items.0.completion.event`), so a validator error path maps to the field it belongs to by
turning `[2]` into `.2`. What the editor typed is kept as typed (a non-number `wait_ms` stays a
string) so the validator reports it and the page shows it again next to its error.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from typing import Any

from shirube.errors import FieldError

Document = dict[str, Any]
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_INDEX = re.compile(r"^(\d{1,3})$")
MAX_ROWS = 60  # above every list limit of the format (50 steps, 30 items, 50 conditions)


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


def rows(fields: Mapping[str, str], name: str) -> list[int]:
    """The row numbers of `name.N.…` fields, in order."""
    start = name + "."
    found: set[int] = set()
    for key in fields:
        if key.startswith(start):
            head = key[len(start) :].split(".", 1)[0]
            if _INDEX.fullmatch(head):
                found.add(int(head))
    return sorted(found)[:MAX_ROWS]


# Audience -----------------------------------------------------------------------------------

VALUE_TYPES = ("string", "number", "boolean")


def _typed(raw: str, kind: str) -> Any:
    raw = raw.strip()
    if kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() and "." not in raw and "e" not in raw else number
    if kind == "boolean":
        return raw.lower() in ("true", "1", "yes", "on")
    return raw


def audience_value(fields: Mapping[str, str], errors: list[FieldError]) -> Any:
    """The audience builder's rows (one group of conditions) or its JSON text (a nested
    audience the builder does not show as rows); None for everyone."""
    raw = fields.get("audience.json")
    if raw is not None and raw.strip():
        try:
            return json.loads(raw)
        except ValueError:
            errors.append(FieldError("audience", "is not valid JSON"))
            return None
    mode = fields.get("audience.mode", "")
    if mode not in ("all", "any"):
        return None
    conditions: list[Any] = []
    for n in rows(fields, "audience"):
        trait = fields.get(f"audience.{n}.trait", "").strip()
        if not trait:
            continue  # a row not filled in yet
        scope = fields.get(f"audience.{n}.scope", "user")
        op = fields.get(f"audience.{n}.op", "equals")
        kind = fields.get(f"audience.{n}.type", "string")
        raw_value = fields.get(f"audience.{n}.value", "")
        condition: dict[str, Any] = {"attribute": f"{scope}.{trait}", "op": op}
        if op == "exists":
            condition["value"] = raw_value.strip().lower() != "false"
        elif op == "in":
            condition["value"] = [
                _typed(part, kind) for part in raw_value.split(",") if part.strip()
            ]
        else:
            condition["value"] = _typed(raw_value, kind)
        conditions.append(condition)
    return {mode: conditions}


def audience_rows(audience: Any) -> tuple[str, list[dict[str, str]], str]:
    """(mode, rows, json text) for the builder: rows when the audience is one group of
    conditions, else its JSON text."""
    if not isinstance(audience, dict) or not audience:
        return "", [], ""
    mode = "all" if "all" in audience else "any"
    entries = audience.get(mode)
    if not isinstance(entries, list) or any(
        not isinstance(e, dict) or "attribute" not in e for e in entries
    ):
        return mode, [], json.dumps(audience, ensure_ascii=False, indent=2)
    shown = []
    for entry in entries:
        scope, _, trait = str(entry.get("attribute", "")).partition(".")
        value = entry.get("value")
        kind = "string"
        sample = value[0] if isinstance(value, list) and value else value
        if isinstance(sample, bool):
            kind = "boolean"
        elif isinstance(sample, int | float):
            kind = "number"
        if isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = "" if value is None else str(value)
        shown.append(
            {
                "scope": scope,
                "trait": trait,
                "op": str(entry.get("op", "equals")),
                "value": text,
                "type": kind,
            }
        )
    return mode, shown, ""


# Tours --------------------------------------------------------------------------------------


def _step(fields: Mapping[str, str], n: int) -> Document:
    p = f"steps.{n}."
    step: Document = {"id": fields.get(p + "id", "").strip() or f"step-{n + 1}"}
    step["kind"] = fields.get(p + "kind", "modal")
    _put(step, "target", fields.get(p + "target", "").strip())
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


# Row operations (the steps' and items' buttons, drag and drop) ------------------------------

LISTS = {"tour": "steps", "checklist": "items"}


def _fresh_id(entries: list[Any], stem: str) -> str:
    taken = {e.get("id") for e in entries if isinstance(e, dict)}
    n = len(entries) + 1
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


def new_entry(kind: str, entries: list[Any]) -> Document:
    if kind == "tour":
        return {
            "id": _fresh_id(entries, "step"),
            "kind": "modal",
            "title": {"en": "New step", "ja": "新しいステップ"},
        }
    return {
        "id": _fresh_id(entries, "item"),
        "title": {"en": "New item", "ja": "新しい項目"},
        "completion": {"type": "manual"},
    }


def apply_op(kind: str, doc: Document, op: str) -> str | None:
    """Apply a row operation (`add`, `dup:N`, `del:N`, `up:N`, `down:N`, `move:N:M`) to the
    document's steps or items; return the id of the element to focus afterwards, or None
    when `op` is not one (nothing changed)."""
    name = LISTS[kind]
    entries = doc.get(name)
    if not isinstance(entries, list):
        return None
    verb, _, rest = op.partition(":")
    numbers = [int(part) for part in rest.split(":") if part.isascii() and part.isdigit()]
    if verb == "add":
        entries.append(new_entry(kind, entries))
        return f"{name}-{len(entries) - 1}-edit"
    if not numbers or not 0 <= numbers[0] < len(entries):
        return None
    at = numbers[0]
    if verb == "dup":
        twin = copy.deepcopy(entries[at])
        twin["id"] = _fresh_id(entries, "step" if kind == "tour" else "item")
        entries.insert(at + 1, twin)
        return f"{name}-{at + 1}-edit"
    if verb == "del":
        if len(entries) > 1:
            del entries[at]
        return f"{name}-add"
    target = {"up": at - 1, "down": at + 1}.get(verb)
    if verb == "move" and len(numbers) == 2:
        target = numbers[1]
    if target is None or not 0 <= target < len(entries):
        return f"{name}-{at}-{verb}" if verb in ("up", "down") else None
    entries.insert(target, entries.pop(at))
    # The moved row's same button keeps the focus (keyboard reordering).
    return f"{name}-{target}-{verb if verb in ('up', 'down') else 'edit'}"


# Validator paths → the field a message is shown next to -----------------------------------

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
_BRACKET = re.compile(r"\[(\d+)\]")
_AUDIENCE_ROW = re.compile(r"^audience\.(?:all|any)\.(\d+)")


def field_of(kind: str, path: str) -> str:
    """The form field an error at `path` belongs to; "" for the form as a whole."""
    name = _BRACKET.sub(r".\1", path)
    name = _AUDIENCE_ROW.sub(r"audience.\1", name)
    if name.startswith("audience.") and name.endswith(".attribute"):
        name = name[: -len("attribute")] + "trait"  # the builder's trait field
    known = _TOUR_FIELDS if kind == "tour" else _CHECKLIST_FIELDS
    while name and not known.fullmatch(name):
        name = name.rpartition(".")[0]
    return name
