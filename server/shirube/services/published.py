"""Published content, compiled once per workspace content revision.

The cache key is (workspace id, content revision) read from the database on every request, so
instances behind a load balancer can never serve different content for the same revision.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, col, select

from shirube.content import (
    ChecklistDoc,
    TourDoc,
    localize_checklist,
    localize_tour,
)
from shirube.models import ContentItem, ContentVersion


def page_pattern_regex(pattern: str) -> re.Pattern[str]:
    """`*` matches any run of characters; everything else is literal. Query strings are
    ignored, and a path pattern also matches absolute URLs with that path."""
    body = ".*".join(re.escape(part) for part in pattern.split("*"))
    if pattern.startswith("/"):
        return re.compile(rf"^(?:[a-z][a-z0-9+.\-]*://[^/]+)?{body}$")
    return re.compile(rf"^{body}$")


def url_without_query(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]


@dataclass
class _Published:
    version: int
    _localized: dict[tuple[str | None, str], dict[str, Any]] = field(
        default_factory=dict, init=False
    )

    def _localize(self, locale: str | None, default_locale: str) -> dict[str, Any]:
        raise NotImplementedError

    def localized(self, locale: str | None, default_locale: str) -> dict[str, Any]:
        """Widget JSON in one locale, built once per version and locale."""
        key = (locale, default_locale)
        cached = self._localized.get(key)
        if cached is None:
            cached = {**self._localize(locale, default_locale), "version": self.version}
            self._localized[key] = cached
        return cached


@dataclass
class PublishedTour(_Published):
    doc: TourDoc = field(kw_only=True)

    def _localize(self, locale: str | None, default_locale: str) -> dict[str, Any]:
        return localize_tour(self.doc, locale, default_locale)


@dataclass
class PublishedChecklist(_Published):
    doc: ChecklistDoc = field(kw_only=True)

    def _localize(self, locale: str | None, default_locale: str) -> dict[str, Any]:
        return localize_checklist(self.doc, locale, default_locale)


@dataclass(frozen=True, order=True)
class ItemRef:
    checklist: str
    item: str


@dataclass(frozen=True)
class EventRule:
    ref: ItemRef
    min_count: int


@dataclass
class PublishedContent:
    revision: int
    tours: dict[str, PublishedTour] = field(default_factory=dict)
    checklists: dict[str, PublishedChecklist] = field(default_factory=dict)
    # Indexes from what happened to the checklist items it can complete.
    event_rules: dict[str, list[EventRule]] = field(default_factory=dict)
    tour_rules: dict[str, list[ItemRef]] = field(default_factory=dict)
    page_rules: list[tuple[re.Pattern[str], ItemRef]] = field(default_factory=list)
    manual_items: set[ItemRef] = field(default_factory=set)
    all_items: set[ItemRef] = field(default_factory=set)

    def index_checklist(self, checklist: ChecklistDoc) -> None:
        for item in checklist.items:
            ref = ItemRef(checklist.key, item.id)
            self.all_items.add(ref)
            rule = item.completion
            if rule.type == "event":
                assert rule.event is not None
                rule_for_item = EventRule(ref, rule.min_count or 1)
                self.event_rules.setdefault(rule.event, []).append(rule_for_item)
            elif rule.type == "tour_completed":
                assert rule.tour is not None
                self.tour_rules.setdefault(rule.tour, []).append(ref)
            elif rule.type == "page_visited":
                assert rule.page is not None
                self.page_rules.append((page_pattern_regex(rule.page), ref))
            else:
                self.manual_items.add(ref)


def load_published(session: Session, workspace_id: int, revision: int) -> PublishedContent:
    rows = session.exec(
        select(ContentItem.kind, ContentItem.key, ContentVersion.version, ContentVersion.document)
        .join(ContentVersion, col(ContentVersion.content_id) == col(ContentItem.id))
        .where(
            ContentItem.workspace_id == workspace_id,
            col(ContentVersion.version) == col(ContentItem.published_version),
        )
        .order_by(col(ContentItem.kind), col(ContentItem.key))
    ).all()
    content = PublishedContent(revision=revision)
    for kind, key, version, document in rows:
        # Stored documents were validated when saved; parsing again gives typed objects.
        if kind == "tour":
            content.tours[key] = PublishedTour(version, doc=TourDoc.model_validate(document))
        else:
            checklist = ChecklistDoc.model_validate(document)
            content.checklists[key] = PublishedChecklist(version, doc=checklist)
            content.index_checklist(checklist)
    return content


class PublishedCache:
    """A small LRU of compiled published content; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, int], PublishedContent] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session: Session, workspace_id: int, revision: int) -> PublishedContent:
        key = (workspace_id, revision)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        entry = load_published(session, workspace_id, revision)
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry
