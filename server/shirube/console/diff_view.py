"""A content diff (content/diff.py) as lines an editor reads, in the admin's language:
"Step 2 ‘intro’ · Title (ja): 「…」 → 「…」". Plain text only: the templates escape it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shirube.console.field_labels import FIELDS
from shirube.console.history_labels import HISTORY
from shirube.content.diff import Change, Entry, Field, Index, Locale, Segment, diff, text_of

_ENTRY_LABELS = {"steps": "step", "items": "item", "rules": "rule"}


@dataclass(frozen=True)
class DiffLine:
    where: str
    op: str
    # The values as text (None where the operation has none); for a move, its description.
    before: str | None
    after: str | None


def _segment(segment: Segment, lang: str) -> str:
    words, fields = HISTORY[lang], FIELDS[lang]
    if isinstance(segment, Field):
        return fields.get(segment.name, segment.name)
    if isinstance(segment, Entry):
        template = words[_ENTRY_LABELS.get(segment.collection, "entry")]
        collection = fields.get(segment.collection, segment.collection)
        return template.format(n=segment.position, id=segment.id, collection=collection)
    if isinstance(segment, Index):
        return words["index"].format(n=segment.position)
    return segment.code


def where(path: tuple[Segment, ...], lang: str) -> str:
    """The path as "Step 2 ‘intro’ · Title (ja)": an entry's list name is said by the entry,
    a locale goes in brackets after its field."""
    parts: list[str] = []
    for n, segment in enumerate(path):
        following = path[n + 1] if n + 1 < len(path) else None
        if isinstance(segment, Field) and isinstance(following, Entry):
            continue
        if isinstance(segment, Locale) and parts:
            parts[-1] += f" ({segment.code})"
            continue
        parts.append(_segment(segment, lang))
    return " · ".join(parts) or HISTORY[lang]["whole"]


def line(change: Change, lang: str) -> DiffLine:
    words = HISTORY[lang]
    place = where(change.path, lang)
    if change.op == "moved":
        moved = words["moved"].format(before=change.before, after=change.after)
        return DiffLine(place, "moved", None, moved)
    if change.path and isinstance(change.path[-1], Entry):
        # A whole step or item came or went: its title says which, its fields would be noise.
        before = None if change.op == "added" else _title(change.before, lang)
        after = None if change.op == "removed" else _title(change.after, lang)
        return DiffLine(place, change.op, before, after)
    before = None if change.op == "added" else text_of(change.before)
    after = None if change.op == "removed" else text_of(change.after)
    return DiffLine(place, change.op, before, after)


def _title(entry: Any, lang: str) -> str | None:
    title = entry.get("title") or entry.get("name") if isinstance(entry, dict) else None
    if isinstance(title, dict):
        title = title.get(lang) or next(iter(title.values()), None)
    return text_of(title) if isinstance(title, str) else None


def lines(before: Any, after: Any, lang: str) -> list[DiffLine]:
    return [line(change, lang) for change in diff(before, after)]
