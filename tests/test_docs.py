"""Tests keep the docs honest: settings, endpoints and commands are all documented."""

from __future__ import annotations

import re
from pathlib import Path

import click
from shirube.api.openapi import build_openapi
from shirube.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
API_DOC = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme() -> None:
    source = (ROOT / "server" / "shirube" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"(SHIRUBE_[A-Z_]+)"', source))
    assert names, "settings.py reads no SHIRUBE_ variables?"
    missing = sorted(name for name in names if f"`{name}`" not in README)
    assert missing == []


def _documented(path: str) -> bool:
    generic = re.sub(r"/api/v1/(tours|checklists|goals|resource_centers)", "/api/v1/{kind}", path)
    for candidate in {path, generic}:
        if candidate in API_DOC:
            return True
    # Content routes are documented once for every kind as /api/v1/{tours,checklists,…}.
    every = "/api/v1/{tours,checklists,goals,resource_centers}"
    return re.sub(r"/api/v1/(tours|checklists|goals|resource_centers)$", every, path) in API_DOC


def test_every_endpoint_is_in_docs_api_md() -> None:
    missing = sorted(path for path in build_openapi()["paths"] if not _documented(path))
    assert missing == []


def test_every_command_is_in_the_readme() -> None:
    commands: list[str] = []

    def walk(group: click.Group, prefix: str) -> None:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                walk(command, f"{prefix}{name} ")
            else:
                commands.append(f"shirube {prefix}{name}")

    walk(main, "")
    missing = sorted(command for command in commands if f"`{command}" not in README)
    assert missing == []


def test_every_module_is_in_the_architecture_map() -> None:
    package = ROOT / "server" / "shirube"
    modules = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "__init__.py" and "versions" not in path.parts
    ]
    assert len(modules) > 50
    missing = sorted(module for module in modules if f"`{module}`" not in ARCHITECTURE)
    assert missing == []
