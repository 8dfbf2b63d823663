"""References between content: a checklist's or a goal's rules (and a checklist's actions)
naming tours and checklists, read from raw documents so that they are reported with every
other error, and checked to exist (or not to be the document itself)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from shirube.content.primitives import is_key
from shirube.content.rules import RULE_TYPES
from shirube.errors import FieldError


def raw_rule_refs(rule: Any, path: str) -> list[tuple[str, str, str]]:
    """(path, kind, key) of each well-formed reference to other content in a raw rule."""
    if not isinstance(rule, Mapping):
        return []
    name = rule.get("type")
    rule_type = RULE_TYPES.get(name) if isinstance(name, str) else None
    if rule_type is None:
        return []
    return [
        (f"{path}.{field}", kind, rule[field])
        for field, kind in rule_type.refers_to.items()
        if is_key(rule.get(field))
    ]


def reference_errors(
    refs: list[tuple[str, str, str]],
    known: Mapping[str, Collection[str] | None],
    dot: str,
    own: tuple[str, str] | None = None,
) -> list[FieldError]:
    """Errors for references to unknown content; `known[kind]` None means not checked, and
    `own` (kind, key) is the document itself, which may not refer to itself."""
    errors: list[FieldError] = []
    for path, kind, key in refs:
        if own is not None and (kind, key) == own:
            errors.append(FieldError(f"{dot}{path}", f"a {kind} cannot wait for itself"))
            continue
        keys = known.get(kind)
        if keys is not None and key not in keys:
            errors.append(FieldError(f"{dot}{path}", f"unknown {kind} {key!r}"))
    return errors


def checklist_refs(data: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(relative path, kind, key) of each well-formed reference in a raw checklist."""
    refs: list[tuple[str, str, str]] = []
    items = data.get("items")
    if not isinstance(items, list):
        return refs
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            continue
        action = item.get("action")
        if (
            isinstance(action, Mapping)
            and action.get("type") == "tour"
            and is_key(action.get("tour"))
        ):
            refs.append((f"items[{index}].action.tour", "tour", action["tour"]))
        refs += raw_rule_refs(item.get("completion"), f"items[{index}].completion")
    return refs


def goal_refs(data: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(relative path, kind, key) of each well-formed reference in a raw goal."""
    refs: list[tuple[str, str, str]] = []
    rules = data.get("rules")
    if isinstance(rules, list):
        for index, entry in enumerate(rules):
            if isinstance(entry, Mapping):
                refs += raw_rule_refs(entry.get("rule"), f"rules[{index}].rule")
    return refs


def document_references(kind: str, document: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(kind, key) of the content a raw checklist, goal or help centre document refers to."""
    if kind == "resource_center":
        # Imported here: resource_center.py imports this module.
        from shirube.content.resource_center import resource_center_refs

        refs = resource_center_refs(document)
    else:
        refs = checklist_refs(document) if kind == "checklist" else goal_refs(document)
    return {(ref_kind, key) for _, ref_kind, key in refs}
