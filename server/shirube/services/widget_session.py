"""The widget's first call: identify the user and return, in one answer, every published tour
and checklist targeted at them together with their progress.

Built for the hot path (docs/architecture.md, "One request to start"): one or two reads
(workspace, user, company and membership in one; all progress in the other, unless this process
keeps the user's progress at its stored revision: services/progress_cache.py), a write
transaction only when something changed, and an answer spliced from JSON encoded once per
content version and locale (services/session_answer.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import String, bindparam, select
from sqlalchemy.sql import Select

from shirube.errors import NotAllowed, NotAuthenticated
from shirube.security.identity import verify_identity_token
from shirube.security.widget_tokens import WidgetIdentity, widget_token
from shirube.services.identify import (
    Statement,
    StoredUser,
    identify_company,
    identify_user,
    membership_insert,
    run_statements,
)
from shirube.services.progress import (
    UserProgress,
    pending_completions,
    read_progress,
    record_completions,
)
from shirube.services.progress_cache import ProgressCache
from shirube.services.published import PublishedCache
from shirube.services.session_answer import SessionAnswer
from shirube.services.workspace_settings import session_theme
from shirube.storage import Connection, insert, stored
from shirube.storage.tables import company, end_user, identity_stat, membership, workspace
from shirube.storage.types import json_loads
from shirube.timeutil import utcnow


class SessionRequest(NamedTuple):
    """What a session body asks for (a tuple: built on every request, cheaply)."""

    user_id: str
    traits: dict[str, Any] | None
    locale: str | None
    company_id: str | None
    company_traits: dict[str, Any] | None
    identity_token: str | None


@dataclass(frozen=True)
class WidgetWorkspace:
    """What a widget call needs of its workspace row."""

    id: int
    allowed_origins: list[str]
    content_revision: int
    identity_mode: str
    identity_secrets: list[str]
    default_locale: str
    theme: dict[str, Any]
    token_epoch: int
    unverified_company_writes: bool
    # The webhook kinds some endpoint receives (services/webhook_kinds.py).
    webhook_kinds: int

    def check_token(self, identity: WidgetIdentity) -> None:
        """A session token is refused when the identity secret has rotated since it was
        minted (its epoch), and, once the workspace enforces verification, when its session
        did not verify the user's identity (minted in `off` mode, or unsigned in `observe`)."""
        if identity.epoch != self.token_epoch or (
            self.identity_mode == "enforce" and not identity.verified
        ):
            raise NotAuthenticated(
                "session_expired", "the session token is no longer valid; call session again"
            )


def check_origin(origin: str | None, allowed: Sequence[str]) -> None:
    if origin is None:
        raise NotAllowed("origin_not_allowed", "the widget API needs an Origin header")
    if origin.rstrip("/") not in allowed and "*" not in allowed:
        raise NotAllowed(
            "origin_not_allowed", f"origin {origin} is not among this workspace's allowed origins"
        )


# Read as stored (JSON text on SQLite): parsed once per distinct row (`widget_workspace`).
_WORKSPACE_COLUMNS = (
    workspace.c.id,
    stored(workspace.c.allowed_origins),
    workspace.c.content_revision,
    workspace.c.identity_mode,
    workspace.c.identity_secret,
    workspace.c.identity_secret_previous,
    workspace.c.default_locale,
    stored(workspace.c.theme),
    workspace.c.token_epoch,
    workspace.c.unverified_company_writes,
    workspace.c.webhook_kinds,
)
WORKSPACE_BY_ID = select(*_WORKSPACE_COLUMNS).where(workspace.c.id == bindparam("workspace_id"))


def _identify() -> Select[Any]:
    """Everything identify needs in one statement (one round trip on PostgreSQL)."""
    user = end_user.alias("u")
    company_row = company.alias("c")
    member = membership.alias("m")
    user_id = bindparam("user_id", type_=String)
    company_id = bindparam("company_id", type_=String)
    return (
        select(
            *_WORKSPACE_COLUMNS,
            stored(user.c.traits),
            user.c.locale,
            user.c.last_seen_at,
            user.c.progress_rev,
            stored(company_row.c.traits),
            member.c.company_id,
        )
        .select_from(workspace)
        .outerjoin(user, (user.c.workspace_id == workspace.c.id) & (user.c.external_id == user_id))
        .outerjoin(
            company_row,
            (company_row.c.workspace_id == workspace.c.id)
            & (company_row.c.external_id == company_id),
        )
        .outerjoin(
            member,
            (member.c.workspace_id == workspace.c.id)
            & (member.c.user_id == user_id)
            & (member.c.company_id == company_id),
        )
        .where(workspace.c.public_key == bindparam("public_key"))
    )


IDENTIFY = _identify()
# Parsed workspace rows by their stored values (SQLite gives hashable text): parsing the
# JSON columns on every call would cost more than reading them.
_PARSED: dict[tuple[Any, ...], WidgetWorkspace] = {}
_PARSED_MAX = 1024


def widget_workspace(conn: Connection, row: Sequence[Any]) -> WidgetWorkspace:
    key = tuple(row) if conn.is_sqlite else None
    if key is not None:
        found = _PARSED.get(key)
        if found is not None:
            return found
    ws_id, origins, revision, mode, secret, previous, locale, theme, epoch, companies, hooks = row
    workspace_row = WidgetWorkspace(
        ws_id,
        _json(origins),
        revision,
        mode,
        [s for s in (secret, previous) if s],
        locale,
        _json(theme),
        epoch,
        bool(companies),
        hooks,
    )
    if key is not None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = workspace_row
    return workspace_row


def _json(value: Any) -> Any:
    return json_loads(value) if isinstance(value, str) else value


_new_stat = insert(identity_stat).values(
    workspace_id=bindparam("workspace_id"),
    day=bindparam("day"),
    signed=bindparam("signed"),
    unsigned=bindparam("unsigned"),
    invalid=bindparam("invalid"),
)
# One statement per outcome: each adds one to its own column.
_COUNT_IDENTITY = {
    column: _new_stat.on_conflict_do_update(
        index_elements=["workspace_id", "day"],
        set_={column: getattr(identity_stat.c, column) + 1},
    )
    for column in ("signed", "unsigned", "invalid")
}


def identity_statements(
    workspace: WidgetWorkspace, request: SessionRequest, now: datetime
) -> tuple[list[Statement], bool]:
    """Whether the user's identity is verified, and what to count. Enforce: refuse before
    anything is written. Observe: count the outcome."""
    if workspace.identity_mode == "off":
        return [], False
    check = verify_identity_token(
        request.identity_token, workspace.identity_secrets, request.user_id, request.company_id
    )
    if workspace.identity_mode == "enforce":
        if not check.valid:
            raise NotAuthenticated("identity_required", check.reason)
        return [], True
    column = "signed" if check.valid else "invalid" if check.signed else "unsigned"
    counts = {"signed": 0, "unsigned": 0, "invalid": 0, column: 1}
    params = {"workspace_id": workspace.id, "day": now.date().isoformat(), **counts}
    return [(_COUNT_IDENTITY[column], params)], check.valid


def open_session(
    conn: Connection,
    public_key: str,
    origin: str | None,
    request: SessionRequest,
    cache: PublishedCache,
    progress_cache: ProgressCache,
    *,
    token_secret: str,
    token_ttl: int,
) -> bytes:
    """The session answer, as JSON bytes."""
    row = conn.one(
        IDENTIFY,
        {"user_id": request.user_id, "company_id": request.company_id, "public_key": public_key},
    )
    if row is None:
        raise NotAuthenticated("unauthorized", "unknown public key")
    workspace = widget_workspace(conn, row[:11])
    check_origin(origin, workspace.allowed_origins)
    ws = workspace.id
    now = utcnow()
    writes, verified = identity_statements(workspace, request, now)
    published = cache.get(conn, ws, workspace.content_revision)

    user_traits, user_locale, last_seen, progress_rev, company_traits, member = row[11:]
    stored_user = None
    if last_seen is not None:
        stored_user = StoredUser(_json(user_traits), user_locale, last_seen)
    user, user_writes = identify_user(
        ws, request.user_id, stored_user, request.traits, request.locale, seen=True, now=now
    )
    writes += user_writes
    company: dict[str, Any] | None = None
    company_id = request.company_id
    if company_id is not None and not (verified or workspace.unverified_company_writes):
        # Anyone with the public key can claim to be anyone in an unverified session: the
        # session may speak for a company its user already belongs to (joined through the
        # server API or a verified session), with the company as stored, and change nothing.
        if member is None:
            company_id = None
        else:
            company = {} if company_traits is None else _json(company_traits)
    elif company_id is not None:
        stored_company = None if company_traits is None else _json(company_traits)
        found, company_writes = identify_company(
            ws, company_id, stored_company, request.company_traits, now
        )
        company = found.traits
        writes += company_writes
        if member is None:
            writes.append(membership_insert(ws, request.user_id, company_id, now))

    targeted = published.targeted(user.traits, company)
    progress_key = (ws, request.user_id, progress_rev, published.revision, targeted.count_names)
    kept = None if progress_rev is None else progress_cache.get(progress_key)
    if kept is not None:
        progress = kept
    elif progress_rev is None:
        # No row, so no progress either: whatever stores progress upserts the user with it.
        progress = UserProgress(counts={} if targeted.count_names else None)
    else:
        progress = read_progress(conn, ws, request.user_id, targeted.count_names)
    locale = user.locale or workspace.default_locale
    answer = SessionAnswer(targeted, locale, workspace.default_locale)
    # A progress kept with its encoded answer had nothing to catch up when it was encoded,
    # and catching up depends on nothing else (the counts it needs are kept with it).
    completions = (
        []
        if answer.encoded_in(progress)
        else pending_completions(
            conn, ws, request.user_id, targeted.checklists, progress, published.eval_context
        )
    )
    if completions:
        progress = replace(progress, encoded=None)  # what the cache keeps is never changed
    elif kept is None and progress_rev is not None:
        progress_cache.put(progress_key, progress)
    if writes or completions:
        with conn.transaction():
            run_statements(conn, writes)
            if completions:
                record_completions(
                    conn,
                    ws,
                    request.user_id,
                    completions,
                    progress,
                    {checklist.doc.key: checklist for checklist in targeted.checklists},
                    workspace.webhook_kinds,
                )

    token = widget_token(
        ws,
        request.user_id,
        company_id,
        token_secret,
        token_ttl,
        epoch=workspace.token_epoch,
        verified=verified,
    )
    head = {
        "token": token,
        "expires_in": token_ttl,
        "user": {"id": request.user_id, "company_id": company_id, "locale": locale},
        "workspace": {
            "default_locale": workspace.default_locale,
            "theme": session_theme(workspace.theme, locale, workspace.default_locale),
        },
        "revision": published.revision,
    }
    return answer.encode(head, progress, keep=not completions)
