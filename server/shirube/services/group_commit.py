"""Group commit: event batches that arrive while another is being written share its
transaction (no savepoints: they doubled the pages SQLite copies).

Most of a batch's cost on SQLite is its commit (the pages it dirtied go to the WAL) and the
random index and counter pages it touches; batches written in one transaction share both.
Each batch still succeeds or fails on its own: when one fails, the group is rolled back and
every batch of it written again in its own transaction, so only the failing request gets the
error. Answers are released only after the COMMIT, so an acknowledged event is always stored.

Used where the hot paths run on the event loop (`Database.raw_inline`): the work is
synchronous and never interleaves, and the loop itself is the queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from shirube.services.sql import Raw

if TYPE_CHECKING:
    from shirube.db import Database

T = TypeVar("T")

# Enough to share a commit, small enough that the first batch in a group is not kept long.
MAX_GROUP = 16


@dataclass
class _Pending(Generic[T]):
    work: Callable[[Raw], tuple[T, list[Hashable]]]
    done: asyncio.Future[T]


class GroupCommitter:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: list[_Pending[Any]] = []
        self._writer: asyncio.Task[None] | None = None

    async def run(self, work: Callable[[Raw], tuple[T, list[Hashable]]]) -> T:
        """Run `work` (which returns its result and the rows it made known, see
        `KnownRows`) in a transaction shared with the batches queued meanwhile."""
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
                    self._db.run_on_loop(partial(self._write, group=group))
                except Exception as exc:
                    # No connection to be had (PostgreSQL down): the batches still waiting
                    # get the error, and the queue goes on with the next group.
                    for pending in group:
                        _settle(pending, exc=exc)
                await asyncio.sleep(0)
        finally:
            self._writer = None
            # Only a cancelled writer (the loop shutting down) leaves batches queued.
            for pending in self._queue:
                pending.done.cancel()
            self._queue = []

    def _write(self, raw: Raw, *, group: list[_Pending[Any]]) -> None:
        try:
            outcomes = self._in_one_transaction(raw, group)
        except Exception:
            _rollback(raw)
            if _connection_lost(raw):
                # `Database.run_on_loop` replaces the connection and writes the group again:
                # safe, since a batch whose COMMIT may have landed is stored once (event ids).
                raise
            # Some batch failed: without savepoints (they double the pages SQLite copies),
            # the group is rolled back and each batch written again on its own.
            for pending in group:
                try:
                    ((result, known),) = self._in_one_transaction(raw, [pending])
                except Exception as exc:
                    _rollback(raw)
                    if _connection_lost(raw):
                        raise
                    _settle(pending, exc=exc)
                else:
                    self._db.known.learn(known)
                    _settle(pending, result=result)
            return
        for pending, (result, known) in zip(group, outcomes, strict=True):
            self._db.known.learn(known)
            _settle(pending, result=result)

    @staticmethod
    def _in_one_transaction(raw: Raw, group: list[_Pending[Any]]) -> list[tuple[Any, Any]]:
        raw.conn.execute("BEGIN IMMEDIATE" if raw.is_sqlite else "BEGIN")
        outcomes = [pending.work(raw) for pending in group]
        raw.conn.execute("COMMIT")
        return outcomes


def _settle(pending: _Pending[Any], *, result: Any = None, exc: Exception | None = None) -> None:
    # A request whose client went away has cancelled its future; its batch is stored anyway
    # (a retry with the same ids is acknowledged and ignored).
    if pending.done.done():
        return
    if exc is not None:
        pending.done.set_exception(exc)
    else:
        pending.done.set_result(result)


def _connection_lost(raw: Raw) -> bool:
    return bool(getattr(raw.conn, "closed", False))


def _rollback(raw: Raw) -> None:
    # Nothing to roll back when BEGIN itself failed or the connection is gone.
    with suppress(Exception):
        raw.conn.execute("ROLLBACK")
