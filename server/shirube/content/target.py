"""A step's target: a CSS selector string, or a robust target the visual builder records.

The robust form is a primary selector, up to `MAX_FALLBACKS` ordered fallback strategies and
the element's text (docs/content-format.md, "Targets"). The widget tries the primary, then
each fallback, and takes the first that matches exactly one visible element
(widget/src/target.ts). The string form stays as it always was.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Discriminator, Field, Tag

from shirube.content.base import ContentModel, not_blank

SELECTOR_MAX = 500
MAX_FALLBACKS = 8
NAME_MAX = 200
TEXT_MAX = 200

# The builder's strategies, in the order it records them (each is also a CSS selector the
# widget runs: the strategy only says how it was made, for the broken-target report).
Strategy = Literal["shirube-id", "testid", "id", "name", "aria", "class", "path"]
STRATEGIES: tuple[str, ...] = get_args(Strategy)
# What a `$target_missing` event's `tried` names: the primary ("css"), a strategy, the text.
Tried = Literal["css", "text", "shirube-id", "testid", "id", "name", "aria", "class", "path"]

_PAIRS = {"(": ")", "[": "]"}
_COMBINATORS = ">+~,"


def css_problem(selector: str) -> str | None:
    """Why `selector` cannot be a CSS selector list, or None. A syntax check, not a parser: it
    refuses what every browser's `querySelectorAll` throws on (unbalanced brackets or quotes, a
    dangling combinator, a declaration block, control characters) and leaves the rest to the
    browser, so that selectors a newer browser knows are never refused here."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in selector):
        return "must not contain control characters"
    stack: list[str] = []
    quote = ""
    escaped = False
    for c in selector:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif quote:
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in _PAIRS:
            stack.append(_PAIRS[c])
        elif c in ")]":
            if not stack or stack.pop() != c:
                return f"has an unmatched {c!r}"
        elif c in "{};":
            return f"is not a selector: {c!r} belongs to a stylesheet"
    if quote:
        return f"has an unclosed {quote} quote"
    if stack:
        opened = "(" if stack[-1] == ")" else "["
        return f"has an unclosed {opened!r}"
    if escaped:
        return "ends with a lone backslash"
    # Combinators between compounds (outside brackets: `:is(> a)` is the browser's to judge).
    outer = _outside_brackets(selector)
    for part in outer.split(","):
        compact = part.strip()
        if not compact:
            return "has an empty selector in its list"
        if compact[0] in _COMBINATORS or compact[-1] in _COMBINATORS:
            return "starts or ends with a combinator"
    return None


def _outside_brackets(selector: str) -> str:
    """`selector` with bracketed and quoted parts blanked out (syntax already checked)."""
    out: list[str] = []
    depth = 0
    quote = ""
    escaped = False
    for c in selector:
        keep = not depth and not quote
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif quote:
            quote = "" if c == quote else quote
        elif c in "\"'":
            quote = c
        elif c in "([":
            depth += 1
            keep = False
        elif c in ")]":
            depth -= 1
        out.append(c if keep and depth == 0 else "x")
    return "".join(out)


def _check_css(value: str) -> str:
    problem = css_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# The string form: as it always was (any non-blank text the browser may or may not accept).
Selector = Annotated[str, Field(min_length=1, max_length=SELECTOR_MAX), AfterValidator(not_blank)]
# The robust form's selectors: also a syntax check (a new form, so nothing stored breaks).
Css = Annotated[Selector, AfterValidator(_check_css)]
Label = Annotated[str, Field(min_length=1, max_length=NAME_MAX), AfterValidator(not_blank)]
ElementText = Annotated[str, Field(min_length=1, max_length=TEXT_MAX), AfterValidator(not_blank)]


class Fallback(ContentModel):
    """One more way to find the element: a selector made by a strategy, and for `aria` (or any
    other) the accessible name a match must have."""

    by: Strategy
    css: Css
    name: Label | None = None


class RobustTarget(ContentModel):
    """A target the visual builder records: the primary selector, fallbacks tried in order,
    and the element's text as the last resort (docs/content-format.md, "Targets")."""

    css: Css
    fallbacks: list[Fallback] = Field(default_factory=list, max_length=MAX_FALLBACKS)
    text: ElementText | None = None


def _branch(value: Any) -> str | None:
    if isinstance(value, str):
        return "str"
    if isinstance(value, dict | RobustTarget):
        return "dict"
    return None


# Tags "str"/"dict" are dropped from error paths (shirube.validation): a bad strategy is
# reported at `steps[1].target.fallbacks[0].by`.
Target = Annotated[
    Annotated[Selector, Tag("str")] | Annotated[RobustTarget, Tag("dict")],
    Discriminator(
        _branch,
        custom_error_type="target_type",
        custom_error_message="must be a CSS selector string or an object with 'css'",
    ),
]


def primary_css(target: str | RobustTarget) -> str:
    """The selector a target is known by (the `selector` of its `$target_missing` events)."""
    return target if isinstance(target, str) else target.css


def target_json(target: str | RobustTarget) -> str | dict[str, Any]:
    """As the widget gets it: the string, or the object without unset optional fields."""
    return target if isinstance(target, str) else target.model_dump(mode="json", exclude_none=True)
