"""Tour validation: every field, kind-specific rules, limits and exact error paths."""

from __future__ import annotations

from typing import Any

import pytest
from shirube.content import TourDoc, validate_tour

from .samples import FULL_TOUR
from .util import errors_of, only_error, paths_of


def step(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "s1", "kind": "tooltip", "target": "#import", "body": "Hi"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not ...}


def tour(*steps: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": "welcome",
        "name": "Welcome tour",
        "steps": list(steps) or [step()],
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not ...}


def test_minimal_tour_gets_defaults() -> None:
    data = {"key": "t", "name": "T", "steps": [{"id": "a", "kind": "modal", "title": "Hi"}]}
    assert validate_tour(data).model_dump(mode="json", exclude_none=True) == {
        "key": "t",
        "name": "T",
        "trigger": {"type": "auto"},
        "pages": [],
        "frequency": "once",
        "steps": [
            {
                "id": "a",
                "kind": "modal",
                "placement": "auto",
                "title": "Hi",
                "advance": {"type": "next"},
                "if_missing": "skip",
                "wait_ms": 5000,
            }
        ],
    }


def test_full_tour_round_trips() -> None:
    parsed = validate_tour(FULL_TOUR)
    dumped = parsed.model_dump(mode="json", exclude_none=True)
    assert dumped == FULL_TOUR
    assert validate_tour(dumped) == parsed


def test_models_are_frozen() -> None:
    parsed = validate_tour(FULL_TOUR)
    with pytest.raises(ValueError, match="frozen"):
        parsed.key = "other"  # type: ignore[misc]


def test_null_optional_fields() -> None:
    data = tour(step(page=None, title=None, cta=None), audience=None)
    parsed = validate_tour(data)
    assert parsed.audience is None and parsed.steps[0].page is None


def test_not_an_object() -> None:
    assert only_error(validate_tour, ["welcome"]) == ("", "must be an object")


def test_missing_required() -> None:
    assert errors_of(validate_tour, {}) == [
        ("key", "is required"),
        ("name", "is required"),
        ("steps", "is required"),
    ]
    assert errors_of(validate_tour, tour({"target": "#x", "body": "x"})) == [
        ("steps[0].id", "is required"),
        ("steps[0].kind", "is required"),
    ]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (tour(theme="dark"), "theme"),
        (tour(trigger={"type": "auto", "delay": 5}), "trigger.delay"),
        (tour(step(), step(id="s2", selector="#x")), "steps[1].selector"),
        (tour(step(advance={"type": "next", "label": "OK"})), "steps[0].advance.label"),
        (tour(step(cta={"label": "Go", "url": "/x", "target": "_blank"})), "steps[0].cta.target"),
    ],
)
def test_unknown_keys_at_every_level(data: dict[str, Any], path: str) -> None:
    assert only_error(validate_tour, data) == (path, "unknown key")


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (
            tour(step(kind="popup")),
            "steps[0].kind",
            "Input should be 'tooltip', 'modal' or 'hotspot'",
        ),
        (
            tour(trigger={"type": "scroll"}),
            "trigger.type",
            "Input should be 'auto', 'manual' or 'event'",
        ),
        (
            tour(step(advance={"type": "hover"})),
            "steps[0].advance.type",
            "Input should be 'next', 'click' or 'event'",
        ),
        (
            tour(frequency="always"),
            "frequency",
            "Input should be 'once', 'until_completed' or 'every_session'",
        ),
        (tour(step(if_missing="wait")), "steps[0].if_missing", "Input should be 'skip' or 'end'"),
    ],
)
def test_unknown_choices(data: dict[str, Any], path: str, message: str) -> None:
    assert only_error(validate_tour, data) == (path, message)


def test_placements() -> None:
    for side in ("top", "bottom", "left", "right"):
        for suffix in ("", "-start", "-end"):
            assert validate_tour(tour(step(placement=side + suffix))).steps[0].placement
    assert validate_tour(tour(step(placement="auto"))).steps[0].placement == "auto"
    for bad in ("auto-start", "center", "top-middle", "TOP"):
        path, message = only_error(validate_tour, tour(step(placement=bad)))
        assert path == "steps[0].placement"
        assert message.startswith("Input should be 'auto', 'top'")


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (tour(name=["x"]), "name", "Input should be a valid string"),
        (tour(pages="/settings"), "pages", "Input should be a valid list"),
        (tour(pages=[5]), "pages[0]", "Input should be a valid string"),
        (tour(steps={"s1": step()}), "steps", "Input should be a valid list"),
        (tour(steps=["s1"]), "steps[0]", "must be an object"),
        (tour(trigger="auto"), "trigger", "must be an object"),
        (tour(step(advance="next")), "steps[0].advance", "must be an object"),
        (tour(step(cta="/x")), "steps[0].cta", "must be an object"),
        (
            tour(step(target=["#x"])),
            "steps[0].target",
            "must be a CSS selector string or an object with 'css'",
        ),
        (tour(step(wait_ms="5000")), "steps[0].wait_ms", "Input should be a valid integer"),
        (tour(step(wait_ms=5000.0)), "steps[0].wait_ms", "Input should be a valid integer"),
        (tour(step(wait_ms=True)), "steps[0].wait_ms", "Input should be a valid integer"),
        (tour(step(id=7)), "steps[0].id", "Input should be a valid string"),
        (tour(step(page=7)), "steps[0].page", "Input should be a valid string"),
        (
            tour(step(title=7)),
            "steps[0].title",
            "must be a string or an object mapping locale codes to strings",
        ),
        (tour(step(kind=None)), "steps[0].kind", "Input should be 'tooltip', 'modal' or 'hotspot'"),
    ],
)
def test_wrong_types(data: dict[str, Any], path: str, message: str) -> None:
    assert only_error(validate_tour, data) == (path, message)


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (tour(steps=[]), "steps", "List should have at least 1 item after validation, not 0"),
        (
            tour(*[step(id=f"s{i}") for i in range(51)]),
            "steps",
            "List should have at most 50 items after validation, not 51",
        ),
        (
            tour(pages=[f"/p{i}" for i in range(51)]),
            "pages",
            "List should have at most 50 items after validation, not 51",
        ),
        (tour(name=""), "name", "String should have at least 1 character"),
        (tour(name="  "), "name", "must not be blank"),
        (tour(name="n" * 201), "name", "String should have at most 200 characters"),
        (tour(step(target="")), "steps[0].target", "String should have at least 1 character"),
        (tour(step(target=" ")), "steps[0].target", "must not be blank"),
        (
            tour(step(target="#" * 501)),
            "steps[0].target",
            "String should have at most 500 characters",
        ),
        (
            tour(step(wait_ms=-1)),
            "steps[0].wait_ms",
            "Input should be greater than or equal to 0",
        ),
        (
            tour(step(wait_ms=60001)),
            "steps[0].wait_ms",
            "Input should be less than or equal to 60000",
        ),
        (
            tour(step(title="t" * 201)),
            "steps[0].title",
            "String should have at most 200 characters",
        ),
        (
            tour(step(body="b" * 2001)),
            "steps[0].body",
            "String should have at most 2000 characters",
        ),
        (
            tour(step(cta={"label": "l" * 201, "url": "/x"})),
            "steps[0].cta.label",
            "String should have at most 200 characters",
        ),
    ],
)
def test_limits(data: dict[str, Any], path: str, message: str) -> None:
    assert only_error(validate_tour, data) == (path, message)


def test_limits_that_are_allowed() -> None:
    data = tour(
        *[step(id=f"s{i}") for i in range(50)],
        name="n" * 200,
        pages=[f"/p{i}" for i in range(50)],
    )
    parsed = validate_tour(data)
    assert len(parsed.steps) == 50 and len(parsed.pages) == 50
    edge = step(target="#" * 500, wait_ms=60000, title="t" * 200, body="b" * 2000)
    assert validate_tour(tour(edge)).steps[0].wait_ms == 60000
    assert validate_tour(tour(step(wait_ms=0))).steps[0].wait_ms == 0


@pytest.mark.parametrize("kind", ["tooltip", "hotspot"])
def test_target_required_for_anchored_kinds(kind: str) -> None:
    assert only_error(validate_tour, tour(step(kind=kind, target=...))) == (
        "steps[0].target",
        f"is required when kind is {kind!r}",
    )
    assert only_error(validate_tour, tour(step(kind=kind, target=None)))[0] == "steps[0].target"


def test_target_optional_for_modal() -> None:
    assert validate_tour(tour(step(kind="modal", target=...))).steps[0].target is None
    assert validate_tour(tour(step(kind="modal", target="#x"))).steps[0].target == "#x"


def test_unknown_kind_does_not_also_complain_about_target() -> None:
    assert paths_of(validate_tour, tour(step(kind="banner", target=...))) == ["steps[0].kind"]


def test_title_or_body() -> None:
    assert only_error(validate_tour, tour(step(title=..., body=...))) == (
        "steps[0].body",
        "is required when the step has no title",
    )
    assert only_error(validate_tour, tour(step(title=None, body=None)))[0] == "steps[0].body"
    assert validate_tour(tour(step(title="Only a title", body=...))).steps[0].body is None
    assert validate_tour(tour(step(title=..., body="Only a body"))).steps[0].title is None
    # An invalid title is its own error; the body rule stays quiet.
    assert paths_of(validate_tour, tour(step(title=5, body=...))) == ["steps[0].title"]


def test_click_advance_needs_a_target() -> None:
    data = tour(step(kind="modal", target=..., advance={"type": "click"}))
    assert only_error(validate_tour, data) == (
        "steps[0].advance",
        "'click' needs a target to click: set the step's target",
    )
    ok = validate_tour(tour(step(kind="modal", target="#x", advance={"type": "click"})))
    assert ok.steps[0].advance.type == "click"


def test_event_advance() -> None:
    parsed = validate_tour(tour(step(advance={"type": "event", "event": "csv.uploaded"})))
    assert parsed.steps[0].advance.event == "csv.uploaded"
    assert only_error(validate_tour, tour(step(advance={"type": "event"}))) == (
        "steps[0].advance.event",
        "is required when type is 'event'",
    )
    assert only_error(validate_tour, tour(step(advance={"type": "event", "event": None}))) == (
        "steps[0].advance.event",
        "is required when type is 'event'",
    )
    path, message = only_error(validate_tour, tour(step(advance={"type": "event", "event": "/"})))
    assert path == "steps[0].advance.event"
    assert "not a valid event name" in message
    assert only_error(validate_tour, tour(step(advance={"type": "next", "event": "x"}))) == (
        "steps[0].advance.event",
        "is only allowed when type is 'event'",
    )
    assert only_error(validate_tour, tour(step(advance={"event": "x"}))) == (
        "steps[0].advance.type",
        "is required",
    )


def test_triggers() -> None:
    assert validate_tour(tour()).trigger.type == "auto"
    assert validate_tour(tour(trigger={"type": "manual"})).trigger.type == "manual"
    assert validate_tour(tour(trigger={"type": "event", "event": "x"})).trigger.event == "x"
    assert only_error(validate_tour, tour(trigger={"type": "event"})) == (
        "trigger.event",
        "is required when type is 'event'",
    )
    assert only_error(validate_tour, tour(trigger={"type": "manual", "event": "x"})) == (
        "trigger.event",
        "is only allowed when type is 'event'",
    )
    assert only_error(validate_tour, tour(trigger={})) == ("trigger.type", "is required")


def test_cta_requires_label_and_url() -> None:
    assert errors_of(validate_tour, tour(step(cta={}))) == [
        ("steps[0].cta.label", "is required"),
        ("steps[0].cta.url", "is required"),
    ]


def test_duplicate_step_ids() -> None:
    data = tour(step(id="a"), step(id="b"), step(id="a"), step(id="c"), step(id="a"))
    assert errors_of(validate_tour, data) == [
        ("steps[2].id", "duplicate step id 'a' (also steps[0].id)"),
        ("steps[4].id", "duplicate step id 'a' (also steps[0].id)"),
    ]


def test_step_ids_are_case_sensitive() -> None:
    assert len(validate_tour(tour(step(id="a"), step(id="A"))).steps) == 2


def test_duplicates_are_reported_with_other_errors() -> None:
    data = tour(step(id="a"), step(id="a", kind="popup"), key="Bad")
    assert errors_of(validate_tour, data) == [
        ("key", errors_of(validate_tour, tour(key="Bad"))[0][1]),
        ("steps[1].kind", "Input should be 'tooltip', 'modal' or 'hotspot'"),
        ("steps[1].id", "duplicate step id 'a' (also steps[0].id)"),
    ]


def test_invalid_ids_are_not_also_reported_as_duplicates() -> None:
    assert paths_of(validate_tour, tour(step(id="a b"), step(id="a b"))) == [
        "steps[0].id",
        "steps[1].id",
    ]
    assert errors_of(validate_tour, tour(step(id="a b"), step(id="a b")))[1][1].endswith(
        "starting with a letter or digit"
    )


def test_prefix() -> None:
    data = tour(step(id="a"), step(id="a", target=...))
    assert paths_of(validate_tour, data, prefix="tour") == [
        "tour.steps[1].target",
        "tour.steps[1].id",
    ]


def test_model_validate_directly_gives_the_same_model() -> None:
    assert TourDoc.model_validate(FULL_TOUR) == validate_tour(FULL_TOUR)
