"""The widget's positioning core (widget/src/geometry.ts) unit-tested over fake rects, and its
chunk loader (widget/src/chunks.ts), with Node's own test runner (`npm test --prefix widget`,
widget/test/), run here so that `make test` runs them too; the browser tests in this folder
cover the DOM side."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]


def test_positioning_core_unit_tests_pass() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        # In CI a missing Node is a broken image, not a reason to skip.
        message = "node or npm not on PATH: cannot run `npm test --prefix widget`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run(
        ["npm", "test", "--prefix", "widget"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
