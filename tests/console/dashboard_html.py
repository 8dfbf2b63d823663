"""Reading the dashboard's HTML in tests: its tables as rows of cells (a cell's <data value>
when it has one, its text otherwise: what the CSV holds), and its CSV downloads as rows."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser


class Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict[str, list[list[str]]]] = {}
        self._table: str | None = None
        self._part = ""
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._value: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("data-table"):
            self._table = found["data-table"] or ""
            self.tables[self._table] = {"head": [], "body": []}
        elif self._table is None:
            return
        elif tag in ("thead", "tbody"):
            self._part = "head" if tag == "thead" else "body"
        elif tag == "tr":
            self._row = None if found.get("class") == "empty-row" else []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._value = [], None
        elif tag == "data" and self._cell is not None:
            self._value = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if self._table is None:
            return
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            text = "".join(self._cell).strip()
            self._row.append(self._value if self._value is not None else text)
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table][self._part].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables_of(page: str) -> dict[str, dict[str, list[list[str]]]]:
    parser = Tables()
    parser.feed(page)
    return parser.tables


def csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff"), "the CSV starts with a byte-order mark"
    return list(csv.reader(io.StringIO(text[1:])))


def unguarded(cell: str) -> str:
    """A CSV cell without the apostrophe that keeps a spreadsheet from running it."""
    return cell[1:] if cell[:2] in ("'=", "'+", "'-", "'@") else cell
