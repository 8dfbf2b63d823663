"""`POST /api/v1/events`: the host backend's batches of events (imports included).

The secret key is looked up in the same database call as the ingestion where that call goes
to a thread (one hop), and just before joining a group commit where the work runs on the event
loop (a few microseconds); the answers for a missing or unknown key are
those of every other server API route (`api.auth`).
"""

from __future__ import annotations

from collections.abc import Hashable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.api.auth import secret_key, unknown_secret_key
from shirube.context import get_context
from shirube.errors import ApiError
from shirube.jsonresponse import JSONResponse
from shirube.security.keys import hash_secret_key
from shirube.services.event_schema import ServerEventBatch, check_events
from shirube.services.ingest import IngestResult, NewEvent, ingest_batch
from shirube.services.published import current_content
from shirube.services.sql import Raw, write_transaction
from shirube.validation import read_model

_BY_SECRET_HASH = "SELECT id FROM workspace WHERE secret_key_hash = ?"


def _workspace(raw: Raw, key_hash: str) -> int:
    """Id of the workspace whose secret key hashes to `key_hash`."""
    row = raw.one(_BY_SECRET_HASH, (key_hash,))
    if row is None:
        raise unknown_secret_key()
    return int(row[0])


async def post_events(request: Request) -> Response:
    key_hash = hash_secret_key(secret_key(request))
    ctx = get_context(request)
    try:
        batch = await read_model(request, ServerEventBatch, ctx.settings.max_body_bytes)
        check_events(batch.events)
    except ApiError:
        # An unknown key is refused before anything about the body is said.
        await ctx.db.run_raw(lambda raw: _workspace(raw, key_hash))
        raise
    events = [
        NewEvent(e.id, e.name, e.user_id, e.company_id, e.properties, e.timestamp)
        for e in batch.events
    ]

    def work(raw: Raw, workspace_id: int) -> tuple[IngestResult, list[Hashable]]:
        published = current_content(raw, ctx.published, workspace_id)
        result = ingest_batch(raw, workspace_id, events, "server", published, ctx.db.known)
        return result, result.existing

    def own_transaction(raw: Raw) -> IngestResult:
        with write_transaction(raw):
            result, existing = work(raw, _workspace(raw, key_hash))
        ctx.db.known.learn(existing)
        return result

    if ctx.db.raw_inline:
        # The key is checked before joining a group: a refused key inside the shared
        # transaction would roll back and rewrite every other batch of the group.
        workspace_id = ctx.db.run_on_loop(lambda raw: _workspace(raw, key_hash))
        result = await ctx.db.group_commit.run(lambda raw: work(raw, workspace_id))
    else:
        result = await ctx.db.run_raw(own_transaction)
    return JSONResponse(result.as_json())


routes = [Route("/api/v1/events", post_events, methods=["POST"])]
