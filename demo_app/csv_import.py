"""Employee CSV import: parse and check every row first; import nothing unless all rows pass."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from demo_app.db import EmployeeRow

MAX_BYTES = 1024 * 1024
MAX_ROWS = 5000
# Header names accepted for each field: the Japanese ones (the sample file) and English ones.
COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("社員番号", "employee_code", "code"),
    "name": ("氏名", "name"),
    "email": ("メールアドレス", "email"),
    "department": ("部署", "department"),
    "hired_on": ("入社日", "hired_on"),
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


@dataclass(frozen=True)
class RowError:
    """One problem, named by line (1 = the header) and column, as an i18n message key."""

    line: int
    column: str
    message: str
    params: dict[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult:
    rows: list[EmployeeRow]
    errors: list[RowError]


def _decode(data: bytes) -> str | None:
    # Excel in Japan saves CSV as Shift_JIS (cp932); everything else is UTF-8, often with a BOM.
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _header_positions(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    names = [h.strip().lower() for h in header]
    positions: dict[str, int] = {}
    errors: list[RowError] = []
    for key, accepted in COLUMNS.items():
        found = next((names.index(a.lower()) for a in accepted if a.lower() in names), None)
        if found is None:
            errors.append(RowError(1, accepted[0], "csv.missing_column"))
        else:
            positions[key] = found
    return positions, errors


def _check_row(line: int, values: dict[str, str]) -> list[RowError]:
    errors = [
        RowError(line, COLUMNS[key][0], "csv.required")
        for key, value in values.items()
        if not value
    ]
    code, email, hired_on = values["code"], values["email"], values["hired_on"]
    if code and not CODE.match(code):
        errors.append(RowError(line, COLUMNS["code"][0], "csv.bad_code", {"value": code}))
    if email and not EMAIL.match(email):
        errors.append(RowError(line, COLUMNS["email"][0], "csv.bad_email", {"value": email}))
    if hired_on:
        try:
            date.fromisoformat(hired_on)
        except ValueError:
            errors.append(
                RowError(line, COLUMNS["hired_on"][0], "csv.bad_date", {"value": hired_on})
            )
    for key in ("name", "department"):
        if len(values[key]) > 100:
            errors.append(RowError(line, COLUMNS[key][0], "csv.too_long", {"max": 100}))
    return errors


def parse_employees(data: bytes, existing_codes: set[str]) -> ImportResult:
    """Every error of the file at once, each with its line, so it can be fixed in one go."""
    if not data.strip():
        return ImportResult([], [RowError(1, "", "csv.empty")])
    if len(data) > MAX_BYTES:
        return ImportResult([], [RowError(1, "", "csv.too_large", {"max": "1 MB"})])
    text = _decode(data)
    if text is None:
        return ImportResult([], [RowError(1, "", "csv.encoding")])
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return ImportResult([], [RowError(1, "", "csv.malformed")])
    positions, errors = _header_positions(records[0])
    if errors:
        return ImportResult([], errors)
    rows: list[EmployeeRow] = []
    first_line_of_code: dict[str, int] = {}
    data_lines = [(n, r) for n, r in enumerate(records[1:], start=2) if any(c.strip() for c in r)]
    if not data_lines:
        return ImportResult([], [RowError(2, "", "csv.no_rows")])
    if len(data_lines) > MAX_ROWS:
        return ImportResult([], [RowError(MAX_ROWS + 2, "", "csv.too_many", {"max": MAX_ROWS})])
    for line, record in data_lines:
        if len(record) < len(records[0]):
            errors.append(
                RowError(line, "", "csv.columns", {"got": len(record), "want": len(records[0])})
            )
            continue
        values = {key: record[index].strip() for key, index in positions.items()}
        row_errors = _check_row(line, values)
        code = values["code"]
        if code in existing_codes:
            row_errors.append(RowError(line, COLUMNS["code"][0], "csv.exists", {"value": code}))
        elif code in first_line_of_code:
            row_errors.append(
                RowError(
                    line,
                    COLUMNS["code"][0],
                    "csv.duplicate",
                    {"value": code, "other": first_line_of_code[code]},
                )
            )
        first_line_of_code.setdefault(code, line)
        errors.extend(row_errors)
        if not row_errors:
            rows.append(EmployeeRow(**values))
    return ImportResult(rows if not errors else [], errors)
