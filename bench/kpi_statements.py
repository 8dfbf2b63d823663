"""Where a dashboard page's time goes, statement by statement: the page's figures read as the
console reads them (`console/dashboard_data.load`, one transaction), each statement timed
(wall, and this process's CPU: on SQLite the server's whole time), and on PostgreSQL the
backend's CPU for the whole page, read from /proc (PostgreSQL on this machine; parallel
workers' CPU is not the backend's: `--no-parallel` turns them off for the page).

Run it against a database kept by `bench/kpis.py --keep DIR` (the workspace id is in
DIR/kpis-full.json); before/after a change, run the older code with PYTHONPATH=<its
checkout>/server:

    .venv/bin/python bench/kpi_statements.py sqlite:////tmp/keep/kpis-full.db \
        --page 'segment=user&trait=role&value=admin' --runs 3
    .venv/bin/python bench/kpi_statements.py \
        postgresql://postgres@127.0.0.1:5432/shirube_bench_kpis_full_keep --no-parallel
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from shirube.console.dashboard_data import VIEW_PARTS, load
from shirube.console.dashboard_query import parse_query
from shirube.storage import Connection, Database
from shirube.storage import connection as storage_connection

NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
_original = storage_connection.Connection._execute
# (wall ms, CPU ms, SQL) of each statement of the current run.
_log: list[tuple[float, float, str]] = []


class _Rows:
    """A cursor's rows, read while the statement was timed."""

    rowcount = -1

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def fetchall(self) -> list[Any]:
        return self.rows

    def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None


def _timed(self: Connection, compiled: Any, params: Any) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    cursor = _original(self, compiled, params)
    rows = cursor.fetchall() if cursor.description is not None else []
    wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
    _log.append((wall, cpu, " ".join(compiled.sql.split())))
    return _Rows(rows)


def _backend_ticks(pid: int) -> int:
    """utime + stime of a PostgreSQL backend, in clock ticks (10 ms)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--workspace", type=int, default=1)
    parser.add_argument("--page", default="segment=user&trait=role&value=admin")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-parallel", action="store_true")
    args = parser.parse_args()
    query = parse_query(parse_qsl(args.page))
    parts = VIEW_PARTS[query.view]
    storage_connection.Connection._execute = _timed  # type: ignore[method-assign]
    db = Database(args.url)
    backend: dict[str, int] = {}

    def page(conn: Connection) -> Any:
        if conn.is_sqlite:
            return load(conn, args.workspace, query, "en", NOW, parts)
        if args.no_parallel:
            conn.driver.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        pid = conn.driver.execute("SELECT pg_backend_pid()").fetchone()[0]
        before = _backend_ticks(pid)
        board = load(conn, args.workspace, query, "en", NOW, parts)
        backend["ms"] = (_backend_ticks(pid) - before) * 10
        return board

    try:
        for run in range(args.runs):
            _log.clear()
            wall, cpu = time.perf_counter(), time.process_time()
            db.run_sync(page)
            wall, cpu = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
            extra = f", PostgreSQL backend CPU {backend['ms']} ms" if backend else ""
            print(f"run {run + 1}: wall {wall:.0f} ms, CPU {cpu:.0f} ms{extra}", flush=True)
        for wall, cpu, sql in _log:
            print(f"  {wall:7.1f} ms  CPU {cpu:6.1f}  {sql[:150]}")
    finally:
        db.dispose()


if __name__ == "__main__":
    main()
