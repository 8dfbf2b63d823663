"""`POST /api/v1/events`: the host backend's batches of events (imports included)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.auth import server_workspace
from shirube.context import get_context
from shirube.jsonresponse import JSONResponse
from shirube.services.event_schema import ServerEventBatch, check_events
from shirube.services.ingest import IngestResult, NewEvent, ingest_batch
from shirube.services.sql import Raw, write_transaction
from shirube.validation import read_model


async def post_events(request: Request) -> Response:
    workspace = await server_workspace(request)
    ctx = get_context(request)
    batch = await read_model(request, ServerEventBatch, ctx.settings.max_body_bytes)
    check_events(batch.events)
    events = [
        NewEvent(e.id, e.name, e.user_id, e.company_id, e.properties, e.timestamp)
        for e in batch.events
    ]
    assert workspace.id is not None
    workspace_id, revision = workspace.id, workspace.content_revision

    def work(raw: Raw) -> IngestResult:
        published = ctx.published.get_raw(raw, workspace_id, revision)
        with write_transaction(raw):
            return ingest_batch(raw, workspace_id, events, "server", published)

    result = await ctx.db.run_raw(work)
    return JSONResponse(result.as_json())


routes = [Route("/api/v1/events", post_events, methods=["POST"])]
