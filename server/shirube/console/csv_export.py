"""A dashboard table as a CSV download: UTF-8 with a byte-order mark (so spreadsheet programs
read Japanese right), and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re

from shirube.console.dashboard_tables import Table, unit_header

# A cell starting with one of these is a formula to Excel, LibreOffice or Google Sheets
# (OWASP, "CSV injection"); tab and carriage return too, as some import them as such.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def guard(cell: str) -> str:
    """The cell, with a leading apostrophe when it would start a formula; a plain number
    (-3.5) cannot, and stays a number."""
    if cell.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def table_csv(table: Table, t: dict[str, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([guard(unit_header(col.label, col.unit, t)) for col in table.columns])
    for row in table.rows:
        writer.writerow([guard(cell.csv) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
