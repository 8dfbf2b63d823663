"""The KPI worker: a background task of each instance (started by `create_app`'s lifespan when
`SHIRUBE_KPI_WORKER` is on) that keeps `kpi_user` and `kpi_company` up to date.

Ingestion and identify only mark users (`kpi_dirty`, one upsert per user of a batch, due
5 s after the user's last mark and at most 30 s after the first: services/kpi_dirty.py); the
worker takes due users in chunks, recomputes them from their facts (services/
kpi_refresh_users.py), marks their companies and unmarks them, in one transaction per chunk.
A user busy sending events is so recomputed once they pause (at most every 30 s), however
many batches they are in: the worker's cost follows the users active, not the events. A mark
made while a chunk is computed moves the mark's `seq` on: that user is not unmarked but
marked anew (due after another delay). Marked companies are recounted in chunks of their
own, 10 s after their first mark, once for the members computed meanwhile (services/
kpi_company_marks.py). Then the worker advances backfill jobs (services/kpi_jobs.py) by one
chunk of users. Several instances may run it: every step is an idempotent recomputation,
and a job's chunk is recorded once (`kpi_jobs.advance`).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, select, update

from shirube.services import event_name_users, kpi_company_marks, kpi_jobs
from shirube.services.kpi_dirty import DELAY
from shirube.services.kpi_refresh_companies import refresh_companies
from shirube.services.kpi_refresh_users import refresh_users
from shirube.services.published import PublishedCache, batch_content
from shirube.storage import ByEngine, Connection, Database, in_values
from shirube.storage.tables import company, end_user, kpi_dirty
from shirube.timeutil import utcnow

logger = logging.getLogger("shirube.kpis")

# Users per transaction: on SQLite the work runs on the event loop, between event batches.
CHUNK = 100
# Jobs recompute users in larger chunks: a backfill is throughput, not latency.
JOB_CHUNK = 500
POLL_SECONDS = 0.5
# A chunk of marked users whose recomputation failed is tried again after this.
FAILED_RETRY = timedelta(minutes=5)
# `due(ahead=AT_ONCE)`: every mark, however recent (tests, `drain`).
AT_ONCE = timedelta(days=36500)

_DUE = (
    select(kpi_dirty.c.workspace_id, kpi_dirty.c.user_id)
    .where(kpi_dirty.c.due_at <= bindparam("before"))
    .order_by(kpi_dirty.c.due_at)
    .limit(bindparam("limit"))
)
_OF_WORKSPACE = kpi_dirty.c.workspace_id == bindparam("workspace_id")
_OF_MARK = (_OF_WORKSPACE, kpi_dirty.c.user_id == bindparam("user_id"))
_claim = (
    select(kpi_dirty.c.user_id, kpi_dirty.c.seq)
    .where(_OF_WORKSPACE, in_values(kpi_dirty.c.user_id, "user_ids"))
    .order_by(kpi_dirty.c.user_id)
)
# On PostgreSQL each instance claims the marks it computes: another instance skips them, and
# a batch marking one of them again waits for this transaction (then inserts a new mark).
_CLAIM = ByEngine(sqlite=_claim, postgresql=_claim.with_for_update(skip_locked=True))
_UNMARK = delete(kpi_dirty).where(*_OF_MARK, kpi_dirty.c.seq == bindparam("seq"))
# Marked again while computed (the mark's seq moved on): computed again after another delay.
_REARM = update(kpi_dirty).where(*_OF_MARK).values(since=bindparam("now"), due_at=bindparam("due"))
_POSTPONE = update(kpi_dirty).where(*_OF_MARK).values(due_at=bindparam("until"))


class Due(NamedTuple):
    workspace_id: int
    user_ids: list[str]


def due(conn: Connection, limit: int = CHUNK, ahead: timedelta = timedelta(0)) -> Due | None:
    """Up to `limit` users of one workspace due now (or within `ahead`), the longest due
    first (read only)."""
    found = conn.all(_DUE, {"limit": limit, "before": utcnow() + ahead})
    if not found:
        return None
    workspace_id = found[0][0]
    return Due(workspace_id, sorted({user for ws, user in found if ws == workspace_id}))


def refresh_due(conn: Connection, cache: PublishedCache, marked: Due) -> int:
    """Claim, recompute and unmark those of `marked` no other instance holds; return how
    many."""
    params = {"workspace_id": marked.workspace_id, "user_ids": marked.user_ids}
    mine = conn.all(_CLAIM, params)
    if not mine:
        return 0
    users = [user_id for user_id, _ in mine]
    companies = _refresh(conn, cache, marked.workspace_id, users, companies_too=False)
    now = utcnow()
    kpi_company_marks.mark_companies(conn, marked.workspace_id, companies, now)
    common = {"workspace_id": marked.workspace_id, "now": now, "due": now + DELAY}
    marks = [{**common, "user_id": u, "seq": seq} for u, seq in mine]
    conn.many(_UNMARK, marks)
    conn.many(_REARM, marks)
    return len(mine)


def postpone(conn: Connection, marked: Due, until: datetime) -> None:
    """After a failed recomputation: try these users again later, others first."""
    conn.many(
        _POSTPONE,
        [
            {"workspace_id": marked.workspace_id, "user_id": u, "until": until}
            for u in marked.user_ids
        ],
    )


def refresh_dirty(
    conn: Connection, cache: PublishedCache, limit: int = CHUNK, ahead: timedelta = timedelta(0)
) -> int:
    """`due` and `refresh_due` in one transaction (tests, `drain`)."""
    marked = due(conn, limit, ahead)
    return 0 if marked is None else refresh_due(conn, cache, marked)


def _refresh(
    conn: Connection,
    cache: PublishedCache,
    workspace_id: int,
    user_ids: list[str],
    *,
    companies_too: bool,
) -> set[str]:
    """Recompute these users (and their companies when `companies_too`); return their
    companies."""
    try:
        content = batch_content(conn, cache, workspace_id)
    except LookupError:
        return set()  # the workspace was deleted
    now = utcnow()
    companies = refresh_users(
        conn, workspace_id, user_ids, content.published, content.webhook_kinds, now
    )
    if companies_too:
        refresh_companies(conn, workspace_id, companies, content.published, now)
    return companies


_USERS_AFTER = (
    select(end_user.c.external_id)
    .where(
        end_user.c.workspace_id == bindparam("workspace_id"),
        end_user.c.external_id > bindparam("cursor"),
    )
    .order_by(end_user.c.external_id)
    .limit(bindparam("limit"))
)
_COMPANIES_AFTER = (
    select(company.c.external_id)
    .where(
        company.c.workspace_id == bindparam("workspace_id"),
        company.c.external_id > bindparam("cursor"),
    )
    .order_by(company.c.external_id)
    .limit(bindparam("limit"))
)
# A job's cursor: the last user done ("u:<id>"), then the last company done ("c:<id>").
USER_PHASE, COMPANY_PHASE = "u:", "c:"


def advance_job(
    conn: Connection, cache: PublishedCache, job: kpi_jobs.Job, limit: int = JOB_CHUNK
) -> None:
    """Do the next chunk of `job` (nothing when another instance recorded it first)."""
    cursor = job.cursor or USER_PHASE
    phase, last = cursor[:2], cursor[2:]
    params: dict[str, Any] = {"workspace_id": job.workspace_id, "cursor": last, "limit": limit}
    if phase == USER_PHASE:
        users = [u for (u,) in conn.all(_USERS_AFTER, params)]
        # Companies are recomputed once all users are, not after every chunk of users.
        following = USER_PHASE + users[-1] if len(users) == limit else COMPANY_PHASE
        # Claimed first: of two instances on one chunk, the second finds it recorded.
        if kpi_jobs.advance(conn, job, following, len(users), finished=False) and users:
            _refresh(conn, cache, job.workspace_id, users, companies_too=False)
        return
    companies = [c for (c,) in conn.all(_COMPANIES_AFTER, params)]
    following = COMPANY_PHASE + companies[-1] if companies else cursor
    finished = len(companies) < limit
    if kpi_jobs.advance(conn, job, following, 0, finished) and companies:
        try:
            content = batch_content(conn, cache, job.workspace_id)
        except LookupError:
            return
        refresh_companies(conn, job.workspace_id, companies, content.published, utcnow())


def recount_companies(
    conn: Connection,
    cache: PublishedCache,
    limit: int | None = None,
    ahead: timedelta = timedelta(0),
) -> int:
    """`due_companies` and `recount_due` in one transaction (tests, `drain`)."""
    marked = kpi_company_marks.due_companies(conn, limit or kpi_company_marks.COMPANY_CHUNK, ahead)
    return 0 if marked is None else kpi_company_marks.recount_due(conn, cache, marked)


def drain(db: Database, cache: PublishedCache, limit: int | None = None) -> None:
    """Run until nothing is marked and no job is left, without waiting for the delays
    (tests, benchmarks); `limit`: users (or companies) per chunk, of every kind."""
    while True:
        if db.run_sync(partial(refresh_dirty, cache=cache, limit=limit or CHUNK, ahead=AT_ONCE)):
            continue
        if db.run_sync(partial(recount_companies, cache=cache, limit=limit, ahead=AT_ONCE)):
            continue
        if db.is_sqlite and db.run_sync(event_name_users.roll_up):
            continue
        job = db.run_sync(kpi_jobs.next_job, transaction=False)
        if job is None:
            return
        db.run_sync(partial(advance_job, cache=cache, job=job, limit=limit or JOB_CHUNK))


# A job whose chunk failed this many times in a row is marked failed (and shown so).
JOB_ATTEMPTS = 3


class KpiWorker:
    def __init__(self, db: Database, cache: PublishedCache, poll: float = POLL_SECONDS) -> None:
        self._db = db
        self._cache = cache
        self._poll = poll
        # Failed attempts of each backfill job's current chunk, in a row.
        self._failures: dict[int, int] = {}

    async def run(self) -> None:
        while True:
            if not await self.step():
                await asyncio.sleep(self._poll)

    async def step(self) -> bool:
        """One round: a chunk of marked users, of marked companies, of events to roll up
        (SQLite), then a chunk of the oldest backfill job; whether there was anything to do."""
        busy = await self._refresh_marked()
        busy = await self._recount_marked() or busy
        busy = await self._roll_up_events() or busy
        job = None
        try:
            job = await self._db.run(kpi_jobs.next_job, transaction=False)
            if job is None:
                return busy
            await self._db.run(partial(advance_job, cache=self._cache, job=job))
            self._failures.pop(job.id, None)
        except Exception as exc:
            logger.exception("KPI backfill failed")
            if job is not None:
                self._failures[job.id] = self._failures.get(job.id, 0) + 1
                if self._failures[job.id] >= JOB_ATTEMPTS:
                    await self._db.run(partial(kpi_jobs.fail, job_id=job.id, error=repr(exc)))
        return True

    async def _refresh_marked(self) -> bool:
        marked = None
        try:
            marked = await self._db.run(due, transaction=False)
            if marked is None:
                return False
            await self._db.run(partial(refresh_due, cache=self._cache, marked=marked))
            return True
        except Exception:
            logger.exception("KPI refresh of marked users failed")
            if marked is not None:
                # Others first: a chunk that keeps failing must not hold up every workspace.
                until = utcnow() + FAILED_RETRY
                await self._db.run(partial(postpone, marked=marked, until=until))
            return False

    async def _roll_up_events(self) -> bool:
        if not self._db.is_sqlite:
            return False  # PostgreSQL reads the event index instead (event_name_users.py)
        try:
            if not await self._db.run(event_name_users.has_work, transaction=False):
                return False
            return bool(await self._db.run(event_name_users.roll_up))
        except Exception:
            logger.exception("KPI roll-up of event names failed")
            return False

    async def _recount_marked(self) -> bool:
        marked = None
        try:
            marked = await self._db.run(kpi_company_marks.due_companies, transaction=False)
            if marked is None:
                return False
            recount = partial(kpi_company_marks.recount_due, cache=self._cache, marked=marked)
            await self._db.run(recount)
            return True
        except Exception:
            logger.exception("KPI recount of marked companies failed")
            if marked is not None:
                until = utcnow() + FAILED_RETRY
                postpone = partial(kpi_company_marks.postpone_companies, marked=marked)
                await self._db.run(partial(postpone, until=until))
            return False
