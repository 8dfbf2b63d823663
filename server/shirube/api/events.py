"""`POST /api/v1/events`: the host backend's batches of events (imports included).

An unknown key is refused before anything about the body is said, with the answers of every
other server API route (`api.auth`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from shirube.api.auth import secret_key, unknown_secret_key
from shirube.api.batch_metrics import count_refused, count_stored
from shirube.api.errors import ApiError
from shirube.api.request_body import read_model
from shirube.api.routing import get_context, route
from shirube.errors import DomainError, NotAuthenticated
from shirube.jsonresponse import JSONResponse
from shirube.security.keys import hash_secret_key
from shirube.services.event_schema import ServerEventBatch, check_events
from shirube.services.ingest import NewEvent, ingest_server_batch, server_workspace_id


async def post_events(request: Request) -> Response:
    key_hash = hash_secret_key(secret_key(request))
    ctx = get_context(request)
    read = 0  # events read from the body: refused if the batch is
    try:
        try:
            batch = await read_model(request, ServerEventBatch, ctx.settings.max_body_bytes)
            read = len(batch.events)
            check_events(batch.events)
        except (ApiError, DomainError):
            await ctx.db.run(
                lambda conn: server_workspace_id(conn, key_hash), transaction=False, hot=True
            )
            raise
        events = [
            NewEvent(e.id, e.name, e.user_id, e.company_id, e.properties, e.timestamp)
            for e in batch.events
        ]
        result = await ingest_server_batch(ctx, key_hash, events)
    except NotAuthenticated:
        count_refused(ctx, "server", read)
        raise unknown_secret_key() from None
    except Exception:
        count_refused(ctx, "server", read)
        raise
    count_stored(ctx, request.scope, "server", events, result)
    return JSONResponse(result.as_json())


routes = [route("/api/v1/events", POST=post_events)]
