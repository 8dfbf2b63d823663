"""The editor form's rows (#14): which rows (`steps.N.…`) a posted form has, and the steps',
items' and goal rules' row operations: add, duplicate, delete, move up or down (the keyboard's
buttons) and move to a place (drag and drop), with the element that keeps the focus
afterwards."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

Document = dict[str, Any]
_INDEX = re.compile(r"^(\d{1,3})$")
MAX_ROWS = 60  # above every list limit of the format (50 steps, 30 items, 50 conditions)


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


LISTS = {"tour": "steps", "checklist": "items", "goal": "rules"}
_STEMS = {"tour": "step", "checklist": "item", "goal": "rule"}


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
    if kind == "goal":
        # Valid as it stands (a draft is saved only when valid), and the issue's own example
        # of "onboarding complete" by usage time.
        return {
            "id": _fresh_id(entries, "rule"),
            "rule": {"type": "active_time", "minutes": 60, "within_days": 14},
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
        twin["id"] = _fresh_id(entries, _STEMS[kind])
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
