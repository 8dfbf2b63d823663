"""The widget's first call: identify the user and return, in one answer, every published tour
and checklist targeted at them together with their progress.

Built for the hot path (docs/architecture.md, "One request to start"): one or two reads
(workspace, user, company and membership in one; all progress in the other, unless this process
keeps the user's progress at its stored revision: services/progress_cache.py), a write
transaction only when something changed, and an answer spliced from JSON encoded once per
content version and locale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, NamedTuple

from shirube.errors import ApiError
from shirube.jsonresponse import dumps
from shirube.security.identity import verify_identity_token
from shirube.services.people import (
    Statement,
    StoredUser,
    identify_company,
    identify_user,
    membership_insert,
    run_statements,
)
from shirube.services.progress import (
    UserProgress,
    checklist_progress_json,
    pending_completions,
    read_progress,
    record_completions,
    tour_progress_json,
)
from shirube.services.progress_cache import ProgressCache
from shirube.services.published import PROGRESS, PublishedCache
from shirube.services.session_token import issue_session_token
from shirube.services.sql import Raw, write_transaction
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


def check_origin(origin: str | None, allowed: Sequence[str]) -> None:
    if origin is None:
        raise ApiError(403, "origin_not_allowed", "the widget API needs an Origin header")
    if origin.rstrip("/") not in allowed and "*" not in allowed:
        raise ApiError(
            403,
            "origin_not_allowed",
            f"origin {origin} is not among this workspace's allowed origins",
        )


_WORKSPACE_COLUMNS = (
    "w.id, w.allowed_origins, w.content_revision, w.identity_mode, w.identity_secret,"
    " w.identity_secret_previous, w.default_locale, w.theme"
)
WORKSPACE_BY_ID = f"SELECT {_WORKSPACE_COLUMNS} FROM workspace w WHERE w.id = ?"
# Everything identify needs in one statement (one round trip on PostgreSQL).
IDENTIFY = (
    f"SELECT {_WORKSPACE_COLUMNS}, u.traits, u.locale, u.last_seen_at, u.progress_rev,"
    " c.traits, m.company_id"
    " FROM workspace w"
    " LEFT JOIN end_user u ON u.workspace_id = w.id AND u.external_id = ?"
    " LEFT JOIN company c ON c.workspace_id = w.id AND c.external_id = ?"
    " LEFT JOIN membership m ON m.workspace_id = w.id AND m.user_id = ? AND m.company_id = ?"
    " WHERE w.public_key = ?"
)
# Parsed workspace rows by their stored values (SQLite gives hashable text): parsing the
# JSON columns on every call would cost more than reading them.
_PARSED: dict[tuple[Any, ...], WidgetWorkspace] = {}
_PARSED_MAX = 1024


def widget_workspace(raw: Raw, row: Sequence[Any]) -> WidgetWorkspace:
    key = tuple(row) if raw.is_sqlite else None
    if key is not None:
        found = _PARSED.get(key)
        if found is not None:
            return found
    ws_id, origins, revision, mode, secret, previous, locale, theme = row
    workspace = WidgetWorkspace(
        ws_id,
        raw.json_in(origins),
        revision,
        mode,
        [s for s in (secret, previous) if s],
        locale,
        raw.json_in(theme),
    )
    if key is not None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = workspace
    return workspace


def identity_statements(
    workspace: WidgetWorkspace, request: SessionRequest, now: datetime
) -> list[Statement]:
    """Enforce: refuse before anything is written. Observe: count the outcome."""
    if workspace.identity_mode == "off":
        return []
    check = verify_identity_token(
        request.identity_token, workspace.identity_secrets, request.user_id, request.company_id
    )
    if workspace.identity_mode == "enforce":
        if not check.valid:
            raise ApiError(401, "identity_required", check.reason)
        return []
    column = "signed" if check.valid else "invalid" if check.signed else "unsigned"
    counts = {"signed": 0, "unsigned": 0, "invalid": 0, column: 1}
    params = (workspace.id, now.date().isoformat(), *counts.values())
    return [
        (
            "INSERT INTO identity_stat (workspace_id, day, signed, unsigned, invalid)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (workspace_id, day)"
            f" DO UPDATE SET {column} = identity_stat.{column} + 1",
            params,
        )
    ]


def open_session(
    raw: Raw,
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
    row = raw.one(
        IDENTIFY,
        (request.user_id, request.company_id, request.user_id, request.company_id, public_key),
    )
    if row is None:
        raise ApiError(401, "unauthorized", "unknown public key")
    workspace = widget_workspace(raw, row[:8])
    check_origin(origin, workspace.allowed_origins)
    ws = workspace.id
    now = utcnow()
    writes = identity_statements(workspace, request, now)
    published = cache.get_raw(raw, ws, workspace.content_revision)

    user_traits, user_locale, last_seen, progress_rev, company_traits, member = row[8:]
    stored_user = None
    if last_seen is not None:
        seen_at = raw.dt_in(last_seen)
        assert seen_at is not None
        stored_user = StoredUser(raw.json_in(user_traits), user_locale, seen_at)
    user, user_writes = identify_user(
        ws, request.user_id, stored_user, request.traits, request.locale, seen=True, now=now
    )
    writes += user_writes
    company: dict[str, Any] | None = None
    if request.company_id is not None:
        stored_company = None if company_traits is None else raw.json_in(company_traits)
        found, company_writes = identify_company(
            ws, request.company_id, stored_company, request.company_traits, now
        )
        company = found.traits
        writes += company_writes
        if member is None:
            writes.append(membership_insert(raw, ws, request.user_id, request.company_id, now))

    tours, checklists, count_names = published.targeted(user.traits, company)
    progress_key = (ws, request.user_id, progress_rev, published.revision, count_names)
    kept = None if progress_rev is None else progress_cache.get(progress_key)
    if kept is not None:
        progress = kept
    elif progress_rev is None:
        # No row, so no progress either: whatever stores progress upserts the user with it.
        progress = UserProgress(counts={} if count_names else None)
    else:
        progress = read_progress(raw, ws, request.user_id, count_names)
    completions = pending_completions(raw, ws, request.user_id, checklists, progress)
    if completions:
        progress = replace(progress)  # what the cache keeps is never changed
    elif kept is None and progress_rev is not None:
        progress_cache.put(progress_key, progress)
    if writes or completions:
        with write_transaction(raw):
            run_statements(raw, writes)
            if completions:
                record_completions(raw, ws, request.user_id, completions, progress)

    locale = user.locale or workspace.default_locale
    default_locale = workspace.default_locale
    token = issue_session_token(ws, request.user_id, request.company_id, token_secret, token_ttl)
    head = dumps(
        {
            "token": token,
            "expires_in": token_ttl,
            "user": {"id": request.user_id, "company_id": request.company_id, "locale": locale},
            "workspace": {"default_locale": default_locale, "theme": workspace.theme},
            "revision": published.revision,
        }
    )
    # One join of bytes encoded once per version and locale with this user's progress: the
    # 20 KB answer is copied once (joining per list first copied it twice).
    parts = [head[:-1], b',"tours":[']
    separator = b""
    for tour in tours:
        tour_row = progress.tours.get(tour.doc.key)
        if tour_row is None:
            parts += (separator, tour.not_started_json(locale, default_locale))
        else:
            progress_json = dumps(tour_progress_json(tour_row))
            parts += (separator, tour.opened_json(locale, default_locale), PROGRESS, progress_json)
            parts.append(b"}")
        separator = b","
    parts.append(b'],"checklists":[')
    separator = b""
    for checklist in checklists:
        progress_json = dumps(checklist_progress_json(checklist, progress))
        parts += (separator, checklist.opened_json(locale, default_locale), PROGRESS, progress_json)
        parts.append(b"}")
        separator = b","
    parts.append(b"]}")
    return b"".join(parts)
