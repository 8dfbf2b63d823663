"""The `shirube` command, run in-process with click's runner against a temporary SQLite file
and the PostgreSQL scratch database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from shirube.cli import main
from shirube.migrate import head_revision, upgrade
from shirube.security.keys import hash_secret_key
from shirube.security.passwords import verify_password
from shirube.services.workspaces import workspace_by_secret_key
from shirube.storage import tables
from sqlalchemy import create_engine, select, text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kintai-content.json"


@pytest.fixture
def run(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)
    env = {"SHIRUBE_DATABASE_URL": database_url, "SHIRUBE_ENV": "development"}

    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(main, list(args), env=env, input=input)

    return invoke


def test_workspace_create_json_prints_keys_once_and_stores_a_hash(run, database) -> None:
    result = run(
        "workspace",
        "create",
        "Kintai Cloud",
        "--origin",
        "https://app.example.com",
        "--locale",
        "ja",
        "--json",
    )
    assert result.exit_code == 0, result.output
    keys = json.loads(result.output)
    assert keys["public_key"].startswith("pk_") and keys["secret_key"].startswith("sk_")
    stored = database.run_sync(lambda s: workspace_by_secret_key(s, keys["secret_key"]))
    assert stored is not None and stored.default_locale == "ja"
    assert stored.secret_key_hash == hash_secret_key(keys["secret_key"])
    assert keys["secret_key"] not in repr(stored)
    listed = run("workspace", "list")
    assert keys["public_key"] in listed.output


def test_workspace_create_rejects_a_bad_origin_in_one_line(run) -> None:
    result = run("workspace", "create", "X", "--origin", "javascript:alert(1)")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "allowed_origins[0]" in result.output


def test_admin_create_with_role(run, database) -> None:
    keys = json.loads(run("workspace", "create", "W", "--json").output)
    result = run(
        "admin",
        "create",
        "Owner@Example.com",
        "--workspace",
        str(keys["id"]),
        "--password-stdin",
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    [admin] = database.run_sync(lambda conn: conn.all(select(tables.admin)))
    assert admin.email == "owner@example.com"
    assert verify_password("correct horse battery", admin.password_hash)
    role = database.run_sync(
        lambda conn: conn.one(
            select(tables.workspace_admin).where(
                tables.workspace_admin.c.workspace_id == keys["id"],
                tables.workspace_admin.c.admin_id == admin.id,
            )
        )
    )
    assert role is not None and role.role == "owner"
    generated = run("admin", "create", "second@example.com")
    assert "password: " in generated.output


def test_content_import_then_export_round_trips(run, tmp_path: Path) -> None:
    keys = json.loads(run("workspace", "create", "W", "--json").output)
    imported = run("content", "import", str(EXAMPLE), "--workspace", keys["public_key"])
    assert imported.exit_code == 0, imported.output
    summary = json.loads(imported.output)
    assert len(summary["created"]) == 5 and len(summary["published"]) == 5
    again = json.loads(
        run("content", "import", str(EXAMPLE), "--workspace", str(keys["id"])).output
    )
    assert again["published"] == [] and len(again["unchanged"]) == 5
    out = tmp_path / "export.json"
    assert run("content", "export", "--workspace", str(keys["id"]), "-o", str(out)).exit_code == 0
    exported = json.loads(out.read_text())
    source = json.loads(EXAMPLE.read_text())
    assert [t["key"] for t in exported["tours"]] == sorted(t["key"] for t in source["tours"])


def test_content_import_reports_invalid_documents(run, tmp_path: Path) -> None:
    keys = json.loads(run("workspace", "create", "W", "--json").output)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "shirube.content/1", "tours": [{"key": "x"}]}))
    result = run("content", "import", str(bad), "--workspace", str(keys["id"]))
    assert result.exit_code == 2 and "tours[0]" in result.output
    unknown = run("content", "import", str(EXAMPLE), "--workspace", "pk_nope")
    assert unknown.exit_code == 2 and "no workspace" in unknown.output


def test_db_upgrade_and_bad_settings(run, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("db", "upgrade")
    assert result.exit_code == 0 and "database at revision" in result.output
    bad = CliRunner().invoke(
        main, ["db", "upgrade"], env={"SHIRUBE_ENV": "production", "SHIRUBE_SECRET_KEY": ""}
    )
    assert bad.exit_code == 2
    assert (
        bad.output == "shirube: error: SHIRUBE_SECRET_KEY is required when SHIRUBE_ENV=production\n"
    )


def test_unreachable_database_is_one_line() -> None:
    result = CliRunner().invoke(
        main,
        ["db", "upgrade"],
        env={
            "SHIRUBE_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
            "SHIRUBE_ENV": "test",
            "SHIRUBE_SECRET_KEY": "k" * 40,
        },
    )
    assert result.exit_code == 2
    assert result.output.startswith("shirube: error: database ") and result.output.count("\n") == 1


def test_python_dash_m_entry_point_exists() -> None:
    import importlib.util

    assert importlib.util.find_spec("shirube.__main__") is not None
    assert tables.workspace.name == "workspace"


def test_workspace_create_starts_in_observe_and_says_what_each_mode_allows(run) -> None:
    observed = run("workspace", "create", "Observed", "--origin", "https://a.example")
    assert observed.exit_code == 0, observed.output
    assert "Identity mode observe: sessions are not refused" in observed.output
    off = run("workspace", "create", "Open", "--identity-mode", "off")
    assert off.exit_code == 0, off.output
    assert (
        "Identity mode off: anyone with the public key can open a session as any user id"
        in off.output
    )
    assert '"identity_mode": "observe"' in run("workspace", "create", "J", "--json").output


def test_db_status_says_whether_this_version_would_migrate(tmp_path: Path) -> None:
    """Before an upgrade: nothing pending means the new version can replace the running one
    instance by instance; pending migrations mean stopping every older instance first."""
    url = f"sqlite:///{tmp_path / 'shirube.db'}"
    env = {"SHIRUBE_DATABASE_URL": url, "SHIRUBE_ENV": "test", "SHIRUBE_SECRET_KEY": "k" * 40}

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), env=env)

    engine = create_engine(url)
    try:
        upgrade(engine, "0007")
        pending = invoke("db", "status")
        assert pending.exit_code == 1
        head = head_revision()
        assert pending.output.startswith(
            f"database at schema revision 0007; this version's is {head}: "
        )
        assert "migrations pending (0008, 0009" in pending.output
        assert invoke("db", "upgrade").exit_code == 0
        done = invoke("db", "status")
        assert done.exit_code == 0 and "up to date" in done.output

        # Migrated by a newer version: this one neither serves nor migrates it.
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        for command in (("db", "status"), ("db", "upgrade"), ("serve",)):
            refused = invoke(*command)
            assert refused.exit_code == 2, command
            assert "schema revision 9999, which this version" in refused.output
    finally:
        engine.dispose()
