"""`python -m demo_app` (what `make demo` runs): provisioning, the banner, reuse, Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import IO

from shirube.content.document import validate_document
from shirube.settings import Settings

from demo_app.provision import demo_document, provision
from tests.conftest import SECRET

ROOT = Path(__file__).resolve().parents[2]


def _localized_texts(value: object, path: str = "") -> list[tuple[str, object]]:
    """Every object in the document that looks like a LocalizedText ({"ja": …} or {"en": …})."""
    found: list[tuple[str, object]] = []
    if isinstance(value, dict):
        if "ja" in value or "en" in value:
            return [(path, value)]
        for key, child in value.items():
            found += _localized_texts(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _localized_texts(child, f"{path}[{index}]")
    return found


def _read_banner(stream: IO[str]) -> str:
    """Lines up to the banner's last one, or everything until the process ends."""
    lines: list[str] = []
    for line in stream:
        lines.append(line)
        if line.startswith("Press Ctrl-C"):
            break
    return "".join(lines)


def test_content_is_valid_and_every_text_is_in_japanese_and_english() -> None:
    document = demo_document()
    validate_document(document, set())
    texts = _localized_texts(document)
    assert len(texts) >= 30
    for path, text in texts:
        assert isinstance(text, dict) and set(text) == {"ja", "en"}, path
    admin = next(c for c in document["checklists"] if c["key"] == "admin-setup")
    assert admin["title"]["ja"] == "はじめてのセットアップ"
    assert admin["survey"]["question"]["ja"] == "初期設定は問題なく完了しましたか?"
    invite = next(i for i in admin["items"] if i["id"] == "invite-manager")
    assert invite["completion"]["where"] == {"role": "manager"}
    welcome = next(t for t in document["tours"] if t["key"] == "welcome")
    assert welcome["audience"]["all"] == [
        {"attribute": "user.role", "op": "equals", "value": "admin"}
    ]


def test_the_goals_use_the_demos_real_events() -> None:
    """Every event a goal counts is one the demo app sends (demo_app/pages.py)."""
    pages = (ROOT / "demo_app/pages.py").read_text(encoding="utf-8")
    goals = {g["key"]: g for g in demo_document()["goals"]}
    admin, employees = goals["admin-onboarded"], goals["employees-clocking-in"]
    events = [r["rule"]["event"] for g in goals.values() for r in g["rules"]]
    for event in events:
        assert f'"{event}"' in pages, event
    assert [r["id"] for r in admin["rules"]] == [
        "import-employees", "work-rules", "invite-manager", "first-clock-in"
    ]  # fmt: skip
    assert admin["rules"][2]["rule"]["where"] == {"role": "manager"}
    assert admin["company"] == {"type": "role", "trait": "role", "value": "admin"}
    assert employees["rules"][0]["rule"]["min_count"] == 3
    assert employees["company"] == {"type": "share", "percent": 80}


def test_provision_reuses_the_workspace_and_console_login(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 's.db'}", secret_key=SECRET)
    keys_file = tmp_path / "keys.json"
    first = provision(settings, ["http://127.0.0.1:8001"], keys_file)
    second = provision(settings, ["http://127.0.0.1:9001"], keys_file)
    assert first == second
    assert oct(keys_file.stat().st_mode & 0o777) == "0o600"
    keys_file.unlink()  # lost keys, kept database: a new workspace and a new printed password
    third = provision(settings, ["http://127.0.0.1:8001"], keys_file)
    assert third.workspace_id != first.workspace_id
    assert third.admin_password != first.admin_password


def test_launcher_starts_both_servers_prints_how_to_sign_in_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "SHIRUBE_DATABASE_URL": f"sqlite:///{tmp_path / 'shirube.db'}",
        "SHIRUBE_SECRET_KEY": SECRET,
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "demo_app", "--shirube-port", "0", "--demo-port", "0"]
    command += ["--keys-file", str(tmp_path / "keys.json")]
    command += ["--demo-database", str(tmp_path / "kintai.db")]
    with subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None and process.stderr is not None
            banner = _read_banner(process.stdout)
            demo_url = re.search(r"Demo app:\s+(http://\S+)", banner)
            shirube_url = re.search(r"Shirube:\s+(http://\S+)", banner)
            assert demo_url and shirube_url, banner
            assert "demo-admin@kintai.example" in banner
            assert re.search(r"Password:\s+\S{12,}", banner)
            keys_file = tmp_path / "keys.json"
            secret_key = json.loads(keys_file.read_text())["secret_key"]
            assert secret_key not in banner and str(keys_file) in banner
            assert keys_file.stat().st_mode & 0o077 == 0  # readable by its owner only
            with urllib.request.urlopen(f"{shirube_url.group(1)}/healthz", timeout=10) as answer:
                assert json.load(answer)["status"] == "ok"
            with urllib.request.urlopen(f"{demo_url.group(1)}/signin", timeout=10) as answer:
                assert "新しい会社ではじめる" in answer.read().decode()
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=20) == 0
            assert "demo: stopped" in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
