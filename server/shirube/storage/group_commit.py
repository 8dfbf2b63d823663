"""Group commit: event batches that arrive while another is being written share its
transaction (no savepoints: they doubled the pages SQLite copies).

Most of a batch's cost on SQLite is its commit (the pages it dirtied go to the WAL) and the
random index and counter pages it touches; batches written in one transaction share both.
Each batch still succeeds or fails on its own: when one fails, the group is rolled back and
every batch of it written again in its own transaction, so only the failing request gets the
error. Answers are released only after the COMMIT, so an acknowledged event is always stored.

Used where work runs on the event loop: the work is synchronous and never interleaves, and the
loop itself is the queue. A group that meets a lock held elsewhere (storage/lock_wait.py) hands
its batches to a task that waits for the lock off the loop, each batch in its own transaction,
while the queue goes on.

On PostgreSQL (`shared=False`) the queue stays, but each batch is written in a transaction of
its own. Several instances write to one PostgreSQL database at once, and a batch takes its row
locks in one order (its rows sorted, table after table: docs/architecture.md), so two batches
may wait for each other but never in a cycle. A shared transaction takes the locks of its
batches batch after batch, out of that order: two of them on two instances deadlocked
(PostgreSQL aborts one after deadlock_timeout, a second in which both instances' event loops
wait; bench/load_balancer.py found it, tests/storage/test_group_commit.py has it). The queue
is kept because it answers batches in the order they came: written as each request got to it,
the last batches waited several times longer (bench/README.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from shirube.storage.connection import Connection
from shirube.storage.lock_wait import GroupBlocked, LockHeld, is_lock_wait

T = TypeVar("T")

# Enough to share a commit, small enough that the first batch in a group is not kept long.
MAX_GROUP = 16

Work = Callable[[Connection], T]
# Runs a unit of work on the event loop's connection, without a transaction of its own;
# raises LockHeld when it met a lock held elsewhere.
RunOnLoop = Callable[[Work[Any]], Any]
# Runs a unit of work in a transaction of its own, waiting for a lock held elsewhere.
RunWaiting = Callable[[Work[Any]], Awaitable[Any]]


@dataclass
class _Pending(Generic[T]):
    work: Work[T]
    done: asyncio.Future[T]


class GroupCommitter:
    def __init__(
        self, run_on_loop: RunOnLoop, run_waiting: RunWaiting, *, shared: bool = True
    ) -> None:
        """`shared`: the batches of a group share one transaction (SQLite)."""
        self._run_on_loop = run_on_loop
        self._run_waiting = run_waiting
        self._shared = shared
        self._queue: list[_Pending[Any]] = []
        self._writer: asyncio.Task[None] | None = None
        self._waiting: set[asyncio.Task[None]] = set()

    @property
    def waiting(self) -> int:
        """Batches queued behind the one being written (a metric: a writer falling behind)."""
        return len(self._queue)

    async def run(self, work: Work[T]) -> T:
        """Run `work` in a transaction shared with the batches queued meanwhile; return its
        result once that transaction committed."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(work, done))
        if self._writer is None:
            # A task of its own: a request that goes away must not strand the queue.
            self._writer = asyncio.ensure_future(self._drain())
        return await done

    async def _drain(self) -> None:
        try:
            # Let the requests whose bodies are already here queue up behind the first.
            await asyncio.sleep(0)
            while self._queue:
                group, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
                try:
                    # A connection found dead is replaced and the group written again: safe,
                    # since a batch whose COMMIT may have landed is stored once (event ids).
                    self._run_on_loop(partial(self._write, group=group))
                    blocked = []
                except GroupBlocked as exc:
                    blocked = exc.blocked
                except LockHeld:
                    blocked = group
                except Exception as exc:
                    # No connection to be had (PostgreSQL down): the batches still waiting
                    # get the error, and the queue goes on with the next group.
                    for pending in group:
                        _settle(pending, exc=exc)
                    blocked = []
                if blocked:
                    task = asyncio.ensure_future(self._write_waiting(blocked))
                    self._waiting.add(task)
                    task.add_done_callback(self._waiting.discard)
                await asyncio.sleep(0)
        finally:
            self._writer = None
            # Only a cancelled writer (the loop shutting down) leaves batches queued.
            for pending in self._queue:
                pending.done.cancel()
            self._queue = []

    def _write(self, conn: Connection, *, group: list[_Pending[Any]]) -> None:
        """Write the group; raises LockHeld (GroupBlocked: for the batches not written) when
        a lock held elsewhere stopped it."""
        if not self._shared:
            self._write_each(conn, group)
            return
        try:
            with conn.transaction():
                results = [pending.work(conn) for pending in group]
        except Exception as exc:
            if conn.closed or is_lock_wait(exc):
                raise
            # Some batch failed: without savepoints (they double the pages SQLite copies),
            # the group was rolled back and each batch is written again on its own.
            self._write_each(conn, group)
            return
        for pending, result in zip(group, results, strict=True):
            _settle(pending, result=result)

    async def _write_waiting(self, group: list[_Pending[Any]]) -> None:
        await asyncio.gather(*(self._write_alone(pending) for pending in group))

    async def _write_alone(self, pending: _Pending[Any]) -> None:
        try:
            result = await self._run_waiting(pending.work)
        except Exception as exc:
            _settle(pending, exc=exc)
        else:
            _settle(pending, result=result)

    def _write_each(self, conn: Connection, group: list[_Pending[Any]]) -> None:
        """Each batch in a transaction of its own. The first that meets a lock held elsewhere
        stops the group: it and the rest wait off the loop (GroupBlocked), rather than each
        meeting the lock on the loop in turn."""
        for index, pending in enumerate(group):
            try:
                with conn.transaction():
                    result = pending.work(conn)
            except Exception as exc:
                if conn.closed:
                    raise
                if is_lock_wait(exc):
                    raise GroupBlocked(group[index:]) from exc
                _settle(pending, exc=exc)
            else:
                _settle(pending, result=result)


def _settle(pending: _Pending[Any], *, result: Any = None, exc: Exception | None = None) -> None:
    # A request whose client went away has cancelled its future; its batch is stored anyway
    # (a retry with the same ids is acknowledged and ignored).
    if pending.done.done():
        return
    if exc is not None:
        pending.done.set_exception(exc)
    else:
        pending.done.set_result(result)
