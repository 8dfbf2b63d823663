"""What an event batch tells the metrics (observability/metrics.py): its events by outcome,
the time from its arrival to its commit, the age of its oldest event."""

from __future__ import annotations

from collections.abc import Sequence
from time import perf_counter

from starlette.types import Scope

from shirube.context import AppContext
from shirube.middleware.observe import STARTED
from shirube.services.ingest import IngestResult, NewEvent
from shirube.timeutil import utcnow


def count_stored(
    ctx: AppContext, scope: Scope, source: str, events: Sequence[NewEvent], result: IngestResult
) -> None:
    """A batch committed (the ingest call returns after its COMMIT)."""
    now = perf_counter()
    oldest_age = None
    if result.accepted:
        # Events sent without a timestamp were stamped at receipt: as old as the batch.
        oldest = min((e.timestamp for e in events if e.timestamp is not None), default=None)
        oldest_age = (
            now - scope.get(STARTED, now) if oldest is None else (utcnow() - oldest).total_seconds()
        )
    ctx.metrics.ingested(
        source, result.accepted, result.duplicates, now - scope.get(STARTED, now), oldest_age
    )


def count_refused(ctx: AppContext, source: str, events: int) -> None:
    """A batch refused after its events were read (unknown key, expired session, origin, an
    event's properties, a failed write)."""
    ctx.metrics.refused(source, events)
