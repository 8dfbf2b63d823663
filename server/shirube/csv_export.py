"""Tables as CSV for spreadsheets: UTF-8 with a byte-order mark (without it Excel reads
Japanese as mojibake), a header row, and cells a spreadsheet cannot run as formulas.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return is written with
a leading `'` (OWASP's advice against CSV injection): a company named `=HYPERLINK(…)` is shown
as text, not evaluated. Numbers are written as numbers (a negative one stays a number).
Used by the analytics API and the console alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from shirube.timeutil import isoformat

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as the text of its cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return isoformat(value) or ""
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def flatten(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects and lists as columns of their own: `contact.email`, `weeks.0`."""
    flat: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat |= flatten(value, name + ".")
        elif isinstance(value, list):
            flat |= flatten({str(i): item for i, item in enumerate(value)}, name + ".")
        else:
            flat[name] = value
    return flat


def csv_text(rows: Iterable[Mapping[str, Any]], header: list[str] | None = None) -> str:
    """Rows (flattened) under a header: `header`, or every column in order of appearance."""
    flat = [flatten(row) for row in rows]
    if header is None:
        header = list(dict.fromkeys(name for row in flat for name in row))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([cell(name) for name in header])
    for row in flat:
        writer.writerow([cell(row.get(name)) for name in header])
    return out.getvalue()


def csv_bytes(rows: Iterable[Mapping[str, Any]], header: list[str] | None = None) -> bytes:
    return (BOM + csv_text(rows, header)).encode("utf-8")
