"""Server API for end users and companies: upsert with traits, read, read progress."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.auth import server_workspace
from shirube.api.routing import route
from shirube.context import get_context
from shirube.errors import not_found
from shirube.jsonresponse import JSONResponse
from shirube.models import Company, EndUser
from shirube.services.event_schema import ExternalId, Locale, Traits
from shirube.services.people import add_membership, upsert_company, upsert_user, user_companies
from shirube.services.progress import (
    catch_up,
    checklist_progress_json,
    load_progress,
    steps_seen,
    tour_progress_json,
)
from shirube.timeutil import isoformat
from shirube.validation import Strict, read_model, validate_as_path_id


class UserBody(Strict):
    traits: Traits | None = None
    locale: Locale | None = None
    company_ids: list[ExternalId] = Field(default_factory=list, max_length=100)


class CompanyBody(Strict):
    traits: Traits | None = None


def _user_json(user: EndUser, companies: list[str]) -> dict[str, Any]:
    return {
        "id": user.external_id,
        "traits": user.traits,
        "locale": user.locale,
        "company_ids": sorted(companies),
        "first_seen_at": isoformat(user.first_seen_at),
        "last_seen_at": isoformat(user.last_seen_at),
    }


def _company_json(company: Company) -> dict[str, Any]:
    return {
        "id": company.external_id,
        "traits": company.traits,
        "created_at": isoformat(company.created_at),
        "updated_at": isoformat(company.updated_at),
    }


async def put_user(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    user_id = validate_as_path_id(request.path_params["user_id"], "user_id")
    body = await read_model(request, UserBody, ctx.settings.max_body_bytes)
    ws = workspace.id
    assert ws is not None

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        existed = session.get(EndUser, (ws, user_id)) is not None
        upsert_user(session, ws, user_id, body.traits, body.locale, seen=False)
        for company_id in body.company_ids:
            upsert_company(session, ws, company_id, None)
            add_membership(session, ws, user_id, company_id)
        session.flush()
        user = session.get(EndUser, (ws, user_id))
        assert user is not None
        session.refresh(user)
        return _user_json(user, user_companies(session, ws, user_id)), not existed

    result, created = await ctx.db.run(work)
    return JSONResponse(result, status_code=201 if created else 200)


async def get_user(request: Request) -> Response:
    workspace = await server_workspace(request)
    user_id = request.path_params["user_id"]
    ws = workspace.id
    assert ws is not None

    def work(session: Session) -> dict[str, Any]:
        user = session.get(EndUser, (ws, user_id))
        if user is None:
            raise not_found("user")
        return _user_json(user, user_companies(session, ws, user_id))

    return JSONResponse(await get_context(request).db.run(work))


async def put_company(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    company_id = validate_as_path_id(request.path_params["company_id"], "company_id")
    body = await read_model(request, CompanyBody, ctx.settings.max_body_bytes)
    ws = workspace.id
    assert ws is not None

    def work(session: Session) -> tuple[dict[str, Any], bool]:
        existed = session.get(Company, (ws, company_id)) is not None
        upsert_company(session, ws, company_id, body.traits)
        session.flush()
        company = session.get(Company, (ws, company_id))
        assert company is not None
        session.refresh(company)
        return _company_json(company), not existed

    result, created = await ctx.db.run(work)
    return JSONResponse(result, status_code=201 if created else 200)


async def get_company(request: Request) -> Response:
    workspace = await server_workspace(request)
    company_id = request.path_params["company_id"]
    ws = workspace.id
    assert ws is not None

    def work(session: Session) -> dict[str, Any]:
        company = session.get(Company, (ws, company_id))
        if company is None:
            raise not_found("company")
        return _company_json(company)

    return JSONResponse(await get_context(request).db.run(work))


async def get_user_progress(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    user_id = request.path_params["user_id"]
    ws, revision = workspace.id, workspace.content_revision
    assert ws is not None

    def work(session: Session) -> dict[str, Any]:
        if session.get(EndUser, (ws, user_id)) is None:
            raise not_found("user")
        published = ctx.published.get(session, ws, revision)
        progress = load_progress(session, ws, user_id)
        # Same answer as the widget gets: items whose rules stored events meet count as done.
        catch_up(session, ws, user_id, published.checklists.values(), progress)
        seen = steps_seen(session, ws, user_id)
        tour_keys = sorted(set(progress.tours) | set(published.tours))
        return {
            "user_id": user_id,
            "tours": [
                {
                    "key": key,
                    **tour_progress_json(progress.tours.get(key)),
                    "steps_seen": seen.get(key, {}),
                }
                for key in tour_keys
            ],
            "checklists": [
                {"key": key, **checklist_progress_json(checklist, progress)}
                for key, checklist in sorted(published.checklists.items())
            ],
        }

    return JSONResponse(await ctx.db.run(work))


routes = [
    route("/api/v1/users/{user_id}", GET=get_user, PUT=put_user),
    Route("/api/v1/users/{user_id}/progress", get_user_progress, methods=["GET"]),
    route("/api/v1/companies/{company_id}", GET=get_company, PUT=put_company),
]
