"""Checklist validation: items, actions, completion rules, survey, tour references."""

from __future__ import annotations

from typing import Any

import pytest
from shirube.content import ChecklistDoc, tour_references, validate_checklist

from .samples import FULL_CHECKLIST
from .util import errors_of, only_error, paths_of

TOURS = {"welcome", "import-employees"}


def item(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": "i1", "title": "Do it", "completion": {"type": "manual"}}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not ...}


def checklist(*items: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"key": "setup", "title": "Get set up", "items": list(items) or [item()]}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not ...}


def check(data: Any) -> ChecklistDoc:
    return validate_checklist(data, TOURS)


def test_full_checklist_round_trips() -> None:
    parsed = check(FULL_CHECKLIST)
    dumped = parsed.model_dump(mode="json", exclude_none=True)
    assert dumped == FULL_CHECKLIST
    assert check(dumped) == parsed


def test_minimal_checklist() -> None:
    assert check(checklist()).model_dump(mode="json", exclude_none=True) == {
        "key": "setup",
        "title": "Get set up",
        "items": [{"id": "i1", "title": "Do it", "completion": {"type": "manual"}}],
    }


def test_min_count_defaults_to_one() -> None:
    parsed = check(checklist(item(completion={"type": "event", "event": "x"})))
    assert parsed.items[0].completion.min_count == 1
    dumped = parsed.model_dump(mode="json", exclude_none=True)
    assert dumped["items"][0]["completion"] == {"type": "event", "event": "x", "min_count": 1}


def test_not_an_object() -> None:
    assert only_error(check, "setup") == ("", "must be an object")


def test_missing_required() -> None:
    assert errors_of(check, {}) == [
        ("key", "is required"),
        ("title", "is required"),
        ("items", "is required"),
    ]
    assert errors_of(check, checklist({})) == [
        ("items[0].id", "is required"),
        ("items[0].title", "is required"),
        ("items[0].completion", "is required"),
    ]
    assert errors_of(check, checklist(item(action={}), survey={})) == [
        ("items[0].action.type", "is required"),
        ("survey.question", "is required"),
    ]


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (checklist(color="red"), "color"),
        (checklist(item(icon="star")), "items[0].icon"),
        (
            checklist(item(action={"type": "url", "url": "/x", "new_tab": True})),
            "items[0].action.new_tab",
        ),
        (checklist(item(completion={"type": "manual", "count": 1})), "items[0].completion.count"),
        (checklist(survey={"question": "Q", "scale": 5}), "survey.scale"),
    ],
)
def test_unknown_keys_at_every_level(data: dict[str, Any], path: str) -> None:
    assert only_error(check, data) == (path, "unknown key")


def test_unknown_types() -> None:
    assert only_error(check, checklist(item(action={"type": "video"}))) == (
        "items[0].action.type",
        "Input should be 'tour' or 'url'",
    )
    assert only_error(check, checklist(item(completion={"type": "time_spent"}))) == (
        "items[0].completion.type",
        "Input should be 'event', 'tour_completed', 'checklist_completed', 'page_visited', "
        "'active_time' or 'manual'",
    )


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (checklist(items={}), "items", "Input should be a valid list"),
        (checklist(items=[[]]), "items[0]", "must be an object"),
        (checklist(item(action="tour")), "items[0].action", "must be an object"),
        (checklist(item(completion="manual")), "items[0].completion", "must be an object"),
        (checklist(survey="How was it?"), "survey", "must be an object"),
        (
            checklist(title=None),
            "title",
            "must be a string or an object mapping locale codes to strings",
        ),
        (
            checklist(item(success_message=["yay"])),
            "items[0].success_message",
            "must be a string or an object mapping locale codes to strings",
        ),
        (
            checklist(item(completion={"type": "event", "event": "x", "min_count": "3"})),
            "items[0].completion.min_count",
            "Input should be a valid integer",
        ),
        (
            checklist(item(completion={"type": "event", "event": "x", "min_count": 2.0})),
            "items[0].completion.min_count",
            "Input should be a valid integer",
        ),
    ],
)
def test_wrong_types(data: dict[str, Any], path: str, message: str) -> None:
    assert only_error(check, data) == (path, message)


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        (checklist(items=[]), "items", "List should have at least 1 item after validation, not 0"),
        (
            checklist(*[item(id=f"i{n}") for n in range(31)]),
            "items",
            "List should have at most 30 items after validation, not 31",
        ),
        (checklist(title="t" * 201), "title", "String should have at most 200 characters"),
        (
            checklist(description="d" * 2001),
            "description",
            "String should have at most 2000 characters",
        ),
        (
            checklist(completion_message={"en": "m" * 2001}),
            "completion_message.en",
            "String should have at most 2000 characters",
        ),
        (
            checklist(item(title="t" * 201)),
            "items[0].title",
            "String should have at most 200 characters",
        ),
        (
            checklist(survey={"question": "q" * 201}),
            "survey.question",
            "String should have at most 200 characters",
        ),
        (
            checklist(survey={"question": "Q", "comment_label": "c" * 201}),
            "survey.comment_label",
            "String should have at most 200 characters",
        ),
        (
            checklist(item(completion={"type": "event", "event": "x", "min_count": 0})),
            "items[0].completion.min_count",
            "Input should be greater than or equal to 1",
        ),
        (
            checklist(item(completion={"type": "event", "event": "x", "min_count": 10001})),
            "items[0].completion.min_count",
            "Input should be less than or equal to 10000",
        ),
    ],
)
def test_limits(data: dict[str, Any], path: str, message: str) -> None:
    assert only_error(check, data) == (path, message)


def test_thirty_items_and_min_count_bounds_are_allowed() -> None:
    assert len(check(checklist(*[item(id=f"i{n}") for n in range(30)])).items) == 30
    for count in (1, 10000):
        completion = {"type": "event", "event": "x", "min_count": count}
        assert check(checklist(item(completion=completion))).items[0].completion.min_count == count


@pytest.mark.parametrize(
    ("completion", "path", "message"),
    [
        ({"type": "event"}, "items[0].completion.event", "is required when type is 'event'"),
        (
            {"type": "tour_completed"},
            "items[0].completion.tour",
            "is required when type is 'tour_completed'",
        ),
        (
            {"type": "page_visited"},
            "items[0].completion.page",
            "is required when type is 'page_visited'",
        ),
        (
            {"type": "manual", "event": "x"},
            "items[0].completion.event",
            "is only allowed when type is 'event'",
        ),
        (
            {"type": "manual", "min_count": 2},
            "items[0].completion.min_count",
            "is only allowed when type is 'event'",
        ),
        (
            {"type": "page_visited", "page": "/x", "tour": "welcome"},
            "items[0].completion.tour",
            "is only allowed when type is 'tour_completed'",
        ),
        (
            {"type": "event", "event": "x", "page": "/x"},
            "items[0].completion.page",
            "is only allowed when type is 'page_visited'",
        ),
    ],
)
def test_completion_rule_fields_depend_on_type(
    completion: dict[str, Any], path: str, message: str
) -> None:
    assert only_error(check, checklist(item(completion=completion))) == (path, message)


def test_bad_completion_values() -> None:
    bad_page = {"type": "page_visited", "page": "settings"}
    assert paths_of(check, checklist(item(completion=bad_page))) == ["items[0].completion.page"]
    bad_event = {"type": "event", "event": "no/slashes"}
    assert paths_of(check, checklist(item(completion=bad_event))) == ["items[0].completion.event"]
    bad_tour = {"type": "tour_completed", "tour": "Welcome"}
    assert paths_of(check, checklist(item(completion=bad_tour))) == ["items[0].completion.tour"]


@pytest.mark.parametrize(
    ("action", "path", "message"),
    [
        ({"type": "tour"}, "items[0].action.tour", "is required when type is 'tour'"),
        ({"type": "url"}, "items[0].action.url", "is required when type is 'url'"),
        (
            {"type": "tour", "tour": "welcome", "url": "/x"},
            "items[0].action.url",
            "is only allowed when type is 'url'",
        ),
        (
            {"type": "url", "url": "/x", "tour": "welcome"},
            "items[0].action.tour",
            "is only allowed when type is 'tour'",
        ),
    ],
)
def test_action_fields_depend_on_type(action: dict[str, Any], path: str, message: str) -> None:
    assert only_error(check, checklist(item(action=action))) == (path, message)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example"])
def test_action_url_is_safe(url: str) -> None:
    path, message = only_error(check, checklist(item(action={"type": "url", "url": url})))
    assert path == "items[0].action.url"
    assert "not an allowed link" in message


def test_duplicate_item_ids() -> None:
    data = checklist(item(id="a"), item(id="b"), item(id="b"))
    assert errors_of(check, data) == [("items[2].id", "duplicate item id 'b' (also items[1].id)")]


def test_unknown_tours() -> None:
    data = checklist(
        item(id="a", action={"type": "tour", "tour": "welcome"}),
        item(id="b", action={"type": "tour", "tour": "ghost"}),
        item(id="c", completion={"type": "tour_completed", "tour": "phantom"}),
        item(id="d", completion={"type": "tour_completed", "tour": "import-employees"}),
    )
    assert errors_of(check, data) == [
        ("items[1].action.tour", "unknown tour 'ghost'"),
        ("items[2].completion.tour", "unknown tour 'phantom'"),
    ]


def test_no_tours_known() -> None:
    data = checklist(item(action={"type": "tour", "tour": "welcome"}))
    assert errors_of(validate_checklist, data, ()) == [
        ("items[0].action.tour", "unknown tour 'welcome'")
    ]


def test_invalid_tour_key_is_not_also_unknown() -> None:
    data = checklist(item(action={"type": "tour", "tour": "Not A Key"}))
    assert paths_of(check, data) == ["items[0].action.tour"]
    assert "not a valid key" in errors_of(check, data)[0][1]


def test_all_problems_are_reported_together() -> None:
    data = checklist(
        item(id="a", title=""),
        item(id="a", action={"type": "tour", "tour": "ghost"}),
        key="Setup",
    )
    assert paths_of(check, data) == ["key", "items[0].title", "items[1].id", "items[1].action.tour"]


def test_prefix() -> None:
    data = checklist(item(id="a"), item(id="a", action={"type": "tour", "tour": "ghost"}))
    assert paths_of(validate_checklist, data, TOURS, prefix="checklist") == [
        "checklist.items[1].id",
        "checklist.items[1].action.tour",
    ]


def test_tour_references() -> None:
    assert tour_references(check(FULL_CHECKLIST)) == {"import-employees", "welcome"}
    assert tour_references(check(checklist())) == set()
