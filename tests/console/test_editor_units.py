"""The content editor's pure parts (#14): validator paths mapped to form fields, row
operations and the focus they leave, texts read from the form, Japanese messages."""

from __future__ import annotations

from typing import Any

import pytest
from shirube.console.editor_audience import audience_rows, audience_value
from shirube.console.editor_form import checklist_from_form, text_value, tour_from_form
from shirube.console.editor_messages import translated
from shirube.console.editor_paths import field_of
from shirube.console.editor_rows import apply_op


@pytest.mark.parametrize(
    ("kind", "path", "field"),
    [
        ("tour", "steps[2].target", "steps.2.target"),
        ("tour", "steps[0].title.ja", "steps.0.title"),
        ("tour", "steps[1].advance.event", "steps.1.advance.event"),
        ("tour", "steps[1].cta.label.en", "steps.1.cta.label"),
        ("tour", "steps[3]", "steps.3"),
        ("tour", "pages[4]", "pages"),
        ("tour", "audience.all[1].value", "audience.1.value"),
        ("tour", "audience.any[0].attribute", "audience.0.trait"),
        ("tour", "audience.any[0].all[2].value", "audience"),
        ("tour", "key", ""),
        ("tour", "", ""),
        ("checklist", "items[0].completion.event", "items.0.completion.event"),
        ("checklist", "items[0].completion.where.seats", "items.0.completion.where"),
        ("checklist", "items[1].action.tour", "items.1.action.tour"),
        ("checklist", "survey.question.ja", "survey.question"),
        ("checklist", "steps[0].target", ""),
    ],
)
def test_validator_paths_map_to_their_field(kind: str, path: str, field: str) -> None:
    assert field_of(kind, path) == field


def _tour(*ids: str) -> dict[str, Any]:
    return {"steps": [{"id": i, "kind": "modal", "title": i} for i in ids]}


def _ids(doc: dict[str, Any]) -> list[str]:
    return [s["id"] for s in doc["steps"]]


def test_row_operations_and_the_focus_they_leave() -> None:
    doc = _tour("a", "b", "c")
    assert apply_op("tour", doc, "up:2") == "steps-1-up" and _ids(doc) == ["a", "c", "b"]
    assert apply_op("tour", doc, "down:0") == "steps-1-down" and _ids(doc) == ["c", "a", "b"]
    # At an end the button keeps the focus and nothing moves.
    assert apply_op("tour", doc, "up:0") == "steps-0-up" and _ids(doc) == ["c", "a", "b"]
    assert apply_op("tour", doc, "move:2:0") == "steps-0-edit" and _ids(doc) == ["b", "c", "a"]
    assert apply_op("tour", doc, "dup:0") == "steps-1-edit"
    assert _ids(doc)[:2] == ["b", "step-4"] and doc["steps"][1]["title"] == "b"
    assert apply_op("tour", doc, "del:1") == "steps-add" and _ids(doc) == ["b", "c", "a"]
    assert apply_op("tour", doc, "add") == "steps-3-edit" and len(doc["steps"]) == 4
    assert len({s["id"] for s in doc["steps"]}) == 4
    for nonsense in ("up:9", "del:x", "move:0", "explode:1", "move:0:99"):
        before = _ids(doc)
        apply_op("tour", doc, nonsense)
        assert _ids(doc) == before
    last = _tour("only")
    apply_op("tour", last, "del:0")
    assert _ids(last) == ["only"]  # a tour keeps at least one step


def test_texts_and_numbers_are_read_as_typed() -> None:
    fields = {"t.ja": "こんにちは", "t.en": " ", "t.pt-BR": "Olá", "t.EN_us": "x"}
    assert text_value(fields, "t") == {"ja": "こんにちは", "pt-BR": "Olá"}
    assert text_value({"t.en": "Hi", "t.$plain": "en"}, "t") == "Hi"
    assert text_value({"t.en": "Hi", "t.ja": "やあ", "t.$plain": "en"}, "t") == {
        "en": "Hi",
        "ja": "やあ",
    }
    assert text_value({}, "t") is None
    doc, errors = tour_from_form(
        "k",
        {
            "name": "N",
            "steps.0.id": "a",
            "steps.0.kind": "modal",
            "steps.0.wait_ms": "soon",
            "steps.1.id": "b",
            "steps.1.kind": "tooltip",
            "steps.1.wait_ms": "250",
            "steps.999999.kind": "modal",  # not a row number the form makes
        },
    )
    assert errors == [] and [s.get("wait_ms") for s in doc["steps"]] == ["soon", 250]
    doc, errors = checklist_from_form(
        "c", {"title.en": "T", "items.0.id": "i", "items.0.completion.type": "event",
              "items.0.completion.where": "{nope"},
    )  # fmt: skip
    assert [e.path for e in errors] == ["items.0.completion.where"]


def test_the_audience_rows_round_trip() -> None:
    audience = {
        "any": [
            {"attribute": "user.role", "op": "in", "value": ["admin", "hr"]},
            {"attribute": "company.seats", "op": "gt", "value": 3},
            {"attribute": "user.vip", "op": "equals", "value": True},
            {"attribute": "user.invited", "op": "exists", "value": False},
        ]
    }
    mode, rows, text = audience_rows(audience)
    assert mode == "any" and text == ""
    fields = {"audience.mode": mode}
    for n, row in enumerate(rows):
        fields.update({f"audience.{n}.{k}": v for k, v in row.items()})
    fields["audience.9.trait"] = ""  # a row not filled in yet is left out
    assert audience_value(fields, []) == audience
    assert audience_value({"audience.mode": ""}, []) is None


def test_japanese_messages() -> None:
    assert (
        translated("is required when kind is 'tooltip'", "ja")
        == "種類が 'tooltip' のときは必須です"
    )
    assert (
        translated("String should have at most 200 characters", "ja")
        == "200 文字以内で入力してください"
    )
    assert translated("unknown tour 'x'", "ja") == "ツアー 'x' は存在しません"
    assert translated("something new", "ja") == "something new"
    assert translated("is required", "en") == "is required"
