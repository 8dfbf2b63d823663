"""Server API for end users and companies: upsert with traits, read, read progress."""

from __future__ import annotations

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from shirube.api.auth import server_workspace
from shirube.api.request_body import read_model, validate_as_path_id
from shirube.api.routing import get_context, route
from shirube.jsonresponse import JSONResponse
from shirube.services import people
from shirube.services.event_schema import ExternalId, Locale, Traits
from shirube.services.progress import user_progress
from shirube.validation import Strict


class UserBody(Strict):
    traits: Traits | None = None
    locale: Locale | None = None
    company_ids: list[ExternalId] = Field(default_factory=list, max_length=100)


class CompanyBody(Strict):
    traits: Traits | None = None


async def put_user(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    user_id = validate_as_path_id(request.path_params["user_id"], "user_id")
    body = await read_model(request, UserBody, ctx.settings.max_body_bytes)
    result, created = await ctx.db.run(
        lambda conn: people.put_user(
            conn, workspace.id, user_id, body.traits, body.locale, body.company_ids
        )
    )
    return JSONResponse(result, status_code=201 if created else 200)


async def get_user(request: Request) -> Response:
    workspace = await server_workspace(request)
    user_id = request.path_params["user_id"]
    return JSONResponse(
        await get_context(request).db.run(
            lambda conn: people.describe_user(conn, workspace.id, user_id), transaction=False
        )
    )


async def put_company(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    company_id = validate_as_path_id(request.path_params["company_id"], "company_id")
    body = await read_model(request, CompanyBody, ctx.settings.max_body_bytes)
    result, created = await ctx.db.run(
        lambda conn: people.put_company(conn, workspace.id, company_id, body.traits)
    )
    return JSONResponse(result, status_code=201 if created else 200)


async def get_company(request: Request) -> Response:
    workspace = await server_workspace(request)
    company_id = request.path_params["company_id"]
    return JSONResponse(
        await get_context(request).db.run(
            lambda conn: people.describe_company(conn, workspace.id, company_id),
            transaction=False,
        )
    )


async def get_user_progress(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    user_id = request.path_params["user_id"]
    return JSONResponse(
        await ctx.db.run(lambda conn: user_progress(conn, ctx.published, workspace, user_id))
    )


routes = [
    route("/api/v1/users/{user_id}", GET=get_user, PUT=put_user),
    route("/api/v1/users/{user_id}/progress", GET=get_user_progress),
    route("/api/v1/companies/{company_id}", GET=get_company, PUT=put_company),
]
