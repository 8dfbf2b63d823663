"""Which B-trees a SQLite workload writes: the WAL frames it appended, by the table or index
that owns each page (the `dbstat` table), and how many pages a checkpoint every k commits
would copy back (a page written by several commits between two checkpoints is copied once).

A page a commit dirties costs its WAL frame at COMMIT and a copy at the checkpoint, whatever
it holds: at 1 M stored events that, not the statements, is what grows (bench/README.md,
"Ingestion into a loaded database, pages per batch"). Used by `statement_times.py --wal-pages`.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
import struct
from collections.abc import Callable, Iterator

_HEADER = 32
_FRAME_HEADER = 24


@contextlib.contextmanager
def recorded(path: str, no_checkpoint: Callable[[], None]) -> Iterator[list[list[int]]]:
    """Empty the WAL, run the block with checkpoints off (`no_checkpoint` turns the writer's
    off), then fill the yielded list with each commit's page numbers. A connection is held
    open meanwhile: the last one to close would checkpoint and delete the WAL."""
    held = sqlite3.connect(path)
    try:
        held.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        held.execute("SELECT count(*) FROM sqlite_master").fetchall()
        no_checkpoint()
        commits: list[list[int]] = []
        yield commits
        commits += _commits(path + "-wal")
        owners = dict(held.execute("SELECT pageno, name FROM dbstat"))
        _report(commits, owners)
    finally:
        with contextlib.suppress(sqlite3.Error):
            held.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        held.close()


def _commits(wal_path: str) -> list[list[int]]:
    with open(wal_path, "rb") as wal:
        data = wal.read()
    if len(data) < _HEADER:
        return []
    page_size = struct.unpack(">I", data[8:12])[0]
    commits: list[list[int]] = []
    current: list[int] = []
    for offset in range(
        _HEADER, len(data) - _FRAME_HEADER - page_size + 1, _FRAME_HEADER + page_size
    ):
        page, size_after_commit = struct.unpack(">II", data[offset : offset + 8])
        current.append(page)
        if size_after_commit:  # a commit's last frame
            commits.append(current)
            current = []
    return commits


def _report(commits: list[list[int]], owners: dict[int, str]) -> None:
    if not commits:
        print("   (no commit in the WAL)")
        return
    frames = sum(len(pages) for pages in commits)
    print(f"   WAL: {frames / len(commits):,.0f} pages a commit ({len(commits)} commits), by tree:")
    by_tree = collections.Counter(owners.get(page, "?") for pages in commits for page in pages)
    for tree, count in by_tree.most_common(12):
        print(f"   {count / len(commits):9,.1f}  {tree}")
    copied = []
    for every in (1, 2, 4, 8):
        whole = len(commits) - len(commits) % every
        if whole:
            pages = sum(
                len(set().union(*commits[start : start + every]))
                for start in range(0, whole, every)
            )
            copied.append(f"every {every}: {pages / whole:,.0f}")
    print(f"   pages a checkpoint copies, per commit, checkpointing {'; '.join(copied)}")
