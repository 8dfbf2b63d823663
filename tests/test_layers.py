"""The layers of docs/architecture.md, checked on every import of the package: HTTP knows no
SQL, services know no HTTP, the data-access layer knows no service, content rules know no
storage, and only the data-access layer talks to a database driver."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "shirube"

HTTP = (
    "starlette",
    "shirube.api",
    "shirube.console",
    "shirube.middleware",
    "shirube.app",
    "shirube.jsonresponse",
)
DRIVERS = ("sqlite3", "psycopg")
# What each part may not import (a prefix matches the module and everything below it).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "storage": ("shirube.services", "shirube.content", "shirube.security", *HTTP),
    "services": (*HTTP, *DRIVERS, "shirube.cli"),
    "content": ("shirube.storage", "shirube.services", "sqlalchemy", *HTTP, *DRIVERS),
    "security": ("shirube.storage", "shirube.services", "sqlalchemy", *HTTP, *DRIVERS),
    "api": ("sqlalchemy", "shirube.storage.tables", "shirube.storage.statements", *DRIVERS),
    "console": ("sqlalchemy", "shirube.storage.tables", "shirube.storage.statements", *DRIVERS),
    "errors.py": (*HTTP, "sqlalchemy"),
    "identifiers.py": (*HTTP, "sqlalchemy", "shirube.storage"),
    "invisible.py": (*HTTP, "sqlalchemy", "shirube.storage"),
    "validation.py": (*HTTP, "sqlalchemy", "shirube.storage"),
    "context.py": (*HTTP,),
    "observability": (*HTTP, *DRIVERS, "shirube.services", "shirube.cli"),
    "cli.py": (*DRIVERS, "shirube.api", "shirube.console", "demo_app"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _modules(part: str) -> list[Path]:
    target = PACKAGE / part
    return [target] if target.is_file() else sorted(target.rglob("*.py"))


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_each_layer_imports_only_what_it_may(part: str) -> None:
    broken = [
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in _modules(part)
        for name in sorted(_imports(path))
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[part])
    ]
    assert broken == []
