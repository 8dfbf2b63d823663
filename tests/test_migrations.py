"""Migrations: empty → head → base on both engines, the schema equals the models, and
concurrent upgrades are safe."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from shirube.migrate import current_revision, downgrade, head_revision, upgrade
from shirube.models import metadata
from sqlalchemy import create_engine, inspect


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("empty_postgres")
    return url


def test_empty_to_head_matches_models_and_back(empty_url: str) -> None:
    engine = create_engine(empty_url)
    assert current_revision(engine) is None
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_upgrade_twice_is_a_no_op(empty_url: str) -> None:
    engine = create_engine(empty_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_concurrent_upgrades_from_several_instances(empty_url: str) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)

    def instance() -> None:
        engine = create_engine(empty_url)
        try:
            barrier.wait()
            upgrade(engine)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=instance) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    engine = create_engine(empty_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
