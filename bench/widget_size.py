"""Size of the end-user widget, raw and gzipped, next to Driver.js and Shepherd.js (JS + CSS as
their packages ship them, installed as benchmark-only dev dependencies in widget/node_modules).

    .venv/bin/python bench/widget_size.py

Gzip level 9 for all three, as `widget/build.mjs` measures the budget. Shirube's CSS lives inside
its JavaScript (constructable stylesheets), so its one file is the whole runtime.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import harness

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "server/shirube/static/widget/shirube.js"
MODULES = ROOT / "widget/node_modules"
BUDGET_GZIP = 12 * 1024
LIBRARIES: dict[str, list[Path]] = {
    "Shirube": [BUNDLE],
    "Driver.js": [
        MODULES / "driver.js/dist/driver.js.iife.js",
        MODULES / "driver.js/dist/driver.css",
    ],
    "Shepherd.js": [
        MODULES / "shepherd.js/dist/js/shepherd.mjs",
        MODULES / "shepherd.js/dist/css/shepherd.css",
    ],
}


@dataclass(frozen=True)
class Size:
    name: str
    version: str
    raw: int
    gzipped: int


def package_version(name: str) -> str:
    if name == "Shirube":
        return "this tree"
    package = MODULES / name.lower() / "package.json"
    version: str = json.loads(package.read_text())["version"]
    return version


def measure(name: str, files: list[Path]) -> Size:
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        hint = (
            "build the widget: npm ci --prefix widget && npm run build --prefix widget"
            if name == "Shirube"
            else "install the dev dependencies: npm ci --prefix widget"
        )
        raise harness.BenchError(f"{name}: missing {', '.join(missing)} ({hint})")
    # JS and CSS are shipped as separate files: each is gzipped on its own, as a server would.
    raw = sum(path.stat().st_size for path in files)
    gzipped = sum(len(gzip.compress(path.read_bytes(), compresslevel=9)) for path in files)
    return Size(name, package_version(name), raw, gzipped)


def run(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0]).parse_args(argv)
    sizes = [measure(name, files) for name, files in LIBRARIES.items()]
    shirube = sizes[0]
    print(f"Widget bundle size (JS + CSS); {harness.machine_line()}")
    rows = [["library", "version", "raw bytes", "gzip bytes", "gzip vs Shirube"]]
    for size in sizes:
        ratio = size.gzipped / shirube.gzipped
        rows.append(
            [size.name, size.version, f"{size.raw:,}", f"{size.gzipped:,}", f"{ratio:.2f}×"]
        )
    harness.table(rows)
    verdict = "PASS" if shirube.gzipped <= BUDGET_GZIP else "FAIL"
    print(f"budget: Shirube {shirube.gzipped:,} B gzip ≤ {BUDGET_GZIP:,} B: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    harness.main_guard(run)
