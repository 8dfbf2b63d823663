"""Robust targets (content/target.py): the object form next to the string form, its limits,
its strategies and its selectors' syntax, each error at its full path; the widget's copy of the
form and the event schema's list of strategies agree with it."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from shirube.content import validate_tour
from shirube.content.localize import localize_tour
from shirube.content.target import MAX_FALLBACKS, STRATEGIES, Tried, css_problem

from .util import errors_of, only_error

ROBUST = {
    "css": "#clock-in",
    "fallbacks": [
        {"by": "shirube-id", "css": '[data-shirube-id="clock"]'},
        {"by": "testid", "css": "[data-testid=clock-in]"},
        {"by": "id", "css": "#clock"},
        {"by": "name", "css": '[name="clock"]'},
        {"by": "aria", "css": "button,[role=button]", "name": "Clock in"},
        {"by": "class", "css": ".time-card .primary"},
        {"by": "path", "css": "main > form > button:nth-of-type(1)"},
    ],
    "text": "Clock in",
}


def tour(*targets: Any) -> dict[str, Any]:
    """A tour whose steps 1… are tooltips on `targets` (step 0 is a modal)."""
    steps: list[dict[str, Any]] = [{"id": "hello", "kind": "modal", "title": "Hello"}]
    steps += [
        {"id": f"s{i}", "kind": "tooltip", "target": target, "title": "T"}
        for i, target in enumerate(targets, 1)
    ]
    return {"key": "robust", "name": "Robust", "steps": steps}


def test_the_object_form_round_trips_next_to_the_string_form() -> None:
    data = tour("#import", ROBUST, {"css": "#only"})
    parsed = validate_tour(data)
    dumped = parsed.model_dump(mode="json", exclude_none=True)
    assert dumped["steps"][1]["target"] == "#import"
    assert dumped["steps"][2]["target"] == ROBUST
    assert dumped["steps"][3]["target"] == {"css": "#only", "fallbacks": []}
    assert validate_tour(dumped) == parsed
    # What the widget gets: the same shapes, no unset optional field.
    steps = localize_tour(parsed, "en", "en")["steps"]
    assert [s.get("target") for s in steps] == [
        None,
        "#import",
        ROBUST,
        dumped["steps"][3]["target"],
    ]


@pytest.mark.parametrize(
    ("target", "path", "message"),
    [
        (
            {"css": "#a", "fallbacks": [{"by": "xpath", "css": "#b"}]},
            "steps[1].target.fallbacks[0].by",
            "Input should be 'shirube-id', 'testid', 'id', 'name', 'aria', 'class' or 'path'",
        ),
        (
            {"css": "#a", "fallbacks": [{"by": "id", "css": "#b"}] * (MAX_FALLBACKS + 1)},
            "steps[1].target.fallbacks",
            "List should have at most 8 items after validation, not 9",
        ),
        ({"css": "#a["}, "steps[1].target.css", "has an unclosed '['"),
        (
            {"css": "#a", "fallbacks": [{"by": "id", "css": "#b)"}]},
            "steps[1].target.fallbacks[0].css",
            "has an unmatched ')'",
        ),
        (
            {"css": "#a", "fallbacks": [{"by": "aria", "css": "button", "name": " "}]},
            "steps[1].target.fallbacks[0].name",
            "must not be blank",
        ),
        (
            {"css": "#a", "text": "x" * 201},
            "steps[1].target.text",
            "String should have at most 200 characters",
        ),
        ({"css": "x" * 501}, "steps[1].target.css", "String should have at most 500 characters"),
        ({"fallbacks": []}, "steps[1].target.css", "is required"),
        ({"css": "#a", "selector": "#b"}, "steps[1].target.selector", "unknown key"),
        (
            {"css": "#a", "fallbacks": [{"css": "#b"}]},
            "steps[1].target.fallbacks[0].by",
            "is required",
        ),
        (7, "steps[1].target", "must be a CSS selector string or an object with 'css'"),
    ],
)
def test_bad_robust_targets_are_reported_at_their_path(
    target: Any, path: str, message: str
) -> None:
    assert only_error(validate_tour, tour(target)) == (path, message)


def test_every_problem_of_a_target_at_once() -> None:
    target = {"css": "", "fallbacks": [{"by": "nope", "css": "a >"}, {"by": "id", "css": "#ok"}]}
    assert sorted(path for path, _ in errors_of(validate_tour, tour("#fine", target))) == [
        "steps[2].target.css",
        "steps[2].target.fallbacks[0].by",
        "steps[2].target.fallbacks[0].css",
    ]


@pytest.mark.parametrize(
    "selector",
    [
        "#a",
        "button.primary:not([disabled])",
        "main > form + div ~ p",
        "a[href^='https://x.test/?a=(1]']",
        ':is(header, footer) a[title="a, b"]',
        "li:nth-child(2 of .x)",
        "#\\31 23",
        "[data-x='{']",
        ".a, .b",
    ],
)
def test_selectors_browsers_take_pass(selector: str) -> None:
    assert css_problem(selector) is None


@pytest.mark.parametrize(
    ("selector", "problem"),
    [
        ("a[href", "has an unclosed '['"),
        ("a:not(.b", "has an unclosed '('"),
        ("a)", "has an unmatched ')'"),
        ("a[x='1]", "has an unclosed ' quote"),
        ("a { color: red }", "is not a selector: '{' belongs to a stylesheet"),
        ("a;b", "is not a selector: ';' belongs to a stylesheet"),
        ("> a", "starts or ends with a combinator"),
        ("a +", "starts or ends with a combinator"),
        ("a,,b", "has an empty selector in its list"),
        ("a,", "has an empty selector in its list"),
        ("a\nb", "must not contain control characters"),
        ("a\\", "ends with a lone backslash"),
    ],
)
def test_selectors_browsers_refuse_fail(selector: str, problem: str) -> None:
    assert css_problem(selector) == problem


def test_the_string_form_is_unchanged() -> None:
    """Stored tours keep validating: a string target is only non-blank and short enough."""
    assert validate_tour(tour("a[href")).steps[1].target == "a[href"


def test_event_outcomes_name_every_strategy() -> None:
    assert set(get_args(Tried)) == {"css", "text", *STRATEGIES}
