"""Group commit (services/group_commit.py): batches written in one transaction still succeed
or fail one by one, and nothing is answered before it is committed."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

import pytest
from shirube.db import Database
from shirube.services.sql import Raw

pytestmark = pytest.mark.filterwarnings("error")


def _insert(name: str) -> object:
    def work(raw: Raw) -> tuple[str, list[Hashable]]:
        raw.run(
            "INSERT INTO admin (email, password_hash, created_at) VALUES (?, ?, ?)",
            (f"{name}@example.com", "x", "2026-01-01 00:00:00.000000"),
        )
        if name == "bad":
            raise ValueError("this batch fails after writing")
        return name, [("admin", name)]

    return work


def _emails(database: Database) -> set[str]:
    rows = database.run_raw_sync(lambda raw: raw.all("SELECT email FROM admin"))
    return {email for (email,) in rows}


def test_a_failing_batch_fails_alone(database: Database) -> None:
    if not database.raw_inline:
        pytest.skip("group commit serves the event-loop paths")

    async def scenario() -> list[object]:
        committer = database.group_commit
        return await asyncio.gather(
            *(committer.run(_insert(name)) for name in ("a", "bad", "b")),  # type: ignore[arg-type]
            return_exceptions=True,
        )

    outcomes = asyncio.run(scenario())
    assert outcomes[0] == "a" and outcomes[2] == "b"
    assert isinstance(outcomes[1], ValueError)
    assert _emails(database) == {"a@example.com", "b@example.com"}
    assert ("admin", "a") in database.known and ("admin", "bad") not in database.known


def test_batches_queued_together_share_a_commit(database: Database) -> None:
    if not database.raw_inline:
        pytest.skip("group commit serves the event-loop paths")
    names = [f"u{index}" for index in range(5)]

    async def scenario() -> list[object]:
        return await asyncio.gather(*(database.group_commit.run(_insert(n)) for n in names))  # type: ignore[arg-type]

    assert asyncio.run(scenario()) == names
    assert _emails(database) == {f"{name}@example.com" for name in names}
