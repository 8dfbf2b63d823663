"""Audience validation (paths, limits) and evaluation (every operator, missing traits, nesting)."""

from __future__ import annotations

from typing import Any

import pytest
from shirube.content import (
    Audience,
    audience_matches,
    count_conditions,
    validate_audience,
    validate_tour,
)

from .util import errors_of, only_error


def cond(attribute: str, op: str, value: Any = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"attribute": attribute, "op": op, **extra}
    if value is not None:
        data["value"] = value
    return data


def one(attribute: str, op: str, value: Any = None) -> Audience:
    audience = validate_audience({"all": [cond(attribute, op, value)]})
    assert audience is not None
    return audience


def user_match(op: str, value: Any, trait: Any) -> bool:
    return audience_matches(one("user.t", op, value), {"t": trait}, {})


# --- validation ------------------------------------------------------------------------------


def test_null_means_everyone() -> None:
    assert validate_audience(None) is None
    assert audience_matches(None, {}, None)


def test_valid_audience_dumps_canonically() -> None:
    data: dict[str, Any] = {
        "any": [
            {"attribute": "user.role", "op": "equals", "value": "admin"},
            {
                "all": [
                    {"attribute": "company.plan", "op": "in", "value": ["pro", "enterprise", 3]},
                    {"attribute": "user.signed_up_at", "op": "gt", "value": "2024-01-01"},
                    {"attribute": "user.invited", "op": "exists"},
                ]
            },
        ]
    }
    audience = validate_audience(data)
    assert audience is not None
    dumped = audience.model_dump(mode="json", exclude_none=True)
    # `exists` gets its default filled in; everything else is kept as written.
    data["any"][1]["all"][2]["value"] = True
    assert dumped == data
    assert validate_audience(dumped) == audience


def test_value_types_survive_a_dump() -> None:
    for value in (True, False, 1, 1.5, "1", 0):
        audience = one("user.t", "equals", value)
        dumped = audience.model_dump(mode="json", exclude_none=True)
        assert dumped["all"][0]["value"] == value
        assert type(dumped["all"][0]["value"]) is type(value)


def test_top_level_must_be_a_group() -> None:
    path, message = only_error(validate_audience, cond("user.role", "equals", "admin"))
    assert path == "audience"
    assert "must be a group" in message


def test_group_with_both_all_and_any() -> None:
    path, message = only_error(validate_audience, {"all": [], "any": []})
    assert (path, message) == ("audience", "use either 'all' or 'any', not both")


def test_nested_group_mixed_with_condition_keys() -> None:
    data = {"all": [{"any": [], "attribute": "user.a", "op": "exists"}]}
    assert only_error(validate_audience, data) == (
        "audience.all[0]",
        "a group ('any') cannot also have 'attribute', 'op'",
    )


def test_null_group() -> None:
    assert only_error(validate_audience, {"all": [{"any": None}]}) == (
        "audience.all[0]",
        "'any' must be a list",
    )


def test_empty_entry() -> None:
    path, message = only_error(validate_audience, {"all": [{}]})
    assert path == "audience.all[0]"
    assert message.startswith("expected a group")


@pytest.mark.parametrize("data", [[], "everyone", 5, True])
def test_audience_must_be_an_object(data: Any) -> None:
    assert only_error(validate_audience, data) == ("audience", "must be an object")


def test_entry_must_be_an_object() -> None:
    assert only_error(validate_audience, {"any": ["user.role"]}) == (
        "audience.any[0]",
        "must be an object",
    )


def test_group_must_be_a_list() -> None:
    assert only_error(validate_audience, {"all": {"attribute": "user.a"}}) == (
        "audience.all",
        "Input should be a valid list",
    )


def test_unknown_keys() -> None:
    assert errors_of(validate_audience, {"all": [], "one_of": []}) == [
        ("audience.one_of", "unknown key")
    ]
    data = {"all": [cond("user.a", "exists", negate=True)]}
    assert errors_of(validate_audience, data) == [("audience.all[0].negate", "unknown key")]


def test_unknown_op() -> None:
    path, message = only_error(validate_audience, {"all": [cond("user.a", "matches", "x")]})
    assert path == "audience.all[0].op"
    assert message.startswith("Input should be 'equals', 'not_equals', 'in'")


def test_missing_attribute_and_op() -> None:
    assert errors_of(validate_audience, {"any": [{"value": 1}]}) == [
        ("audience.any[0].attribute", "is required"),
        ("audience.any[0].op", "is required"),
    ]


@pytest.mark.parametrize(
    "attribute",
    [
        "role",
        "account.role",
        "user.",
        "user",
        "users.role",
        "User.role",
        "user." + "x" * 65,
        "user. ",
        "user.a\nb",
        "",
    ],
)
def test_bad_attributes(attribute: str) -> None:
    path, message = only_error(validate_audience, {"all": [cond(attribute, "exists")]})
    assert path == "audience.all[0].attribute"
    assert "not an attribute" in message


@pytest.mark.parametrize(
    "attribute",
    ["user.role", "company.plan", "user.signed_up.at", "user." + "x" * 64, "company.Seats Count"],
)
def test_good_attributes(attribute: str) -> None:
    assert validate_audience({"all": [cond(attribute, "exists")]}) is not None


def test_attribute_must_be_a_string() -> None:
    assert only_error(validate_audience, {"all": [cond(5, "exists")]}) == (  # type: ignore[arg-type]
        "audience.all[0].attribute",
        "Input should be a valid string",
    )


@pytest.mark.parametrize(
    ("op", "value", "message"),
    [
        ("equals", None, "is required for 'equals'"),
        ("equals", [1], "must be a string, number or boolean for 'equals'"),
        ("equals", {"a": 1}, "must be a string, number or boolean for 'equals'"),
        ("not_equals", [], "must be a string, number or boolean for 'not_equals'"),
        ("equals", float("inf"), "must be a finite number"),
        ("equals", "x" * 501, "must be at most 500 characters"),
        ("in", None, "is required for 'in'"),
        ("in", [], "must be a non-empty list of strings or numbers for 'in'"),
        ("in", "admin", "must be a non-empty list of strings or numbers for 'in'"),
        ("in", ["a", True], "entry [1] must be a string or a number"),
        ("in", ["a", None], "entry [1] must be a string or a number"),
        ("in", [["a"]], "entry [0] must be a string or a number"),
        ("in", list(range(101)), "must have at most 100 entries"),
        ("in", [float("nan")], "must be a finite number"),
        ("contains", 5, "must be a non-empty string for 'contains'"),
        ("contains", "", "must be a non-empty string for 'contains'"),
        ("contains", ["a"], "must be a non-empty string for 'contains'"),
        ("exists", "yes", "must be true or false for 'exists'"),
        ("exists", 1, "must be true or false for 'exists'"),
        ("gt", True, "must be a number or a string for 'gt'"),
        ("lt", [1], "must be a number or a string for 'lt'"),
        ("gt", None, "is required for 'gt'"),
    ],
)
def test_bad_values(op: str, value: Any, message: str) -> None:
    data = {"all": [{"attribute": "user.a", "op": op, "value": value}]}
    assert only_error(validate_audience, data) == ("audience.all[0].value", message)


def test_in_accepts_100_values() -> None:
    assert one("user.a", "in", list(range(100))).all is not None


def test_null_value_for_exists_means_true() -> None:
    audience = validate_audience({"all": [{"attribute": "user.a", "op": "exists", "value": None}]})
    assert audience is not None and audience.all is not None
    assert audience.all[0].value is True


def test_depth_three_is_allowed_four_is_not() -> None:
    leaf = cond("user.a", "exists")
    assert validate_audience({"all": [{"any": [{"all": [leaf]}]}]}) is not None
    path, message = only_error(
        validate_audience, {"all": [leaf, {"any": [{"all": [{"any": [leaf]}]}]}]}
    )
    assert path == "audience"
    assert "at most 3 levels" in message
    assert "'all[1].any[0].all[0]'" in message


def test_very_deep_nesting_is_refused_quickly() -> None:
    data: dict[str, Any] = {"all": []}
    for _ in range(500):
        data = {"all": [data]}
    path, _ = only_error(validate_audience, data)
    assert path == "audience"


def test_condition_limit() -> None:
    leaf = cond("user.a", "exists")
    fifty = {"all": [{"any": [leaf] * 25}, {"any": [leaf] * 25}]}
    audience = validate_audience(fifty)
    assert count_conditions(audience) == 50
    assert only_error(validate_audience, {"all": [fifty, leaf]}) == (
        "audience",
        "has 51 conditions; at most 50 are allowed",
    )


def test_group_entry_limit() -> None:
    path, _ = only_error(validate_audience, {"any": [{"all": []}] * 51})
    assert path == "audience.any"


def test_count_conditions() -> None:
    assert count_conditions(None) == 0
    assert count_conditions(validate_audience({"all": []})) == 0
    leaf = cond("user.a", "exists")
    assert count_conditions(validate_audience({"all": [leaf, {"any": [leaf, leaf]}]})) == 3


def test_errors_in_a_tour_are_prefixed() -> None:
    data = {
        "key": "t",
        "name": "T",
        "audience": {"all": [cond("user.role", "in", "admin")]},
        "steps": [{"id": "a", "kind": "modal", "body": "x"}],
    }
    assert only_error(validate_tour, data)[0] == "audience.all[0].value"


def test_prefix() -> None:
    path, _ = only_error(validate_audience, {"all": [cond("x", "exists")]}, prefix="rules[2]")
    assert path == "rules[2].all[0].attribute"


# --- evaluation ------------------------------------------------------------------------------


def test_equals() -> None:
    assert user_match("equals", "admin", "admin")
    assert not user_match("equals", "admin", "Admin")
    assert user_match("equals", 3, 3)
    assert user_match("equals", 3, 3.0)
    assert user_match("equals", True, True)
    assert not user_match("equals", False, True)


def test_equals_type_mismatches_are_false() -> None:
    assert not user_match("equals", "3", 3)
    assert not user_match("equals", 3, "3")
    assert not user_match("equals", True, 1)
    assert not user_match("equals", 1, True)
    assert not user_match("equals", 0, False)
    assert not user_match("equals", "admin", ["admin"])
    assert not user_match("equals", "admin", {"admin": 1})


def test_not_equals_is_the_negation_of_equals() -> None:
    assert not user_match("not_equals", "admin", "admin")
    assert user_match("not_equals", "admin", "member")
    assert user_match("not_equals", True, 1)
    assert user_match("not_equals", 3, "3")
    assert not user_match("not_equals", 3, 3.0)


def test_in() -> None:
    assert user_match("in", ["admin", "owner"], "owner")
    assert not user_match("in", ["admin", "owner"], "member")
    assert user_match("in", [1, 2, 3.5], 3.5)
    assert user_match("in", [1, 2], 2.0)
    assert not user_match("in", ["1"], 1)
    assert not user_match("in", [1], "1")
    assert not user_match("in", [1, 0], True)
    assert not user_match("in", [0], False)
    assert not user_match("in", ["a"], {"a": 1})


def test_in_with_a_list_trait_matches_any_entry() -> None:
    assert user_match("in", ["sales", "hr"], ["engineering", "hr"])
    assert not user_match("in", ["sales", "hr"], ["engineering"])
    assert not user_match("in", ["sales"], [])
    assert not user_match("in", [1], [True])


def test_contains() -> None:
    assert user_match("contains", "@example.com", "ann@example.com")
    assert not user_match("contains", "@example.com", "ann@example.org")
    assert not user_match("contains", "Example", "ann@example.com")
    assert user_match("contains", "beta", ["alpha", "beta"])
    assert not user_match("contains", "bet", ["alpha", "beta"])
    assert not user_match("contains", "1", [1])
    assert not user_match("contains", "1", 12)
    assert not user_match("contains", "a", True)


def test_exists() -> None:
    assert user_match("exists", True, "x")
    assert user_match("exists", True, 0)
    assert user_match("exists", True, False)
    assert user_match("exists", True, "")
    assert not user_match("exists", False, "x")
    assert audience_matches(one("user.t", "exists"), {"t": []}, None)


def test_gt_lt_numbers() -> None:
    assert user_match("gt", 10, 11)
    assert not user_match("gt", 10, 10)
    assert user_match("gt", 10, 10.5)
    assert user_match("lt", 10, 9)
    assert not user_match("lt", 10, 10)
    assert user_match("lt", 0.5, -1)


def test_gt_lt_strings_compare_lexicographically() -> None:
    assert user_match("gt", "2024-01-01", "2024-03-15T09:00:00Z")
    assert not user_match("gt", "2024-01-01", "2023-12-31")
    assert user_match("lt", "2024-01-01", "2023-12-31")
    assert user_match("lt", "b", "a")


def test_gt_lt_type_mismatches_are_false() -> None:
    assert not user_match("gt", 10, "11")
    assert not user_match("gt", "10", 11)
    assert not user_match("lt", 10, "9")
    assert not user_match("gt", 0, True)
    assert not user_match("lt", 2, False)
    assert not user_match("gt", 1, [2])
    assert not user_match("gt", 1, {"a": 2})
    assert not user_match("gt", 1, float("nan"))


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("equals", "x", False),
        ("not_equals", "x", True),
        ("in", ["x"], False),
        ("contains", "x", False),
        ("exists", True, False),
        ("exists", False, True),
        ("gt", 1, False),
        ("lt", 1, False),
    ],
)
def test_missing_or_null_trait(op: str, value: Any, expected: bool) -> None:
    audience = one("user.t", op, value)
    assert audience_matches(audience, {}, {}) is expected
    assert audience_matches(audience, {"t": None}, {}) is expected
    company = one("company.t", op, value)
    assert audience_matches(company, {"t": "x"}, {}) is expected
    assert audience_matches(company, {"t": "x"}, None) is expected
    assert audience_matches(company, {}, {"t": None}) is expected


def test_user_and_company_traits_are_separate() -> None:
    audience = validate_audience(
        {"all": [cond("user.role", "equals", "admin"), cond("company.plan", "equals", "pro")]}
    )
    assert audience_matches(audience, {"role": "admin"}, {"plan": "pro"})
    assert not audience_matches(audience, {"role": "admin", "plan": "pro"}, {})
    assert not audience_matches(audience, {"role": "admin"}, {"plan": "free", "role": "admin"})


def test_trait_names_are_taken_verbatim() -> None:
    audience = one("user.signed_up.at", "exists")
    assert audience_matches(audience, {"signed_up.at": 1}, None)
    assert not audience_matches(audience, {"signed_up": {"at": 1}}, None)


def test_empty_groups() -> None:
    assert audience_matches(validate_audience({"all": []}), {}, None)
    assert not audience_matches(validate_audience({"any": []}), {}, None)


def test_nesting() -> None:
    # admins, or members on the pro plan who signed up this year
    audience = validate_audience(
        {
            "any": [
                cond("user.role", "equals", "admin"),
                {
                    "all": [
                        cond("user.role", "equals", "member"),
                        cond("company.plan", "in", ["pro", "enterprise"]),
                        {"any": [cond("user.signed_up_at", "gt", "2025-01-01")]},
                    ]
                },
            ]
        }
    )
    assert audience_matches(audience, {"role": "admin"}, None)
    member = {"role": "member", "signed_up_at": "2025-02-01"}
    assert audience_matches(audience, member, {"plan": "pro"})
    assert not audience_matches(audience, member, {"plan": "free"})
    assert not audience_matches(audience, member, None)
    assert not audience_matches(audience, {**member, "signed_up_at": "2024-12-31"}, {"plan": "pro"})
    assert not audience_matches(audience, {"role": "guest"}, {"plan": "pro"})


def test_evaluation_never_raises_on_odd_traits() -> None:
    class Odd:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparisons")

        __hash__ = None  # type: ignore[assignment]

    audience = validate_audience(
        {
            "all": [
                cond("user.a", "equals", "x"),
                cond("user.a", "in", ["x"]),
                cond("user.a", "contains", "x"),
                cond("user.a", "gt", 1),
                cond("user.a", "lt", "x"),
            ]
        }
    )
    for trait in (Odd(), [Odd()], {"k": "v"}, b"x", object(), float("inf")):
        assert audience_matches(audience, {"a": trait}, None) is False


def test_equal_audiences_compare_equal() -> None:
    data = {"all": [cond("user.a", "gt", 1)]}
    assert validate_audience(data) == validate_audience(data)
    assert validate_audience(data) != validate_audience({"all": [cond("user.a", "gt", 2)]})
