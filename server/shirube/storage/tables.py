"""Every table, as SQLAlchemy Core `Table`s on one `metadata` (what the migrations must build:
tests/test_migrations.py compares the two on both engines).

High-volume tables (events and the progress projected from them) carry no foreign keys:
ingestion inserts them in batches and the checks would cost more than they protect (users are
upserted in the same transaction).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from shirube.identifiers import MAX_LOCALE
from shirube.storage.types import JSONType, UTCDateTime

metadata = MetaData()

IDENTITY_MODES = ("off", "observe", "enforce")
ADMIN_ROLES = ("owner", "editor", "viewer")
CONTENT_KINDS = ("tour", "checklist", "goal")
TOUR_STATUSES = ("not_started", "in_progress", "dismissed", "completed")
EVENT_SOURCES = ("widget", "server")


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True)


def _key(name: str, length: int) -> Column[str]:
    return Column(name, String(length), primary_key=True)


def _user_key() -> Column[int]:
    """A user's `end_user.user_key`, leading the key of a table written for each event."""
    return Column("user_key", BigInteger, primary_key=True)


def _text(name: str, length: int, *, nullable: bool = False) -> Column[str]:
    return Column(name, String(length), nullable=nullable)


def _time(name: str, *, nullable: bool = False) -> Column[object]:
    return Column(name, UTCDateTime(), nullable=nullable)


def _json(name: str) -> Column[object]:
    return Column(name, JSONType, nullable=False)


def _count(name: str, *, nullable: bool = False) -> Column[int]:
    return Column(name, Integer, nullable=nullable)


# Workspaces, their admins -------------------------------------------------------------------

workspace = Table(
    "workspace",
    metadata,
    _id(),
    _text("name", 200),
    Column("public_key", String(64), nullable=False, unique=True, index=True),
    # sha256 of the secret key: keys are 256-bit random, so a fast hash finds them.
    Column("secret_key_hash", String(64), nullable=False, unique=True, index=True),
    _text("secret_key_hint", 16),
    _text("identity_secret", 128),
    # Kept valid next to the new secret while host backends roll over to it.
    _text("identity_secret_previous", 128, nullable=True),
    _text("identity_mode", 16),
    _json("allowed_origins"),
    _text("default_locale", MAX_LOCALE),
    _json("theme"),
    # Bumped by every change of published content: caches of it key on this.
    _count("content_revision"),
    _time("created_at"),
    # Carried in every widget session token; tokens of an earlier epoch are refused. Rotating
    # the identity secret moves it on (services/workspaces.py).
    Column("token_epoch", Integer, nullable=False, server_default=text("0")),
    # Whether widget sessions whose user is not verified may create or change companies and
    # join them (an opt-in: services/widget_session.py).
    Column("unverified_company_writes", Boolean, nullable=False, server_default=false()),
    # The webhook kinds (bits of services/webhook_kinds.py) that at least one enabled endpoint
    # receives: read with the row a batch reads anyway, so a workspace without endpoints pays
    # no query for webhooks. Kept by services/webhook_endpoints.py in the transaction that
    # changes an endpoint.
    Column("webhook_kinds", Integer, nullable=False, server_default=text("0")),
)

admin = Table(
    "admin",
    metadata,
    _id(),
    Column("email", String(320), nullable=False, unique=True, index=True),
    _text("password_hash", 200),
    _time("created_at"),
    # Part of every console session's fingerprint: sign-out moves it on, ending them all.
    Column("session_epoch", Integer, nullable=False, server_default=text("0")),
    # Made by an invitation: the password is the generated one its inviter saw, until the admin
    # chooses their own (console/password.py); no role in another workspace until then.
    Column("password_pending", Boolean, nullable=False, server_default=false()),
)

workspace_admin = Table(
    "workspace_admin",
    metadata,
    Column(
        "workspace_id",
        Integer,
        ForeignKey("workspace.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("admin_id", Integer, ForeignKey("admin.id", ondelete="CASCADE"), primary_key=True),
    _text("role", 16),
)

# A console sign-in under way or failed, in the last minutes (services/sign_in_throttle.py).
sign_in_attempt = Table(
    "sign_in_attempt",
    metadata,
    _id(),
    _text("email", 320),
    _text("address", 64),
    _time("at"),
    Index("ix_sign_in_attempt_email", "email", "at"),
    Index("ix_sign_in_attempt_address", "address", "at"),
    Index("ix_sign_in_attempt_at", "at"),
)

# Tours and checklists: an editable draft plus immutable, numbered published versions ---------

content_item = Table(
    "content_item",
    metadata,
    _id(),
    Column(
        "workspace_id",
        Integer,
        ForeignKey("workspace.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    _text("kind", 16),
    _text("key", 64),
    _json("draft"),
    # The version end users see; None while unpublished.
    _count("published_version", nullable=True),
    # Highest version number ever used, so numbers are never reused after a rollback.
    _count("latest_version"),
    _time("created_at"),
    _time("updated_at"),
    # Moved on by every draft save (migration 0015): an editor saving a draft it loaded at an
    # older revision is told someone else saved meanwhile, rather than overwriting their work.
    Column("draft_revision", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("workspace_id", "kind", "key"),
)

content_version = Table(
    "content_version",
    metadata,
    _id(),
    Column(
        "content_id", Integer, ForeignKey("content_item.id", ondelete="CASCADE"), nullable=False
    ),
    _count("version"),
    _json("document"),
    _time("published_at"),
    # Set when this version republishes an earlier one (a rollback).
    _count("restored_from", nullable=True),
    UniqueConstraint("content_id", "version"),
)

# Who changed what in a workspace, when (services/audit.py; docs/console.md#audit-log) ---------

audit_entry = Table(
    "audit_entry",
    metadata,
    _id(),
    Column(
        "workspace_id",
        Integer,
        ForeignKey("workspace.id", ondelete="CASCADE"),
        nullable=False,
    ),
    _time("at"),
    # The console admin who made the change; None for the server API (its secret key) and the
    # CLI. No foreign key: the entry outlives the admin, named by `actor`.
    _count("actor_admin_id", nullable=True),
    # The admin's email at the time, or "api key", or "cli".
    _text("actor", 320),
    _text("action", 32),
    # tour | checklist | goal | resource_center | settings | key | webhook | admin
    _text("subject_kind", 32),
    # A content key, the names of the settings changed, a key's name, a webhook URL, an email.
    _text("subject", 2000),
    # Before and after: whole documents for content, the changed values for the rest; never
    # a secret.
    Column("before", JSONType, nullable=True),
    Column("after", JSONType, nullable=True),
    # What else the entry needs to be read: {"version": 4, "restored_from": 2}.
    Column("detail", JSONType, nullable=True),
    # Newest first, a page at a time, per workspace.
    Index("ix_audit_entry_workspace", "workspace_id", "id"),
)

# End users, companies and who belongs to which (keyed by the host's external ids) ------------

end_user = Table(
    "end_user",
    metadata,
    # Given at first sight, in order (SQLite: the rowid; PostgreSQL: an identity), so that the
    # users active now hold the highest keys: the tables ingestion writes for each event key
    # their rows by it (`_user_key`), and a batch's rows land on the last leaves of each tree
    # instead of on a random leaf per row, as the host's ids would place them (migration
    # 0021; bench/README.md, "Ingestion into a loaded database, users and events keyed in
    # arrival order").
    Column(
        "user_key",
        BigInteger().with_variant(Integer, "sqlite"),
        Identity(),
        primary_key=True,
    ),
    Column("workspace_id", Integer, nullable=False),
    Column("external_id", String(255), nullable=False),
    _json("traits"),
    _text("locale", MAX_LOCALE, nullable=True),
    _time("first_seen_at"),
    _time("last_seen_at"),
    # Moved on with every change to what a session shows of this user's progress
    # (services/progress_cache.py).
    Column("progress_rev", Integer, nullable=False, server_default=text("0")),
    UniqueConstraint("workspace_id", "external_id", name="uq_end_user_external_id"),
)

company = Table(
    "company",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("external_id", 255),
    _json("traits"),
    _time("created_at"),
    _time("updated_at"),
)

membership = Table(
    "membership",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("user_id", 255),
    _key("company_id", 255),
    _time("created_at"),
    # A company's users (KPIs per company; migration 0011), read from the index alone
    # (migration 0014): without `user_id` in it, SQLite preferred scanning the workspace's
    # whole primary key, which covers both columns.
    Index("ix_membership_company", "workspace_id", "company_id", "user_id"),
)

# Events and the progress projected from them ------------------------------------------------

event = Table(
    "event",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    # Keyed after its user: the client's ids are random, and keyed by them alone every event
    # was a random leaf of a million-row index (migration 0022).
    _user_key(),
    # Generated by the client, unique per user: a retried batch carries the same ids (and
    # users) and is not counted twice.
    _key("id", 128),
    _text("name", 100),
    _json("properties"),
    _text("user_id", 255),
    _text("company_id", 255, nullable=True),
    # When it happened (client time, clamped: services/ingest.py).
    _time("timestamp"),
    _time("received_at"),
    _text("source", 16),
    # A name's events, for copying them into `counted_event` when a rule starts counting it.
    # Cheap to keep: each name's new rows go to the end of that name's range (an index by user
    # was a random insert per event: services/counted_events.py; measured again for feature
    # usage, bench/README.md). On PostgreSQL it carries the user (INCLUDE: not part of the
    # order), so distinct users per name are read from the index alone (migration 0013).
    Index("ix_event_name", "workspace_id", "name", postgresql_include=["user_id"]),
    # The broken-target report reads the last week of `$target_missing` events
    # (services/broken_targets.py): by time, so that a workspace whose targets went missing
    # often in the past reads only the week. Partial: no cost for any other event.
    Index(
        "ix_event_target_missing",
        "workspace_id",
        "timestamp",
        sqlite_where=text("name = '$target_missing'"),
        postgresql_where=text("name = '$target_missing'"),
    ),
)

# Which users sent each event name, for feature usage on SQLite (services/event_name_users.py):
# a row per (workspace, name, user) of the events of a name asked for, up to the name's mark,
# rolled up by the KPI worker in batches, not at ingestion (migration 0018).
event_name_user = Table(
    "event_name_user",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("name", 100),
    _key("user_id", 255),
    sqlite_with_rowid=False,
)

# The names rolled up, each with the rowid of its last event rolled up.
event_name_user_mark = Table(
    "event_name_user_mark",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("name", 100),
    Column("event_rowid", BigInteger, nullable=False),
    sqlite_with_rowid=False,
)

# An event name that a published completion rule counts or has counted.
counted_name = Table(
    "counted_name",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("name", 100),
)

# The events of counted names by user and name: the N-th one is one index lookup.
counted_event = Table(
    "counted_event",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _user_key(),
    _key("name", 100),
    Column("timestamp", UTCDateTime(), primary_key=True),
    _key("event_id", 128),
    _text("user_id", 255),
    # What a rule's `where` filter reads (migration 0011; null only for rows older than it
    # whose event was gone).
    Column("properties", JSONType, nullable=True),
)

user_event_count = Table(
    "user_event_count",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _user_key(),
    _key("name", 100),
    _text("user_id", 255),
    _count("count"),
    _time("first_at"),
    _time("last_at"),
)

tour_progress = Table(
    "tour_progress",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("user_id", 255),
    _key("tour_key", 64),
    _text("status", 16),
    _text("current_step", 64, nullable=True),
    # Client time of the event that set current_step: the latest one wins, whatever the order
    # in which concurrent batches arrive.
    _time("current_step_at", nullable=True),
    _count("version", nullable=True),
    _time("started_at", nullable=True),
    _time("completed_at", nullable=True),
    _time("dismissed_at", nullable=True),
    _time("updated_at"),
)

tour_step_seen = Table(
    "tour_step_seen",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("user_id", 255),
    _key("tour_key", 64),
    _key("step_id", 64),
    _time("first_seen_at"),
)

checklist_item_progress = Table(
    "checklist_item_progress",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _user_key(),
    _key("checklist_key", 64),
    _key("item_id", 64),
    _text("user_id", 255),
    _time("completed_at"),
    # event | tour_completed | page_visited | manual
    _text("completed_by", 32),
    _text("event_id", 128, nullable=True),
)

survey_answer = Table(
    "survey_answer",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("event_id", 128),
    _text("user_id", 255),
    _text("checklist_key", 64),
    _count("rating"),
    _text("comment", 2000, nullable=True),
    _time("answered_at"),
    Index("ix_survey_answer_user", "workspace_id", "user_id"),
)

# Active time (services/active_time.py): seconds per user and UTC day (ISO text, as
# `identity_stat.day`), from `$active` events; the index by day answers daily and weekly active
# users from the index alone.
user_active_day = Table(
    "user_active_day",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("user_id", 255),
    _key("day", 10),
    _count("seconds"),
    Index("ix_user_active_day_day", "workspace_id", "day", "user_id"),
)

# The ISO weeks (their Monday, ISO text) in which a user has a `user_active_day` row, written
# with it: weekly active users are a count of one week's rows in key order, not a distinct
# count over every user-day of the range (migration 0018).
user_active_week = Table(
    "user_active_week",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("week", 10),
    _key("user_id", 255),
    sqlite_with_rowid=False,
)

# Each user's first and last active days: a row apart from `end_user`, written only by batches
# with `$active` events, and only when a day moves.
user_active = Table(
    "user_active",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("user_id", 255),
    _text("first_day", 10),
    _text("last_day", 10),
)

# Widget sessions per day by identity-token outcome, so a team sees coverage before switching
# verification to enforce.
identity_stat = Table(
    "identity_stat",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("day", 10),
    _count("signed"),
    _count("unsigned"),
    _count("invalid"),
)


# Webhooks (docs/webhooks.md) ------------------------------------------------------------------

webhook_endpoint = Table(
    "webhook_endpoint",
    metadata,
    _id(),
    Column(
        "workspace_id",
        Integer,
        ForeignKey("workspace.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    _text("url", 2000),
    _text("description", 200, nullable=True),
    # The kinds it receives, by name (services/webhook_kinds.py).
    _json("kinds"),
    # Kept, not hashed: signing needs the secret itself (as for identity secrets).
    _text("secret", 100),
    # The secret before the last rotation, signing too until the rotation is finished or
    # this time passes.
    _text("previous_secret", 100, nullable=True),
    _time("previous_secret_expires_at", nullable=True),
    Column("enabled", Boolean, nullable=False),
    _time("disabled_at", nullable=True),
    # failing | gone | owner
    _text("disabled_reason", 16, nullable=True),
    # The first failed attempt since the last success (an endpoint failing for a day is
    # disabled: services/webhook_deliveries.py).
    _time("failing_since", nullable=True),
    _time("created_at"),
    _time("updated_at"),
)

# The outbox: one row per endpoint and message, written in the transaction that made the
# change it tells of, and the state of its delivery. No foreign keys, like the other rows
# ingestion writes: a delivery whose endpoint is gone is dropped by the worker.
webhook_delivery = Table(
    "webhook_delivery",
    metadata,
    _id(),
    _count("workspace_id"),
    _count("endpoint_id"),
    # The `webhook-id` header: derived from what happened, so the same for every endpoint,
    # every attempt and every resend.
    _text("message_id", 64),
    _text("kind", 64),
    # The body exactly as signed and sent.
    Column("body", Text, nullable=False),
    # pending | succeeded | failed | paused
    _text("state", 16),
    # When the next attempt is due; while a worker holds it, when its claim expires. NULL
    # when nothing is due (succeeded, failed, paused).
    _time("next_attempt_at", nullable=True),
    # The worker holding it (a random token), whose result alone is recorded.
    _text("claim", 32, nullable=True),
    _count("attempts"),
    # The position in the retry schedule of the next attempt.
    _count("step"),
    _time("created_at"),
    _time("delivered_at", nullable=True),
    _time("last_attempt_at", nullable=True),
    _count("last_status", nullable=True),
    _count("last_duration_ms", nullable=True),
    _text("last_error", 200, nullable=True),
    UniqueConstraint("endpoint_id", "message_id"),
    Index("ix_webhook_delivery_due", "next_attempt_at"),
    Index("ix_webhook_delivery_log", "endpoint_id", "id"),
    Index("ix_webhook_delivery_created", "created_at"),
    Index("ix_webhook_delivery_state", "state"),
)

webhook_attempt = Table(
    "webhook_attempt",
    metadata,
    _id(),
    _count("delivery_id"),
    _count("workspace_id"),
    _count("number"),
    _time("attempted_at"),
    # None when no answer came (refused address, connection error, timeout).
    _count("status_code", nullable=True),
    _count("duration_ms"),
    _text("error", 200, nullable=True),
    # The start of the answer's body, as text.
    _text("response", 1000, nullable=True),
    Index("ix_webhook_attempt_delivery", "delivery_id", "id"),
)


# Goals and KPIs: what each user and company achieved, kept up to date by the KPI worker ----
# (services/kpi_*.py, docs/kpis.md). `kind` is goal, checklist or tour; `key` its key.

kpi_user = Table(
    "kpi_user",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("kind", 16),
    _key("key", 64),
    _key("user_id", 255),
    # The published version these figures were computed under.
    _count("version"),
    Column("in_audience", Boolean, nullable=False),
    # When the first part (rule, item, step) was done, and when the whole was: event time.
    _time("started_at", nullable=True),
    _time("completed_at", nullable=True),
    _count("parts_done"),
    _time("last_progress_at", nullable=True),
    _time("updated_at"),
    Index("ix_kpi_user_user", "workspace_id", "user_id"),
    # SQLite: stored in the primary key's order, so an objective's rows are one sequential
    # read for every KPI figure (migration 0013).
    sqlite_with_rowid=False,
)

kpi_company = Table(
    "kpi_company",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("kind", 16),
    _key("key", 64),
    _key("company_id", 255),
    # Users of the company in the audience, and those of them who completed.
    _count("users"),
    _count("completed"),
    # When the company rule was first met (event time), or when every user completed.
    _time("onboarded_at", nullable=True),
    Column("median_seconds", Float, nullable=True),
    _time("last_activity_at", nullable=True),
    _time("updated_at"),
)

# Users whose KPI rows must be recomputed (ingestion and identify add them; the worker takes
# them in batches once `since` is old enough).
kpi_dirty = Table(
    "kpi_dirty",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("user_id", 255),
    # When the user was first marked (or, once computed, marked again meanwhile).
    _time("since"),
    # Moved on by every mark: the worker unmarks only a user not marked since it read the row.
    _count("seq"),
    # When the worker takes the user: a delay after the last mark, at most a cap after `since`.
    _time("due_at"),
    Index("ix_kpi_dirty_due", "due_at"),
)

# Companies whose `kpi_company` rows the KPI worker must recount, after their users' rows
# changed: coalesced, so that a company is recounted once for the members computed meanwhile.
kpi_dirty_company = Table(
    "kpi_dirty_company",
    metadata,
    Column("workspace_id", Integer, primary_key=True),
    _key("company_id", 255),
    _time("since"),
    _count("seq"),
    # The first mark + a delay: marks made meanwhile do not push it on.
    _time("due_at"),
    Index("ix_kpi_dirty_company_due", "due_at"),
)

# A recomputation of every user's figures for one published goal, checklist or tour, in chunks
# of users (resumable: `cursor` is the last user id done).
kpi_job = Table(
    "kpi_job",
    metadata,
    _id(),
    Column("workspace_id", Integer, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False),
    _text("kind", 16),
    _text("key", 64),
    _count("version"),
    # queued | running | done | failed | superseded
    _text("state", 16),
    _text("cursor", 255, nullable=True),
    _count("done_users"),
    _count("total_users"),
    _time("created_at"),
    _time("started_at", nullable=True),
    _time("finished_at", nullable=True),
    _text("error", 500, nullable=True),
    Index("ix_kpi_job_state", "state", "id"),
    Index("ix_kpi_job_workspace", "workspace_id", "id"),
)
