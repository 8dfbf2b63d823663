"""The content document: tours and checklists together, keys unique, references resolved."""

from __future__ import annotations

import copy
from typing import Any

from shirube.content import FORMAT, ContentDocument, validate_document

from .samples import FULL_CHECKLIST, FULL_TOUR
from .util import errors_of, only_error, paths_of


def tour(key: str, **fields: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": key.title(),
        "steps": [{"id": "s1", "kind": "modal", "body": "Hi"}],
        **fields,
    }


def checklist(key: str, *tour_refs: str) -> dict[str, Any]:
    items = [
        {
            "id": f"i{n}",
            "title": "Item",
            "action": {"type": "tour", "tour": ref},
            "completion": {"type": "tour_completed", "tour": ref},
        }
        for n, ref in enumerate(tour_refs)
    ] or [{"id": "i0", "title": "Item", "completion": {"type": "manual"}}]
    return {"key": key, "title": "Checklist", "items": items}


def document(tours: list[Any], checklists: list[Any]) -> dict[str, Any]:
    return {"format": FORMAT, "tours": tours, "checklists": checklists}


FULL_DOCUMENT = document([FULL_TOUR, tour("welcome", trigger={"type": "manual"})], [FULL_CHECKLIST])


def test_full_document_round_trips() -> None:
    parsed = validate_document(FULL_DOCUMENT)
    dumped = parsed.model_dump(mode="json", exclude_none=True)
    assert validate_document(dumped) == parsed
    assert dumped["tours"][0] == FULL_TOUR
    assert dumped["checklists"][0] == FULL_CHECKLIST
    # Each part can be stored on its own and re-read.
    assert (
        validate_document(
            {
                "format": FORMAT,
                "tours": [t.model_dump(mode="json", exclude_none=True) for t in parsed.tours],
                "checklists": [
                    c.model_dump(mode="json", exclude_none=True) for c in parsed.checklists
                ],
            }
        )
        == parsed
    )


def test_empty_document() -> None:
    assert validate_document({"format": FORMAT}) == ContentDocument(format=FORMAT)
    assert validate_document({"format": FORMAT}).model_dump(mode="json", exclude_none=True) == {
        "format": FORMAT,
        "tours": [],
        "checklists": [],
        "goals": [],
        "resource_centers": [],
    }


def test_format() -> None:
    assert only_error(validate_document, {"tours": []}) == ("format", "is required")
    assert only_error(validate_document, {"format": "shirube.content/2"}) == (
        "format",
        "Input should be 'shirube.content/1'",
    )


def test_not_an_object() -> None:
    assert only_error(validate_document, [FULL_TOUR]) == ("", "must be an object")


def test_unknown_top_level_key() -> None:
    assert only_error(validate_document, {"format": FORMAT, "segments": []}) == (
        "segments",
        "unknown key",
    )


def test_wrong_types() -> None:
    assert errors_of(validate_document, {"format": FORMAT, "tours": {}, "checklists": [1]}) == [
        ("tours", "Input should be a valid list"),
        ("checklists[0]", "must be an object"),
    ]


def test_errors_inside_are_fully_prefixed() -> None:
    bad_tour = tour("second", steps=[{"id": "s1", "kind": "tooltip", "body": "x"}])
    bad_checklist = checklist("setup", "welcome", "ghost")
    assert errors_of(validate_document, document([tour("welcome"), bad_tour], [bad_checklist])) == [
        ("tours[1].steps[0].target", "is required when kind is 'tooltip'"),
        ("checklists[0].items[1].action.tour", "unknown tour 'ghost'"),
        ("checklists[0].items[1].completion.tour", "unknown tour 'ghost'"),
    ]


def test_nested_audience_errors_are_prefixed() -> None:
    data = document([tour("t", audience={"all": [{"attribute": "user.a", "op": "in"}]})], [])
    assert only_error(validate_document, data) == (
        "tours[0].audience.all[0].value",
        "is required for 'in'",
    )


def test_duplicate_keys() -> None:
    data = document(
        [tour("a"), tour("b"), tour("a")],
        [checklist("x"), checklist("x"), checklist("y")],
    )
    assert errors_of(validate_document, data) == [
        ("tours[2].key", "duplicate tour key 'a' (also tours[0].key)"),
        ("checklists[1].key", "duplicate checklist key 'x' (also checklists[0].key)"),
    ]


def test_tour_and_checklist_may_share_a_key() -> None:
    assert validate_document(document([tour("setup")], [checklist("setup")]))


def test_duplicate_step_and_item_ids_inside_the_document() -> None:
    steps = [{"id": "s", "kind": "modal", "body": "x"}] * 2
    items = [{"id": "i", "title": "t", "completion": {"type": "manual"}}] * 2
    data = document(
        [tour("a"), tour("b", steps=steps)], [{"key": "c", "title": "C", "items": items}]
    )
    assert errors_of(validate_document, data) == [
        ("tours[1].steps[1].id", "duplicate step id 's' (also tours[1].steps[0].id)"),
        ("checklists[0].items[1].id", "duplicate item id 'i' (also checklists[0].items[0].id)"),
    ]


def test_references_resolve_to_the_document_or_existing_tours() -> None:
    data = document([tour("welcome")], [checklist("setup", "welcome", "legacy")])
    assert paths_of(validate_document, data) == [
        "checklists[0].items[1].action.tour",
        "checklists[0].items[1].completion.tour",
    ]
    parsed = validate_document(data, existing_tour_keys={"legacy"})
    assert parsed.checklists[0].items[1].completion.tour == "legacy"


def test_reference_to_an_invalid_tour_in_the_document_is_not_reported_again() -> None:
    broken = tour("welcome", steps=[])
    data = document([broken], [checklist("setup", "welcome")])
    assert paths_of(validate_document, data) == ["tours[0].steps"]


def test_all_problems_are_reported_together() -> None:
    data = document(
        [tour("a"), tour("a", name="")],
        [checklist("c", "ghost"), {"key": "c"}],
    )
    assert paths_of(validate_document, data) == [
        "tours[1].name",
        "checklists[1].title",
        "checklists[1].items",
        "tours[1].key",
        "checklists[1].key",
        "checklists[0].items[0].action.tour",
        "checklists[0].items[0].completion.tour",
    ]


def test_prefix() -> None:
    data = document([tour("a"), tour("a")], [])
    assert paths_of(validate_document, data, prefix="content") == ["content.tours[1].key"]


def test_input_is_not_modified() -> None:
    data = copy.deepcopy(FULL_DOCUMENT)
    validate_document(data)
    assert data == FULL_DOCUMENT
