"""The widget's first call: identify the user and return, in one answer, every published tour
and checklist targeted at them together with their progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from shirube.content import audience_matches
from shirube.errors import ApiError
from shirube.models import IdentityStat, Workspace
from shirube.security.identity import IdentityCheck, verify_identity_token
from shirube.security.widget_tokens import WidgetIdentity, issue_widget_token
from shirube.services.people import add_membership, upsert_company, upsert_user
from shirube.services.progress import (
    catch_up,
    checklist_progress_json,
    load_progress,
    tour_progress_json,
)
from shirube.services.published import PublishedContent
from shirube.services.sql import insert_for


@dataclass(frozen=True)
class SessionRequest:
    user_id: str
    traits: dict[str, Any] | None
    locale: str | None
    company_id: str | None
    company_traits: dict[str, Any] | None
    identity_token: str | None


def identity_secrets(workspace: Workspace) -> list[str]:
    return [s for s in (workspace.identity_secret, workspace.identity_secret_previous) if s]


def check_identity(session: Session, workspace: Workspace, request: SessionRequest) -> None:
    """Enforce: refuse before anything is written. Observe: count the outcome."""
    if workspace.identity_mode == "off":
        return
    check = verify_identity_token(
        request.identity_token, identity_secrets(workspace), request.user_id, request.company_id
    )
    if workspace.identity_mode == "enforce":
        if not check.valid:
            raise ApiError(401, "identity_required", check.reason)
        return
    _count(session, workspace, check)


def _count(session: Session, workspace: Workspace, check: IdentityCheck) -> None:
    column = "signed" if check.valid else "invalid" if check.signed else "unsigned"
    table = IdentityStat.__table__  # type: ignore[attr-defined]
    stmt = insert_for(session, IdentityStat)
    stmt = stmt.on_conflict_do_update(
        index_elements=["workspace_id", "day"],
        set_={column: table.c[column] + 1},
    )
    row = {
        "workspace_id": workspace.id,
        "day": datetime.now(UTC).date().isoformat(),
        "signed": 0,
        "unsigned": 0,
        "invalid": 0,
    }
    row[column] = 1
    session.connection().execute(stmt, row)


def open_session(
    session: Session,
    workspace: Workspace,
    request: SessionRequest,
    published: PublishedContent,
    *,
    token_secret: str,
    token_ttl: int,
) -> dict[str, Any]:
    assert workspace.id is not None
    ws = workspace.id
    check_identity(session, workspace, request)
    user = upsert_user(session, ws, request.user_id, request.traits, request.locale)
    company_traits: dict[str, Any] | None = None
    if request.company_id is not None:
        company = upsert_company(session, ws, request.company_id, request.company_traits)
        add_membership(session, ws, request.user_id, request.company_id)
        company_traits = company.traits
    locale = user.locale or workspace.default_locale
    default_locale = workspace.default_locale

    tours = [
        t
        for t in published.tours.values()
        if audience_matches(t.doc.audience, user.traits, company_traits)
    ]
    checklists = [
        c
        for c in published.checklists.values()
        if audience_matches(c.doc.audience, user.traits, company_traits)
    ]
    progress = load_progress(session, ws, request.user_id)
    catch_up(session, ws, request.user_id, checklists, progress)

    token = issue_widget_token(
        WidgetIdentity(ws, request.user_id, request.company_id), token_secret, token_ttl
    )
    return {
        "token": token,
        "expires_in": token_ttl,
        "user": {"id": request.user_id, "company_id": request.company_id, "locale": locale},
        "workspace": {"default_locale": default_locale, "theme": workspace.theme},
        "revision": published.revision,
        "tours": [
            {
                **tour.localized(locale, default_locale),
                "progress": tour_progress_json(progress.tours.get(tour.doc.key)),
            }
            for tour in tours
        ],
        "checklists": [
            {
                **checklist.localized(locale, default_locale),
                "progress": checklist_progress_json(checklist, progress),
            }
            for checklist in checklists
        ],
    }
