"""Backfill jobs: after a publish, every user's KPI rows for the published goal, checklist or
tour are recomputed from the log, in chunks of users, in the background (services/
kpi_worker.py). A job is resumable: its cursor is the last user id done, saved with each
chunk's rows in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, update

from shirube.storage import Connection
from shirube.storage.tables import end_user, kpi_job
from shirube.timeutil import utcnow

_job = kpi_job.c
_UNFINISHED = or_(_job.state == "queued", _job.state == "running")
# A job recomputes every objective of the workspace for each user: the newest one supersedes
# any other still going (five publishes in a row make one pass, not five).
_SUPERSEDE = (
    update(kpi_job)
    .where(_job.workspace_id == bindparam("workspace_id"), _UNFINISHED)
    .values(state="superseded", finished_at=bindparam("now"))
)
_USERS = (
    select(func.count())
    .select_from(end_user)
    .where(end_user.c.workspace_id == bindparam("workspace_id"))
)
_QUEUE = kpi_job.insert().values(
    workspace_id=bindparam("workspace_id"),
    kind=bindparam("kind"),
    key=bindparam("key"),
    version=bindparam("version"),
    state="queued",
    done_users=0,
    total_users=bindparam("total"),
    created_at=bindparam("now"),
)


def queue_backfill(conn: Connection, workspace_id: int, kind: str, key: str, version: int) -> None:
    """Queue the recomputation of every user for a new published version (inside the publish
    transaction); a job of the workspace still going is superseded."""
    params = {"workspace_id": workspace_id, "kind": kind, "key": key, "now": utcnow()}
    conn.run(_SUPERSEDE, params)
    total = conn.scalar(_USERS, params)
    conn.run(_QUEUE, {**params, "version": version, "total": total})


@dataclass(frozen=True)
class Job:
    id: int
    workspace_id: int
    kind: str
    key: str
    version: int
    cursor: str | None
    done_users: int


_NEXT = (
    select(
        _job.id, _job.workspace_id, _job.kind, _job.key, _job.version, _job.cursor, _job.done_users
    )
    .where(_UNFINISHED)
    .order_by(_job.id)
    .limit(1)
)


def next_job(conn: Connection) -> Job | None:
    """The oldest job not finished, of any workspace."""
    row = conn.one(_NEXT)
    return None if row is None else Job(*row)


_ADVANCE = (
    update(kpi_job)
    .where(
        _job.id == bindparam("id"),
        _job.done_users == bindparam("done_before"),
        _UNFINISHED,
    )
    .values(
        state=bindparam("state"),
        cursor=bindparam("cursor"),
        done_users=bindparam("done_users"),
        started_at=func.coalesce(_job.started_at, bindparam("now")),
        finished_at=bindparam("finished_at"),
    )
)


def advance(conn: Connection, job: Job, cursor: str | None, users: int, finished: bool) -> bool:
    """Record a chunk of `users` done up to `cursor` (in the chunk's transaction); False when
    another instance recorded this chunk first (the caller rolls back)."""
    now = utcnow()
    changed = conn.run(
        _ADVANCE,
        {
            "id": job.id,
            "done_before": job.done_users,
            "state": "done" if finished else "running",
            "cursor": cursor,
            "done_users": job.done_users + users,
            "now": now,
            "finished_at": now if finished else None,
        },
    )
    return changed == 1


_FAIL = (
    update(kpi_job)
    .where(_job.id == bindparam("id"))
    .values(state="failed", error=bindparam("error"), finished_at=bindparam("now"))
)


def fail(conn: Connection, job_id: int, error: str) -> None:
    conn.run(_FAIL, {"id": job_id, "error": error[:500], "now": utcnow()})
