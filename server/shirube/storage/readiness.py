"""Readiness: whether the database answers this instance, asked on a PostgreSQL connection of
the probe's own, in a thread of its own. The pool's connections and the thread pool may all be
busy waiting for a lock another process holds (storage/lock_wait.py); the instance is still
ready then, and a load balancer must not take it out of rotation for it."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import anyio.to_thread
import psycopg
from sqlalchemy import Select, literal_column, make_url, select

from shirube.storage.connection import Connection
from shirube.storage.statements import StatementCache

CONNECT_TIMEOUT_SECONDS = 1
# A network that drops packets must not hold the probe for TCP's own timeouts (minutes): the
# statement, the connection's unacknowledged data and its keepalives all give up within
# about a second or two, and the next probe connects afresh.
_CONNECTION_OPTIONS: dict[str, Any] = {
    "options": "-c statement_timeout=1000",
    "tcp_user_timeout": 1500,
    "keepalives": 1,
    "keepalives_idle": 1,
    "keepalives_interval": 1,
    "keepalives_count": 2,
}
_ONE: Select[Any] = select(literal_column("1"))


class PostgresProbe:
    def __init__(self, url: str, statements: StatementCache) -> None:
        plain = make_url(url).set(drivername="postgresql")
        self._conninfo = plain.render_as_string(hide_password=False)
        self._statements = statements
        self._driver: psycopg.Connection[Any] | None = None
        self._lock = threading.Lock()
        self._limiter: anyio.CapacityLimiter | None = None

    async def ping(self) -> bool:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(1)
        # Abandoned when the caller stops waiting (/readyz's timeout): the thread ends on its
        # own within the timeouts above.
        return await anyio.to_thread.run_sync(
            self._ping, limiter=self._limiter, abandon_on_cancel=True
        )

    def _ping(self) -> bool:
        with self._lock:
            try:
                if self._driver is None or self._driver.closed:
                    self._driver = psycopg.connect(
                        self._conninfo,
                        autocommit=True,
                        connect_timeout=CONNECT_TIMEOUT_SECONDS,
                        **_CONNECTION_OPTIONS,
                    )
                return bool(Connection(self._driver, self._statements).scalar(_ONE) == 1)
            except psycopg.Error:
                self._close()
                return False

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._driver is not None:
            self._driver.close()
            self._driver = None
