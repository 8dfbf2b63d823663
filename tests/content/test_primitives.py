"""Keys, ids, event names, page patterns and link URLs, checked through the fields that use them."""

from __future__ import annotations

from typing import Any

import pytest
from shirube.content import validate_checklist, validate_tour

from .util import errors_of, only_error


def tour(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "key": "welcome",
        "name": "Welcome",
        "steps": [{"id": "s1", "kind": "modal", "body": "Hello"}],
    }
    data.update(fields)
    return data


def with_cta_url(url: object) -> dict[str, Any]:
    step = {"id": "s1", "kind": "modal", "body": "Hi", "cta": {"label": "Go", "url": url}}
    return tour(steps=[step])


@pytest.mark.parametrize("key", ["a", "0", "a-b_c", "import-employees", "x" * 64])
def test_valid_keys(key: str) -> None:
    assert validate_tour(tour(key=key)).key == key


@pytest.mark.parametrize(
    "key", ["", "A", "Welcome", "-a", "_a", "a b", "a.b", "x" * 65, "a\n", "é", "a/b"]
)
def test_invalid_keys(key: str) -> None:
    path, message = only_error(validate_tour, tour(key=key))
    assert path == "key"
    assert "not a valid key" in message


def test_key_must_be_a_string() -> None:
    assert only_error(validate_tour, tour(key=5)) == ("key", "Input should be a valid string")


def test_long_values_are_shortened_in_messages() -> None:
    _, message = only_error(validate_tour, tour(key="X" * 500))
    assert "X" * 41 not in message
    assert "…" in message


@pytest.mark.parametrize("step_id", ["s1", "Step_1", "A-b", "9", "x" * 64])
def test_valid_ids(step_id: str) -> None:
    data = tour(steps=[{"id": step_id, "kind": "modal", "body": "x"}])
    assert validate_tour(data).steps[0].id == step_id


@pytest.mark.parametrize("step_id", ["", "-x", "_x", "a b", "a\n", "x" * 65, "a.b", "ä"])
def test_invalid_ids(step_id: str) -> None:
    data = tour(steps=[{"id": step_id, "kind": "modal", "body": "x"}])
    path, message = only_error(validate_tour, data)
    assert path == "steps[0].id"
    assert "not a valid id" in message


@pytest.mark.parametrize(
    "event", ["$pageview", "Signed Up", "invoice.created", "a:b", "import-done", "x" * 100]
)
def test_valid_event_names(event: str) -> None:
    trigger = validate_tour(tour(trigger={"type": "event", "event": event})).trigger
    assert trigger.event == event


@pytest.mark.parametrize("event", ["", " a", "-a", ".a", "a/b", "a\n", "x" * 101, "日本"])
def test_invalid_event_names(event: str) -> None:
    path, message = only_error(validate_tour, tour(trigger={"type": "event", "event": event}))
    assert path == "trigger.event"
    assert "not a valid event name" in message


@pytest.mark.parametrize(
    "page",
    [
        "/",
        "/settings",
        "/settings/*",
        "/*",
        "/employees/import?step=2",
        "https://app.example.com/settings",
        "https://*.example.com/app/*",
        "HTTP://localhost:8000/x",
        "/従業員",
        "/" + "x" * 499,
    ],
)
def test_valid_page_patterns(page: str) -> None:
    assert validate_tour(tour(pages=[page])).pages == [page]


@pytest.mark.parametrize(
    "page",
    [
        "settings",
        "*",
        "//evil.example/x",
        "/\\evil.example",
        "/a b",
        "/a\tb",
        " /a",
        "javascript:alert(1)",
        "ftp://example.com/",
        "https://",
        "https:///path",
    ],
)
def test_invalid_page_patterns(page: str) -> None:
    path, message = only_error(validate_tour, tour(pages=["/ok", page]))
    assert path == "pages[1]"
    assert "not a page pattern" in message


def test_page_pattern_length() -> None:
    assert only_error(validate_tour, tour(pages=["/" + "x" * 500])) == (
        "pages[0]",
        "must be 1–500 characters",
    )
    assert only_error(validate_tour, tour(pages=[""])) == ("pages[0]", "must be 1–500 characters")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/settings/import",
        "/help?topic=import#csv",
        "https://example.com",
        "https://help.example.com/articles/42?utm=x#top",
        "http://localhost:8000/",
        "HTTPS://EXAMPLE.COM/",
        "https://example.com:8443/a",
        "/" + "x" * 1999,
    ],
)
def test_valid_urls(url: str) -> None:
    cta = validate_tour(with_cta_url(url)).steps[0].cta
    assert cta is not None and cta.url == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "mailto:help@example.com",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "//evil.example/phish",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "https:\\\\evil.example",
        "https://",
        "https:///path",
        "https://bank.example@evil.example/",
        "https://a b.example/",
        "settings/import",
        "#top",
        "?x=1",
        "https://example.com/a b",
    ],
)
def test_refused_urls(url: str) -> None:
    path, message = only_error(validate_tour, with_cta_url(url))
    assert path == "steps[0].cta.url"
    assert "not an allowed link" in message


@pytest.mark.parametrize(
    ("url", "character"),
    [
        ("https://exa\u202emple.com/", "U+202E"),  # right-to-left override in the host
        ("https://example.com/\u2066a\u2069", "U+2066"),  # an isolate in the path
        ("https://ex\u200bample.com/", "U+200B"),  # zero-width space
        ("/help\ufeff", "U+FEFF"),
    ],
)
def test_invisible_formatting_characters_are_refused(url: str, character: str) -> None:
    """They show an address as something it is not (U+202E turns `moc.elpmaxe` around)."""
    assert only_error(validate_tour, with_cta_url(url)) == (
        "steps[0].cta.url",
        f"must not contain the invisible formatting character {character}",
    )
    path, message = only_error(validate_tour, tour(pages=[url]))
    assert (path, message) == (
        "pages[0]",
        f"must not contain the invisible formatting character {character}",
    )


def test_url_length() -> None:
    assert only_error(validate_tour, with_cta_url("/" + "x" * 2000)) == (
        "steps[0].cta.url",
        "must be 1–2000 characters",
    )


def test_url_must_be_a_string() -> None:
    assert only_error(validate_tour, with_cta_url(["/"])) == (
        "steps[0].cta.url",
        "Input should be a valid string",
    )


def test_checklist_item_url_is_checked_the_same_way() -> None:
    data = {
        "key": "setup",
        "title": "Setup",
        "items": [
            {
                "id": "a",
                "title": "A",
                "action": {"type": "url", "url": "javascript:alert(1)"},
                "completion": {"type": "manual"},
            }
        ],
    }
    path, _ = only_error(validate_checklist, data, ())
    assert path == "items[0].action.url"


def test_several_errors_are_reported_together() -> None:
    data = tour(key="Bad", pages=["nope"], trigger={"type": "event", "event": "-"})
    assert [path for path, _ in errors_of(validate_tour, data)] == [
        "key",
        "trigger.event",
        "pages[0]",
    ]
