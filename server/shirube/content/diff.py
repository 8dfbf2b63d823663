"""What changed between two content documents (two versions, a version and the draft, the
before and after of an audit entry), field by field, in terms an editor reads.

Steps, checklist items and goal rules are matched by their `id`, so a reorder is a move of the
ones that moved, not a change of every field after them. Localized texts are compared locale
by locale. The result names fields by their JSON names and holds the raw values; the console
turns it into words in the admin's language (console/diff_view.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Op = Literal["changed", "added", "removed", "moved"]
_LOCALE = re.compile(r"^[a-z]{2}(-[A-Za-z0-9]{1,8})*$")


@dataclass(frozen=True)
class Field:
    name: str


@dataclass(frozen=True)
class Entry:
    """An element of a list matched by id: `collection` is the list's field name (`steps`),
    `position` its 1-based place in the newer document (in the older one when removed)."""

    collection: str
    position: int
    id: str


@dataclass(frozen=True)
class Locale:
    code: str


@dataclass(frozen=True)
class Index:
    """An element of a list without ids (audience conditions), 1-based."""

    position: int


Segment = Field | Entry | Locale | Index


@dataclass(frozen=True)
class Change:
    path: tuple[Segment, ...]
    op: Op
    # The values before and after; for a move, the old and new positions.
    before: Any = None
    after: Any = None


def diff(before: Any, after: Any) -> list[Change]:
    """Every change from `before` to `after` (either may be None: created, deleted)."""
    changes: list[Change] = []
    _walk((), before, after, changes)
    return changes


def is_localized(value: Any) -> bool:
    """A text given per locale: {"en": "…", "ja": "…"}."""
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and _LOCALE.match(k) for k in value)
        and all(isinstance(v, str) for v in value.values())
    )


def _walk(path: tuple[Segment, ...], a: Any, b: Any, out: list[Change]) -> None:
    if a == b:
        return
    if a is None:
        out.append(Change(path, "added", after=b))
    elif b is None:
        out.append(Change(path, "removed", before=a))
    elif isinstance(a, dict) and isinstance(b, dict):
        if is_localized(a) and is_localized(b):
            _locales(path, a, b, out)
        else:
            _fields(path, a, b, out)
    elif isinstance(a, list) and isinstance(b, list):
        _list(path, a, b, out)
    else:
        out.append(Change(path, "changed", a, b))


def _locales(
    path: tuple[Segment, ...], a: dict[str, str], b: dict[str, str], out: list[Change]
) -> None:
    for code in _union(a, b):
        _walk((*path, Locale(code)), a.get(code), b.get(code), out)


def _fields(
    path: tuple[Segment, ...], a: dict[str, Any], b: dict[str, Any], out: list[Change]
) -> None:
    for name in _union(a, b):
        _walk((*path, Field(name)), a.get(name), b.get(name), out)


def _union(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """The keys of both, in `a`'s order, then the new ones in `b`'s."""
    return [*a, *(k for k in b if k not in a)]


def _ids(items: list[Any]) -> list[str] | None:
    """The ids of a list of objects that all have a distinct string id, else None."""
    if not all(isinstance(i, dict) and isinstance(i.get("id"), str) for i in items):
        return None
    ids = [i["id"] for i in items]
    return ids if len(set(ids)) == len(ids) else None


def _list(path: tuple[Segment, ...], a: list[Any], b: list[Any], out: list[Change]) -> None:
    ids_a, ids_b = _ids(a), _ids(b)
    if ids_a is not None and ids_b is not None and (a or b):
        _by_id(path, a, b, ids_a, ids_b, out)
    elif all(not isinstance(v, (dict, list)) for v in (*a, *b)):
        _values(path, a, b, out)
    else:
        for i in range(max(len(a), len(b))):
            _walk(
                (*path, Index(i + 1)),
                a[i] if i < len(a) else None,
                b[i] if i < len(b) else None,
                out,
            )


def _values(path: tuple[Segment, ...], a: list[Any], b: list[Any], out: list[Change]) -> None:
    """A list of plain values (page patterns, event names): what went, what came."""
    removed = [v for v in a if v not in b]
    added = [v for v in b if v not in a]
    if not removed and not added:
        out.append(Change(path, "changed", a, b))  # the same values, reordered
        return
    out.extend(Change(path, "removed", before=v) for v in removed)
    out.extend(Change(path, "added", after=v) for v in added)


def _by_id(
    path: tuple[Segment, ...],
    a: list[dict[str, Any]],
    b: list[dict[str, Any]],
    ids_a: list[str],
    ids_b: list[str],
    out: list[Change],
) -> None:
    collection = next((s.name for s in reversed(path) if isinstance(s, Field)), "")
    old_at = {id_: n for n, id_ in enumerate(ids_a, 1)}
    common_b = [i for i in ids_b if i in old_at]
    common_a = [i for i in ids_a if i in set(common_b)]
    # Those outside a longest run kept in order moved; the others only shifted.
    stayed = _longest_common(common_a, common_b)
    for n, (id_, item) in enumerate(zip(ids_b, b, strict=True), 1):
        here = (*path, Entry(collection, n, id_))
        if id_ not in old_at:
            out.append(Change(here, "added", after=item))
            continue
        if id_ not in stayed:
            out.append(Change(here, "moved", old_at[id_], n))
        _fields(here, a[old_at[id_] - 1], item, out)
    new_ids = set(ids_b)
    for n, (id_, item) in enumerate(zip(ids_a, a, strict=True), 1):
        if id_ not in new_ids:
            out.append(Change((*path, Entry(collection, n, id_)), "removed", before=item))


def _longest_common(a: list[str], b: list[str]) -> set[str]:
    """The ids of a longest common subsequence of two orders of the same ids."""
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            lengths[i][j] = (
                lengths[i + 1][j + 1] + 1
                if a[i] == b[j]
                else max(lengths[i + 1][j], lengths[i][j + 1])
            )
    kept: set[str] = set()
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            kept.add(a[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept


def text_of(value: Any, limit: int = 200) -> str:
    """A value as one line of plain text: texts as they are, localized texts and objects as
    `name: value` pairs, lists joined by commas. Cut at `limit` characters."""
    text = _text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)
