"""`shirube demo`: a local server with an example workspace and content, ready to try.

The demo keeps its keys in a local file (development only) so that running it again reuses
the same workspace instead of printing new keys every time.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
from sqlmodel import Session

from shirube.settings import Settings

DEMO_ORIGINS = ["http://127.0.0.1:8001", "http://localhost:8001"]


def _keys_file(settings: Settings) -> Path:
    return Path(os.environ.get("SHIRUBE_DEMO_KEYS_FILE", ".shirube-demo.json"))


def _existing_keys(session: Session, path: Path) -> dict[str, Any] | None:
    from shirube.services.workspaces import workspace_by_public_key, workspace_by_secret_key

    try:
        keys: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    found = workspace_by_public_key(session, str(keys.get("public_key", "")))
    if found is None or workspace_by_secret_key(session, str(keys.get("secret_key", ""))) != found:
        return None
    return keys


def prepare_demo(settings: Settings, content_path: Path, keys_path: Path) -> dict[str, Any]:
    from shirube.api.transfer import import_document
    from shirube.cli import _run, _upgrade
    from shirube.services.workspaces import create_workspace

    _upgrade(settings)
    document = json.loads(content_path.read_text(encoding="utf-8"))

    def work(session: Session) -> dict[str, Any]:
        keys = _existing_keys(session, keys_path)
        if keys is None:
            keys = create_workspace(
                session, "Kintai Cloud (demo)", DEMO_ORIGINS, default_locale="ja"
            ).as_json()
            fd = os.open(keys_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                json.dump(keys, handle, indent=2)
        import_document(session, keys["id"], document, publish=True)
        return keys

    return _run(settings, work)


@click.command()
@click.option(
    "--content",
    "content_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=Path("examples/kintai-content.json"),
    show_default=True,
)
@click.option("--port", type=int, default=None)
def demo(content_path: Path, port: int | None) -> None:
    """Start the server with an example workspace and its content; print URL and keys."""
    import uvicorn

    from shirube.app import create_app
    from shirube.cli import _settings

    settings = _settings()
    keys_path = _keys_file(settings)
    keys = prepare_demo(settings, content_path, keys_path)
    url = f"http://{settings.host}:{port or settings.port}"
    click.echo(
        "\n".join(
            [
                "",
                f"Shirube is running at {url}",
                f"  workspace:        {keys['name']} (id {keys['id']})",
                f"  public key:       {keys['public_key']}",
                f"  secret key:       {keys['secret_key']}",
                f"  identity secret:  {keys['identity_secret']}",
                f"  allowed origins:  {', '.join(keys['allowed_origins'])}",
                f"  (keys saved in {keys_path}; delete it to get a fresh workspace)",
                "",
                "Try it:",
                f"  curl -s {url}/healthz",
                f"  curl -s -H 'Authorization: Bearer {keys['secret_key']}' {url}/api/v1/tours",
                f"  curl -s -X POST {url}/api/v1/widget/session "
                f"-H 'Origin: {DEMO_ORIGINS[0]}' "
                f'-d \'{{"public_key": "{keys["public_key"]}", "user_id": "u-1", '
                f'"traits": {{"role": "admin"}}, "locale": "ja"}}\'',
                f"  API reference: {url}/api/v1/openapi.json (and docs/api.md)",
                "Press Ctrl-C to stop.",
                "",
            ]
        )
    )
    uvicorn.run(
        create_app(settings), host=settings.host, port=port or settings.port, log_level="warning"
    )
