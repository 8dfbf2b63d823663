"""docs/sdk.md stays complete: every Client option and public method is documented, and the
SDK's README links to it."""

from __future__ import annotations

import inspect
from pathlib import Path

from shirube_sdk import Client

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sdk.md").read_text(encoding="utf-8")


def test_every_option_is_documented() -> None:
    options = list(inspect.signature(Client.__init__).parameters)[1:]
    assert [name for name in options if f"`{name}`" not in DOC and f"`{name}(" not in DOC] == [
        "server_url",
        "secret_key",
        "identity_secret",
    ]  # these three are the heading's positional arguments
    assert "Client(server_url, secret_key, identity_secret=None" in DOC


def test_every_public_method_is_documented() -> None:
    methods = [
        name
        for name, _ in inspect.getmembers(Client, inspect.isfunction)
        if not name.startswith("_")
    ]
    assert [name for name in methods if f"`{name}(" not in DOC] == []


def test_readme_links_the_reference() -> None:
    assert "../docs/sdk.md" in (ROOT / "sdk" / "README.md").read_text(encoding="utf-8")
