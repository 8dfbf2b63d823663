"""Published content, compiled once per workspace content revision.

The cache key is (workspace id, content revision) read from the database on every request, so
instances behind a load balancer can never serve different content for the same revision.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import orjson
from sqlalchemy import and_, bindparam, select

from shirube.content import (
    ChecklistDoc,
    TourDoc,
    localize_checklist,
    localize_tour,
)
from shirube.content.goal import GoalDoc
from shirube.content.localize import localize_resource_center
from shirube.content.matching import Matcher
from shirube.content.resource_center import ResourceCenterDoc
from shirube.content.rules import CompletionRule, EvalContext
from shirube.jsontext import dumps
from shirube.services.content_lock import hold_shared
from shirube.services.counted_events import counted_names
from shirube.storage import Connection
from shirube.storage.tables import content_item, content_version, workspace

Traits = Mapping[str, Any]


class ItemRef(NamedTuple):
    """A checklist item (a tuple: hashing and comparing it is cheap on the session path)."""

    checklist: str
    item: str


@dataclass
class _Published:
    version: int
    _localized: dict[tuple[str | None, str], dict[str, Any]] = field(
        default_factory=dict, init=False
    )
    _opened: dict[tuple[str | None, str], bytes] = field(default_factory=dict, init=False)
    # The audience's compiled matcher, taken out of the pydantic model once: reading a
    # private attribute of a model costs more than most matchers.
    _matcher: Matcher | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        audience = self.doc.audience  # type: ignore[attr-defined]
        self._matcher = None if audience is None else audience._compiled.match

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

    def opened_json(self, locale: str | None, default_locale: str) -> bytes:
        """`localized()` encoded once, without its closing brace, so that each answer only
        appends this user's `"progress"` to bytes built once per version and locale."""
        key = (locale, default_locale)
        opened = self._opened.get(key)
        if opened is None:
            opened = dumps(self.localized(locale, default_locale))[:-1]
            self._opened[key] = opened
        return opened

    def with_progress(self, locale: str | None, default_locale: str, progress: bytes) -> bytes:
        return self.opened_json(locale, default_locale) + PROGRESS + progress + b"}"

    def targets(self, user: Traits, company: Traits | None) -> bool:
        """Whether the audience takes this user (and company); no audience means everyone."""
        return self._matcher is None or self._matcher(user, company)


NOT_STARTED = b'{"status":"not_started","current_step":null}'
PROGRESS = b',"progress":'  # what follows `opened_json()` of a tour or checklist


@dataclass
class PublishedTour(_Published):
    doc: TourDoc = field(kw_only=True)
    _not_started: dict[tuple[str | None, str], bytes] = field(default_factory=dict, init=False)

    def not_started_json(self, locale: str | None, default_locale: str) -> bytes:
        """The tour with the progress of a user who has not started it, encoded once."""
        key = (locale, default_locale)
        found = self._not_started.get(key)
        if found is None:
            found = self.with_progress(locale, default_locale, NOT_STARTED)
            self._not_started[key] = found
        return found

    def _localize(self, locale: str | None, default_locale: str) -> dict[str, Any]:
        return localize_tour(self.doc, locale, default_locale)


@dataclass
class PublishedChecklist(_Published):
    doc: ChecklistDoc = field(kw_only=True)

    @cached_property
    def derived_items(self) -> list[tuple[ItemRef, CompletionRule]]:
        """Items whose completion follows from stored facts (every rule but `manual`), with
        their rule: what a session catches up."""
        return [
            (ItemRef(self.doc.key, item.id), item.completion)
            for item in self.doc.items
            if item.completion.type != "manual"
        ]

    def _localize(self, locale: str | None, default_locale: str) -> dict[str, Any]:
        return localize_checklist(self.doc, locale, default_locale)


@dataclass
class PublishedHelp(_Published):
    """A help centre: no progress, so its answer part is `localized()` as it is."""

    doc: ResourceCenterDoc = field(kw_only=True)

    def _localize(self, locale: str | None, default_locale: str) -> dict[str, Any]:
        return localize_resource_center(self.doc, locale, default_locale)

    def answer_json(self, locale: str | None, default_locale: str) -> bytes:
        return self.opened_json(locale, default_locale) + b"}"


@dataclass
class PublishedGoal:
    """A goal: not shown by the widget, measured by the KPI worker."""

    version: int
    doc: GoalDoc

    def __post_init__(self) -> None:
        audience = self.doc.audience
        self._matcher: Matcher | None = None if audience is None else audience._compiled.match

    def targets(self, user: Traits, company: Traits | None) -> bool:
        return self._matcher is None or self._matcher(user, company)


class Targeted(NamedTuple):
    tours: tuple[PublishedTour, ...]
    checklists: tuple[PublishedChecklist, ...]
    # Event names whose stored counts can complete an item of these checklists: the only
    # counters a session reads (each name is one more index lookup).
    count_names: tuple[str, ...] = ()
    # The first help centre (by key) whose audience takes the user.
    help: PublishedHelp | None = None


# Distinct trait sets remembered per content revision (a few MB at most).
TARGETED_MEMO_SIZE = 20_000


@dataclass
class PublishedContent:
    revision: int
    tours: dict[str, PublishedTour] = field(default_factory=dict)
    checklists: dict[str, PublishedChecklist] = field(default_factory=dict)
    goals: dict[str, PublishedGoal] = field(default_factory=dict)
    help_centers: dict[str, PublishedHelp] = field(default_factory=dict)
    # From an event name to the items whose rule its new events may complete
    # (RuleType.triggers), and every item's rule.
    triggers: dict[str, list[tuple[ItemRef, CompletionRule]]] = field(default_factory=dict)
    rules: dict[ItemRef, CompletionRule] = field(default_factory=dict)
    manual_items: set[ItemRef] = field(default_factory=set)
    # What rules need to know of the checklists (their item ids).
    eval_context: EvalContext = field(default_factory=EvalContext)
    # Names whose events go to counted_event too (services/counted_events.py); they change
    # only with the revision.
    counted_names: frozenset[str] = frozenset()

    _targeted: dict[bytes, Targeted] = field(default_factory=dict, init=False, repr=False)

    def targeted(self, user: Traits, company: Traits | None) -> Targeted:
        """Tours and checklists whose audience takes this user, remembered by the traits'
        JSON: a pure function of this content and the traits, and the same user opens a
        session on every page load with the same traits."""
        try:
            key = orjson.dumps((user, company))
        except TypeError:  # integers beyond 64 bits: just evaluate
            return self._evaluate(user, company)
        found = self._targeted.get(key)
        if found is None:
            found = self._evaluate(user, company)
            if len(self._targeted) >= TARGETED_MEMO_SIZE:
                self._targeted.clear()
            self._targeted[key] = found
        return found

    @property
    def all_items(self) -> Collection[ItemRef]:
        return self.rules.keys()

    @cached_property
    def all_rules(self) -> list[CompletionRule]:
        """Every rule of the published checklists and goals."""
        return [*self.rules.values(), *(e.rule for g in self.goals.values() for e in g.doc.rules)]

    @cached_property
    def rule_names(self) -> frozenset[str]:
        """The event names the published checklists' and goals' rules read (a subset of
        `counted_names`, which keeps names no rule reads any more)."""
        return frozenset().union(*(rule.rule_type.counted_names(rule) for rule in self.all_rules))

    def _evaluate(self, user: Traits, company: Traits | None) -> Targeted:
        checklists = tuple(c for c in self.checklists.values() if c.targets(user, company))
        names = {
            rule.event
            for c in checklists
            for _, rule in c.derived_items
            if rule.type == "event" and rule.event is not None
        }
        return Targeted(
            tuple(t for t in self.tours.values() if t.targets(user, company)),
            checklists,
            tuple(sorted(names)),
            next((c for c in self.help_centers.values() if c.targets(user, company)), None),
        )

    def index_checklist(self, checklist: ChecklistDoc) -> None:
        for item in checklist.items:
            ref = ItemRef(checklist.key, item.id)
            rule = item.completion
            self.rules[ref] = rule
            if rule.type == "manual":
                self.manual_items.add(ref)
            for name in rule.rule_type.triggers(rule):
                self.triggers.setdefault(name, []).append((ref, rule))
        self.eval_context = EvalContext(
            {key: [item.id for item in c.doc.items] for key, c in self.checklists.items()}
        )


_PUBLISHED = (
    select(
        content_item.c.kind,
        content_item.c.key,
        content_version.c.version,
        content_version.c.document,
    )
    .join(
        content_version,
        and_(
            content_version.c.content_id == content_item.c.id,
            content_version.c.version == content_item.c.published_version,
        ),
    )
    .where(content_item.c.workspace_id == bindparam("workspace_id"))
    .order_by(content_item.c.kind, content_item.c.key)
)


def load_published(conn: Connection, workspace_id: int, revision: int) -> PublishedContent:
    content = PublishedContent(revision=revision, counted_names=counted_names(conn, workspace_id))
    for kind, key, version, document in conn.all(_PUBLISHED, {"workspace_id": workspace_id}):
        # Stored documents were validated when saved; parsing again gives typed objects.
        if kind == "tour":
            content.tours[key] = PublishedTour(version, doc=TourDoc.model_validate(document))
        elif kind == "goal":
            content.goals[key] = PublishedGoal(version, GoalDoc.model_validate(document))
        elif kind == "resource_center":
            center = ResourceCenterDoc.model_validate(document)
            content.help_centers[key] = PublishedHelp(version, doc=center)
        else:
            checklist = ChecklistDoc.model_validate(document)
            content.checklists[key] = PublishedChecklist(version, doc=checklist)
            content.index_checklist(checklist)
    return content


# What a batch reads of its workspace row inside its transaction: the content revision, and the
# webhook kinds some endpoint receives (0 for most workspaces: then webhooks cost nothing).
_BATCH_READ = select(workspace.c.content_revision, workspace.c.webhook_kinds).where(
    workspace.c.id == bindparam("workspace_id")
)


class BatchContent(NamedTuple):
    published: PublishedContent
    # A mask of services/webhook_kinds.py.
    webhook_kinds: int


def batch_content(conn: Connection, cache: PublishedCache, workspace_id: int) -> BatchContent:
    """The content published as of this write transaction, for projecting a batch of events:
    a publish cannot commit between this read and the batch's commit (services/content_lock.py),
    so a session that kept a user's event counts under the new revision sees the batch move the
    user's `progress_rev` on (services/progress_cache.py). With it, the webhook kinds the
    workspace's endpoints receive now."""
    hold_shared(conn, workspace_id)
    row = conn.one(_BATCH_READ, {"workspace_id": workspace_id})
    if row is None:
        raise LookupError(f"workspace {workspace_id} is gone")
    revision, webhook_kinds = row
    return BatchContent(cache.get(conn, workspace_id, revision), webhook_kinds)


def current_content(conn: Connection, cache: PublishedCache, workspace_id: int) -> PublishedContent:
    """`batch_content` without the webhook kinds."""
    return batch_content(conn, cache, workspace_id).published


class PublishedCache:
    """A small LRU of compiled published content; safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[tuple[int, int], PublishedContent] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, conn: Connection, workspace_id: int, revision: int) -> PublishedContent:
        key = (workspace_id, revision)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                return entry
        entry = load_published(conn, workspace_id, revision)
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry
