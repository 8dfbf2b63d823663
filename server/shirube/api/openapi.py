"""`GET /api/v1/openapi.json`: an OpenAPI 3.1 description of every endpoint.

Request schemas come from the same pydantic models that validate the requests; a test checks
that every route of the app is described here and nothing else is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from shirube import __version__
from shirube.api import (
    analytics,
    analytics_answers,
    answers,
    transfer,
    webhooks,
    workspace_settings,
)
from shirube.api.builder import BuilderBody, BuilderSaveBody
from shirube.api.content import DRAFT_REVISION, RollbackBody
from shirube.api.people import CompanyBody, UserBody
from shirube.api.query import Mapping, QueryParam
from shirube.api.routing import route
from shirube.api.webhooks import WebhookEndpointBody, WebhookEndpointPatch
from shirube.api.widget import SessionBody
from shirube.content import ChecklistDoc, ContentDocument, TourDoc
from shirube.content.goal import GoalDoc
from shirube.content.resource_center import ResourceCenterDoc
from shirube.jsonresponse import JSONResponse
from shirube.services.event_schema import ServerEventBatch, WidgetEventBatch
from shirube.services.workspace_settings import WorkspacePatch


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    # None: no auth; "widget": public key + Origin; "grant": the builder's edit grant + Origin
    auth: str | None = "secretKey"
    body: type[BaseModel] | None = None
    # Every success status the route answers (a PUT that creates answers 201).
    statuses: tuple[int, ...] = (200,)
    # Statuses outside 2xx and 4xx the route answers by design (not the 500 of a fault).
    unavailable: bool = False
    query: tuple[QueryParam, ...] = field(default_factory=tuple)
    # Whether `format=csv` (or Accept: text/csv) answers the rows as CSV too.
    csv: bool = False


_CONTENT: dict[str, type[BaseModel]] = {
    "tours": TourDoc,
    "checklists": ChecklistDoc,
    "goals": GoalDoc,
    "resource_centers": ResourceCenterDoc,
}

OPERATIONS: list[Operation] = [
    Operation("get", "/healthz", "Liveness: whether this instance answers", "ops", None),
    Operation(
        "get",
        "/readyz",
        "Readiness: whether the database answers",
        "ops",
        None,
        unavailable=True,
    ),
    Operation("get", "/api/v1/openapi.json", "This document", "ops", None),
    Operation(
        "post",
        "/api/v1/events",
        "Ingest a batch of events (idempotent by id)",
        "events",
        body=ServerEventBatch,
    ),
    Operation(
        "post",
        "/api/v1/widget/session",
        "Identify the user; get targeted published content and progress",
        "widget",
        "widget",
        SessionBody,
    ),
    Operation(
        "post",
        "/api/v1/widget/events",
        "Send the widget's events",
        "widget",
        "widget",
        WidgetEventBatch,
    ),
    Operation(
        "post",
        "/api/v1/widget/builder/draft",
        "Visual builder: read the tour's draft (edit grant)",
        "widget",
        "grant",
        BuilderBody,
    ),
    Operation(
        "post",
        "/api/v1/widget/builder/save",
        "Visual builder: save the tour's draft (edit grant)",
        "widget",
        "grant",
        BuilderSaveBody,
    ),
    Operation("get", "/api/v1/users/{user_id}", "Read an end user", "people"),
    Operation(
        "put",
        "/api/v1/users/{user_id}",
        "Create (201) or update (200) an end user (traits merge)",
        "people",
        body=UserBody,
        statuses=(200, 201),
    ),
    Operation("get", "/api/v1/users/{user_id}/progress", "Read one user's progress", "people"),
    Operation("get", "/api/v1/companies/{company_id}", "Read a company", "people"),
    Operation(
        "put",
        "/api/v1/companies/{company_id}",
        "Create (201) or update (200) a company",
        "people",
        body=CompanyBody,
        statuses=(200, 201),
    ),
    Operation("get", "/api/v1/content/export", "Export all tours and checklists", "content"),
    Operation(
        "post",
        "/api/v1/content/import",
        "Import a content document (all or nothing)",
        "content",
        body=ContentDocument,
        query=(transfer.PUBLISH,),
    ),
    Operation("get", "/api/v1/workspace", "Read workspace settings", "workspace"),
    Operation(
        "patch", "/api/v1/workspace", "Change workspace settings", "workspace", body=WorkspacePatch
    ),
    Operation(
        "post",
        "/api/v1/workspace/identity-secret/rotate",
        "Rotate the identity secret (the previous one stays valid)",
        "workspace",
        query=(workspace_settings.FINISH,),
    ),
    Operation(
        "get",
        "/api/v1/workspace/identity-stats",
        "Signed / unsigned / invalid widget sessions per day",
        "workspace",
        query=(workspace_settings.DAYS,),
    ),
]
_HOOK = "/api/v1/webhooks/{endpoint_id}"
OPERATIONS += [
    Operation("get", "/api/v1/webhooks", "List webhook endpoints", "webhooks"),
    Operation(
        "post",
        "/api/v1/webhooks",
        "Register a webhook endpoint (its secret is returned this once)",
        "webhooks",
        body=WebhookEndpointBody,
        statuses=(201,),
    ),
    Operation("get", _HOOK, "Read a webhook endpoint", "webhooks"),
    Operation(
        "patch",
        _HOOK,
        "Change a webhook endpoint (url, kinds, description, enabled)",
        "webhooks",
        body=WebhookEndpointPatch,
    ),
    Operation(
        "delete", _HOOK, "Delete a webhook endpoint and its log", "webhooks", statuses=(204,)
    ),
    Operation(
        "post",
        _HOOK + "/secret/rotate",
        "Rotate the signing secret (the previous one signs too for 24 h, or until finish)",
        "webhooks",
        query=(webhooks.FINISH,),
    ),
    Operation(
        "get",
        _HOOK + "/deliveries",
        "The delivery log, newest first",
        "webhooks",
        query=webhooks.LOG_QUERY,
    ),
    Operation(
        "get",
        _HOOK + "/deliveries/{delivery_id}",
        "One delivery: payload and attempts",
        "webhooks",
    ),
    Operation(
        "post",
        _HOOK + "/deliveries/{delivery_id}/resend",
        "Send a delivery again now (same webhook-id)",
        "webhooks",
        statuses=(202,),
    ),
]
OPERATIONS += [
    Operation("get", _path, _summary, "analytics", query=_query, csv=_csv)
    for _path, _, _summary, _query, _csv in analytics.ENDPOINTS
]
for _plural, _model in _CONTENT.items():
    _item = f"/api/v1/{_plural}/{{key}}"
    OPERATIONS += [
        Operation("get", f"/api/v1/{_plural}", f"List {_plural}", _plural),
        Operation(
            "post",
            f"/api/v1/{_plural}",
            f"Create a {_plural[:-1]} draft",
            _plural,
            body=_model,
            statuses=(201,),
        ),
        Operation("get", _item, f"Read a {_plural[:-1]} and its draft", _plural),
        Operation(
            "put",
            _item,
            f"Create (201) or replace (200) a {_plural[:-1]} draft",
            _plural,
            body=_model,
            statuses=(200, 201),
            query=(DRAFT_REVISION,),
        ),
        Operation("delete", _item, f"Delete a {_plural[:-1]}", _plural, statuses=(204,)),
        Operation("post", _item + "/publish", "Publish the draft as a new version", _plural),
        Operation("post", _item + "/unpublish", "Stop showing it to end users", _plural),
        Operation("get", _item + "/versions", "List published versions", _plural),
        Operation("get", _item + "/versions/{version}", "Read one published version", _plural),
        Operation(
            "post", _item + "/rollback", "Republish an earlier version", _plural, body=RollbackBody
        ),
    ]

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "fields", "request_id"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "request_id": {
                    "type": "string",
                    "description": "The request's id, also in the X-Request-Id header: quote "
                    "it to find the server's log lines of the request.",
                },
                "fields": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {"path": {"type": "string"}, "message": {"type": "string"}},
                    },
                },
            },
        }
    },
}


_ANSWERS = answers.ANSWERS | analytics_answers.ANSWERS
_SUCCESS = {200: "Success", 201: "Created", 202: "Accepted", 204: "Done; no content"}
_INTEGER_PARAMS = frozenset({"version", "endpoint_id", "delivery_id"})


def _operation(op: Operation, schemas: dict[str, Any]) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if name in _INTEGER_PARAMS else "string"},
        }
        for name in _path_params(op.path)
    ]
    parameters += [
        {
            "name": param.name,
            "in": "query",
            "required": getattr(param, "required", False),
            "description": param.description,
            "schema": param.json_schema(),
            # `user[role]=admin` (api/query.Mapping).
            **({"style": "deepObject", "explode": True} if isinstance(param, Mapping) else {}),
        }
        for param in op.query
    ]
    responses: dict[str, Any] = {}
    for status in op.statuses:
        success: dict[str, Any] = {"description": _SUCCESS.get(status, "Success")}
        if status != 204:
            schema = _ANSWERS.get((op.method, op.path), answers.OBJECT)
            success["content"] = {"application/json": {"schema": schema}}
            if op.csv:
                success["content"]["text/csv"] = {"schema": {"type": "string"}}
        responses[str(status)] = success
    if op.unavailable:
        responses["503"] = {
            "description": "The database does not answer",
            "content": {"application/json": {"schema": answers.READY}},
        }
    elif op.auth is not None:
        # Every authenticated operation reads the database (its key, at least).
        responses["503"] = {
            "description": (
                "database_busy: a lock another process holds outlasted the wait; nothing "
                "stored; send the same request again after Retry-After seconds"
            ),
            "headers": {"Retry-After": {"schema": {"type": "integer"}}},
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    result: dict[str, Any] = {
        "summary": op.summary,
        "tags": [op.tag],
        "operationId": f"{op.method}_{op.path.strip('/').replace('/', '_')}".replace("{", "")
        .replace("}", "")
        .replace(".", "_")
        .replace("-", "_"),
        "responses": {
            **responses,
            "4XX": {
                "description": "Client error",
                "headers": {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        },
    }
    if parameters:
        result["parameters"] = parameters
    if op.auth == "secretKey":
        result["security"] = [{"secretKey": []}]
    elif op.auth == "widget":
        result["description"] = (
            "Authenticated by the workspace public key (session) or the session token (events), "
            "and by the Origin header, which must be one of the workspace's allowed origins."
        )
    elif op.auth == "grant":
        result["description"] = (
            "Authenticated by an edit grant the console minted (15 minutes, one admin, one "
            "workspace, one tour, one origin) and the Origin header, which must be the grant's. "
            "401 grant_invalid, grant_expired, grant_revoked; 403 grant_wrong_origin, "
            "grant_wrong_workspace, grant_wrong_tour. Validation errors name paths inside "
            "`draft`."
        )
    if op.body is not None:
        name = op.body.__name__
        if name not in schemas:
            schema = op.body.model_json_schema(ref_template="#/components/schemas/{model}")
            for def_name, definition in schema.pop("$defs", {}).items():
                schemas.setdefault(def_name, definition)
            schemas[name] = schema
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    return result


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


@functools.cache
def build_openapi() -> dict[str, Any]:
    schemas: dict[str, Any] = {"Error": _ERROR}
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Shirube API",
            "version": __version__,
            "description": "Onboarding tours, checklists and progress. See docs/api.md.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "headers": {
                "RequestId": {
                    "description": "Every answer's request id: the client's X-Request-Id when "
                    "it is 1-64 of A-Z a-z 0-9 . _ -, a new one otherwise.",
                    "schema": {"type": "string"},
                }
            },
            "securitySchemes": {
                "secretKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The workspace secret key, sk_…",
                },
            },
        },
    }


async def openapi(request: Request) -> Response:
    return JSONResponse(build_openapi())


routes = [route("/api/v1/openapi.json", GET=openapi)]
