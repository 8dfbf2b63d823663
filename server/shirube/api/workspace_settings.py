"""Server API for the workspace itself: settings, identity-secret rotation, identity coverage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints
from sqlmodel import Session, col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.auth import server_workspace
from shirube.api.routing import route
from shirube.context import get_context
from shirube.errors import ApiError
from shirube.jsonresponse import JSONResponse
from shirube.models import IdentityStat, Workspace
from shirube.security.keys import new_identity_secret
from shirube.services.event_schema import Locale
from shirube.services.workspaces import bump_content_revision
from shirube.validation import Strict, read_model


def _origin(value: str) -> str:
    if value == "*":
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("must be an origin such as https://app.example.com, or *")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError("must be an origin only: scheme, host and port, no path")
    return f"{parts.scheme}://{parts.netloc.lower()}"


Origin = Annotated[str, StringConstraints(max_length=300), AfterValidator(_origin)]


class Theme(Strict):
    brand_color: Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")] | None = None
    # No ; { } < >: the value ends up in a CSS declaration inside the widget's shadow root.
    font_family: (
        Annotated[str, StringConstraints(max_length=200, pattern=r"^[^;{}<>]*$")] | None
    ) = None
    launcher_position: Literal["bottom-right", "bottom-left", "top-right", "top-left"] | None = None


class WorkspacePatch(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    allowed_origins: list[Origin] | None = Field(default=None, max_length=50)
    identity_mode: Literal["off", "observe", "enforce"] | None = None
    default_locale: Locale | None = None
    theme: Theme | None = None


def workspace_json(workspace: Workspace) -> dict[str, Any]:
    return {
        "id": workspace.id,
        "name": workspace.name,
        "public_key": workspace.public_key,
        "secret_key_hint": workspace.secret_key_hint,
        "identity_mode": workspace.identity_mode,
        "identity_secret_rotating": workspace.identity_secret_previous is not None,
        "allowed_origins": workspace.allowed_origins,
        "default_locale": workspace.default_locale,
        "theme": workspace.theme,
        "content_revision": workspace.content_revision,
    }


async def get_workspace(request: Request) -> Response:
    return JSONResponse(workspace_json(await server_workspace(request)))


async def patch_workspace(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    patch = await read_model(request, WorkspacePatch, ctx.settings.max_body_bytes)

    def work(session: Session) -> dict[str, Any]:
        row = session.get(Workspace, workspace.id)
        assert row is not None
        changes = patch.model_dump(exclude_unset=True, exclude_none=True)
        if "theme" in changes:
            changes["theme"] = patch.theme.model_dump(exclude_none=True) if patch.theme else {}
        if "allowed_origins" in changes:
            changes["allowed_origins"] = sorted(set(changes["allowed_origins"]))
        for name, value in changes.items():
            setattr(row, name, value)
        session.add(row)
        session.flush()
        if {"theme", "default_locale"} & changes.keys():
            # The widget's cached session answers include theme and locale fallbacks.
            assert row.id is not None
            bump_content_revision(session, row.id)
            session.refresh(row)
        return workspace_json(row)

    return JSONResponse(await ctx.db.run(work))


async def rotate_identity_secret(request: Request) -> Response:
    """Issue a new identity secret; the old one stays valid until the next rotation (or until
    `finish` is called), so host backends can switch over without a window of failures."""
    workspace = await server_workspace(request)
    finish = request.query_params.get("finish") == "true"

    def work(session: Session) -> dict[str, Any]:
        row = session.get(Workspace, workspace.id)
        assert row is not None
        if finish:
            row.identity_secret_previous = None
            session.add(row)
            return {"identity_secret_rotating": False}
        row.identity_secret_previous = row.identity_secret
        row.identity_secret = new_identity_secret()
        session.add(row)
        return {"identity_secret": row.identity_secret, "identity_secret_rotating": True}

    return JSONResponse(await get_context(request).db.run(work))


async def identity_stats(request: Request) -> Response:
    workspace = await server_workspace(request)
    raw_days = request.query_params.get("days", "30")
    # isascii(): isdigit() alone takes "²", which int() refuses (a 500).
    if not (raw_days.isascii() and raw_days.isdigit() and len(raw_days) <= 3) or not (
        1 <= int(raw_days) <= 366
    ):
        raise ApiError(400, "bad_request", "query parameter days must be between 1 and 366")
    since = (datetime.now(UTC) - timedelta(days=int(raw_days) - 1)).date().isoformat()

    def work(session: Session) -> dict[str, Any]:
        rows = session.exec(
            select(IdentityStat)
            .where(IdentityStat.workspace_id == workspace.id, col(IdentityStat.day) >= since)
            .order_by(col(IdentityStat.day))
        ).all()
        total = sum(r.signed + r.unsigned + r.invalid for r in rows)
        signed = sum(r.signed for r in rows)
        return {
            "identity_mode": workspace.identity_mode,
            "days": [
                {"day": r.day, "signed": r.signed, "unsigned": r.unsigned, "invalid": r.invalid}
                for r in rows
            ],
            "coverage": round(signed / total, 4) if total else None,
        }

    return JSONResponse(await get_context(request).db.run(work))


routes = [
    route("/api/v1/workspace", GET=get_workspace, PATCH=patch_workspace),
    Route("/api/v1/workspace/identity-secret/rotate", rotate_identity_secret, methods=["POST"]),
    Route("/api/v1/workspace/identity-stats", identity_stats, methods=["GET"]),
]
