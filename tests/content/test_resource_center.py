"""Help centres (`resource_center`): entries by type, unique ids, references, article links."""

from __future__ import annotations

from typing import Any

from shirube.content import validate_document
from shirube.content.localize import localize_resource_center
from shirube.content.resource_center import validate_resource_center

from .util import errors_of, only_error


def center(**extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "key": "help",
        "title": {"ja": "ヘルプ", "en": "Help"},
        "sections": [
            {
                "id": "start",
                "title": {"ja": "はじめに", "en": "Getting started"},
                "entries": [
                    {
                        "id": "csv",
                        "type": "article",
                        "title": {"ja": "従業員を CSV で取り込む", "en": "Import employees"},
                        "body": {
                            "ja": "**設定** から [詳しく](https://example.com/csv)",
                            "en": "x",
                        },
                    },
                    {"id": "docs", "type": "link", "title": "Docs", "url": "https://example.com"},
                    {"id": "t", "type": "tour", "title": "Tour", "tour": "welcome"},
                    {"id": "c", "type": "checklist", "title": "Setup", "checklist": "setup"},
                ],
            }
        ],
        "contact": {"label": "Contact us", "url": "mailto:help@example.com"},
    }
    doc.update(extra)
    return doc


def valid(data: Any) -> Any:
    return validate_resource_center(data, {"welcome"}, {"setup"})


def test_a_full_help_centre_is_valid_and_localizes() -> None:
    out = localize_resource_center(valid(center()), "ja", "en")
    assert out["title"] == "ヘルプ"
    entries = out["sections"][0]["entries"]
    assert entries[0] == {
        "id": "csv",
        "type": "article",
        "title": "従業員を CSV で取り込む",
        "body": "**設定** から [詳しく](https://example.com/csv)",
    }
    assert entries[2] == {"id": "t", "type": "tour", "title": "Tour", "tour": "welcome"}
    assert out["contact"] == {"label": "Contact us", "url": "mailto:help@example.com"}
    assert localize_resource_center(valid(center()), "en", "ja")["title"] == "Help"


def test_each_type_needs_its_field_and_only_it() -> None:
    doc = center()
    doc["sections"][0]["entries"][0].pop("body")
    doc["sections"][0]["entries"][1]["tour"] = "welcome"
    assert sorted(errors_of(valid, doc)) == [
        ("sections[0].entries[0].body", "is required when type is 'article'"),
        ("sections[0].entries[1].tour", "is only allowed when type is 'tour'"),
    ]


def test_ids_are_unique_across_sections_and_references_exist() -> None:
    doc = center()
    doc["sections"].append(
        {
            "id": "start",
            "entries": [{"id": "csv", "type": "tour", "title": "x", "tour": "gone"}],
        }
    )
    paths = sorted(path for path, _ in errors_of(valid, doc))
    assert paths == [
        "sections[1].entries[0].id",
        "sections[1].entries[0].tour",
        "sections[1].id",
    ]


def test_article_links_the_widget_would_drop_are_refused() -> None:
    doc = center()
    doc["sections"][0]["entries"][0]["body"] = {"ja": "[x](/settings) と [y](javascript:void)"}
    path, message = only_error(valid, doc)
    assert path == "sections[0].entries[0].body"
    assert "would be dropped" in message


def test_contact_takes_mailto_or_a_link() -> None:
    assert valid(center(contact={"label": "x", "url": "/support"})).contact is not None
    path, _ = only_error(valid, center(contact={"label": "x", "url": "mailto:nobody"}))
    assert path == "contact.url"
    path, _ = only_error(valid, center(contact={"label": "x", "url": "javascript:x"}))
    assert path == "contact.url"


def test_a_mailto_contact_with_invisible_characters_is_refused() -> None:
    path, _ = only_error(
        valid, center(contact={"label": "x", "url": "mailto:help\u202e@example.com"})
    )
    assert path == "contact.url"


def test_all_articles_together_are_capped() -> None:
    """The whole help centre rides in every session answer of its audience."""
    article = {"id": "a0", "type": "article", "title": "A", "body": "x" * 3000}
    sections = [
        {"id": f"s{s}", "entries": [{**article, "id": f"a{s}-{e}"} for e in range(10)]}
        for s in range(4)
    ]
    assert valid(center(sections=sections[:3]))  # 90,000 characters
    path, message = only_error(valid, center(sections=sections))  # 120,000
    assert path == "sections" and "100000" in message


def test_long_articles_are_refused() -> None:
    doc = center()
    doc["sections"][0]["entries"][0]["body"] = "あ" * 4001
    path, _ = only_error(valid, doc)
    assert path == "sections[0].entries[0].body"


def test_in_a_document_references_may_be_to_its_own_content() -> None:
    document = {
        "format": "shirube.content/1",
        "tours": [
            {"key": "welcome", "name": "W", "steps": [{"id": "a", "kind": "modal", "title": "Hi"}]}
        ],
        "resource_centers": [center(), center()],
    }
    document["resource_centers"][1]["sections"][0]["entries"].pop(3)
    paths = [path for path, _ in errors_of(validate_document, document)]
    assert paths == [
        "resource_centers[1].key",
        "resource_centers[0].sections[0].entries[3].checklist",
    ]


def test_the_example_in_the_docs_is_valid() -> None:
    import json
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[2] / "docs" / "content-format.md"
    (block,) = re.findall(r"```jsonc\n(.*?)```", doc.read_text(encoding="utf-8"), re.DOTALL)
    validate_resource_center(json.loads(block), {"welcome"}, set())
