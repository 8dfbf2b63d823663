"""The audience builder's rows (#14): one group (`all` or `any`) of conditions on user and
company traits as form fields (`audience.N.scope`, `.trait`, `.op`, `.value`, `.type`), and
back; an audience the rows cannot show (groups in groups) as its JSON text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from shirube.console.editor_rows import rows
from shirube.errors import FieldError

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
