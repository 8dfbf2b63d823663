"""Help centres (`resource_center`): sections of entries (articles, links, "start this tour",
"open this checklist") and a contact link, shown by the widget's launcher for an audience.

Article bodies use the widget's safe Markdown subset (widget/src/markdown.ts); links in them
are checked here the way the widget reads them, so an editor learns of a link the widget would
drop (docs/content-format.md).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from shirube.content.audience import AudienceField
from shirube.content.base import ContentModel, depends_on, show
from shirube.content.primitives import Id, Key, Url, check_url, is_id, is_key, no_invisible
from shirube.content.references import reference_errors
from shirube.content.text import Text, TextLimit, TitleText
from shirube.errors import FieldError
from shirube.validation import validate_model

MAX_SECTIONS = 20
MAX_ENTRIES = 40  # per section
# Every article body travels in the session answer of the users the help centre targets: long
# enough for a how-to, short enough that 100 of them stay a few tens of KB compressed.
ARTICLE_MAX = 4000
# All article bodies together (every locale): the whole help centre rides in each session
# answer of its audience and in the checklist's polls.
ARTICLES_TOTAL_MAX = 100_000
ENTRY_TYPES = ("article", "link", "tour", "checklist")

# `[label](url)` as widget/src/markdown.ts reads it; it keeps only absolute http(s)/mailto.
_MD_LINK = re.compile(r"\[([^\]]+)\]\(([^()\s]+)\)")
_MD_SCHEME = re.compile(r"(?i)(?:https?://[^/?#\s]+|mailto:[^\s]+)")
_MAILTO = re.compile(r"(?i)mailto:[^\s@/\\]+@[^\s@/\\]+")


def _markdown_links(text: Text) -> Text:
    values = text.values() if isinstance(text, dict) else (text,)
    for value in values:
        for match in _MD_LINK.finditer(value):
            if not _MD_SCHEME.match(match[2]):
                raise ValueError(
                    f"the link {show(match[2])} would be dropped: links in an article must be"
                    " absolute http://, https:// or mailto: addresses"
                )
    return text


ArticleText = Annotated[Text, TextLimit(ARTICLE_MAX), AfterValidator(_markdown_links)]


def _contact_url(value: str) -> str:
    if value[:7].lower() == "mailto:":
        no_invisible(value)
        if not _MAILTO.fullmatch(value) or len(value) > 320:
            raise ValueError(f"{show(value)} is not a mailto: address like mailto:help@example.com")
        return value
    return check_url(value)


ContactUrl = Annotated[str, AfterValidator(_contact_url)]


class HelpEntry(ContentModel):
    """One line of a section: an article read in the panel, a link, a tour or a checklist."""

    id: Id
    type: Literal["article", "link", "tour", "checklist"]
    title: TitleText
    body: ArticleText | None = Field(default=None, validate_default=True)
    url: Url | None = Field(default=None, validate_default=True)
    tour: Key | None = Field(default=None, validate_default=True)
    checklist: Key | None = Field(default=None, validate_default=True)

    @field_validator("body", "url", "tour", "checklist")
    @classmethod
    def _per_type(cls, value: object, info: ValidationInfo) -> object:
        needed = {"body": "article", "url": "link", "tour": "tour", "checklist": "checklist"}
        depends_on(value, info, selector="type", required=(needed[str(info.field_name)],))
        return value


class HelpSection(ContentModel):
    id: Id
    title: TitleText | None = None
    entries: list[HelpEntry] = Field(min_length=1, max_length=MAX_ENTRIES)


class Contact(ContentModel):
    """Shown under the help centre, and first when a search finds nothing."""

    label: TitleText
    url: ContactUrl


class ResourceCenterDoc(ContentModel):
    """A help centre. Validate input with `validate_resource_center`, which also checks unique
    ids and that the tours and checklists it opens exist."""

    key: Key
    title: TitleText
    audience: AudienceField = None
    sections: list[HelpSection] = Field(min_length=1, max_length=MAX_SECTIONS)
    contact: Contact | None = None


def resource_center_refs(data: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(relative path, kind, key) of each well-formed tour or checklist entry."""
    refs: list[tuple[str, str, str]] = []
    for s, section in _raw_items(data, "sections"):
        for e, entry in _raw_items(section, "entries"):
            kind = entry.get("type")
            if kind in ("tour", "checklist") and is_key(entry.get(kind)):
                refs.append((f"sections[{s}].entries[{e}].{kind}", kind, entry[kind]))
    return refs


def _raw_items(data: Mapping[str, Any], field: str) -> list[tuple[int, Mapping[str, Any]]]:
    value = data.get(field)
    if not isinstance(value, list):
        return []
    return [(i, v) for i, v in enumerate(value) if isinstance(v, Mapping)]


def _duplicate_ids(data: Mapping[str, Any], dot: str) -> list[FieldError]:
    """Section ids are unique, and entry ids across the whole help centre: events name an
    article by its id alone."""
    errors: list[FieldError] = []
    sections: dict[str, str] = {}
    entries: dict[str, str] = {}
    for s, section in _raw_items(data, "sections"):
        found = [(f"{dot}sections[{s}]", section, sections, "section id")]
        found += [
            (f"{dot}sections[{s}].entries[{e}]", entry, entries, "entry id")
            for e, entry in _raw_items(section, "entries")
        ]
        for path, raw, seen, what in found:
            value = raw.get("id")
            if not is_id(value):
                continue
            if value in seen:
                errors.append(
                    FieldError(f"{path}.id", f"duplicate {what} {value!r} (also {seen[value]}.id)")
                )
            else:
                seen[value] = path
    return errors


def resource_center_errors(
    data: Any,
    tour_keys: Collection[str] | None,
    checklist_keys: Collection[str] | None,
    prefix: str = "",
) -> list[FieldError]:
    """Rules pydantic cannot express (unique ids, known tours and checklists)."""
    if not isinstance(data, Mapping):
        return []
    dot = f"{prefix}." if prefix else ""
    known = {"tour": tour_keys, "checklist": checklist_keys}
    errors = _duplicate_ids(data, dot) + reference_errors(resource_center_refs(data), known, dot)
    return errors + _total_size(data, dot)


def _total_size(data: Mapping[str, Any], dot: str) -> list[FieldError]:
    total = 0
    for _, section in _raw_items(data, "sections"):
        for _, entry in _raw_items(section, "entries"):
            body = entry.get("body")
            texts = body.values() if isinstance(body, Mapping) else [body]
            total += sum(len(text) for text in texts if isinstance(text, str))
    if total <= ARTICLES_TOTAL_MAX:
        return []
    message = (
        f"the articles' bodies total {total} characters (every locale); at most"
        f" {ARTICLES_TOTAL_MAX}: the help centre travels in every session answer"
    )
    return [FieldError(f"{dot}sections", message)]


def validate_resource_center(
    data: Any,
    tour_keys: Collection[str] | None,
    checklist_keys: Collection[str] | None,
    prefix: str = "",
) -> ResourceCenterDoc:
    extra = resource_center_errors(data, tour_keys, checklist_keys, prefix)
    return validate_model(ResourceCenterDoc, data, prefix, extra)
