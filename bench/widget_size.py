"""Size of the end-user widget, raw, gzipped and brotli-compressed, and the bytes a browser
receives for it, next to Driver.js and Shepherd.js (JS + CSS as their packages ship them,
installed as benchmark-only dev dependencies in widget/node_modules).

    .venv/bin/python bench/widget_size.py

Every file is compressed at the levels `widget/build.mjs` uses for the copies Shirube serves:
gzip 9, brotli 11 (text mode), both by Node's zlib (Python's standard library has no brotli).
Shirube's CSS lives inside its JavaScript (constructable stylesheets), so the core (the entry
script) is the whole runtime until a lazily loaded chunk is needed; each chunk is its own row.
The wire columns are measured: a Shirube server started by `launcher.py` is asked for each file
with `Accept-Encoding: br` and `gzip`, over a plain socket, and every byte of the answer is
counted (headers included; the body alone in parentheses). Driver.js and Shepherd.js have no
such server here: their wire columns would be their compressed sizes plus a server's headers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import harness
import launcher

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "server/shirube/static/widget"
MODULES = ROOT / "widget/node_modules"
BUDGET_GZIP = 12 * 1024
LIBRARIES: dict[str, list[Path]] = {
    "Driver.js": [
        MODULES / "driver.js/dist/driver.js.iife.js",
        MODULES / "driver.js/dist/driver.css",
    ],
    "Shepherd.js": [
        MODULES / "shepherd.js/dist/js/shepherd.mjs",
        MODULES / "shepherd.js/dist/css/shepherd.css",
    ],
}
# Node's zlib at build.mjs's levels; prints [raw, gzip, brotli] per file given.
COMPRESS = """
const z = require("node:zlib"), fs = require("node:fs");
console.log(JSON.stringify(process.argv.slice(1).map((file) => {
  const bytes = fs.readFileSync(file);
  const br = z.brotliCompressSync(bytes, { params: {
    [z.constants.BROTLI_PARAM_QUALITY]: z.constants.BROTLI_MAX_QUALITY,
    [z.constants.BROTLI_PARAM_MODE]: z.constants.BROTLI_MODE_TEXT,
    [z.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  return [bytes.length, z.gzipSync(bytes, { level: 9 }).length, br.length];
})));
"""


@dataclass(frozen=True)
class Size:
    name: str
    version: str
    raw: int
    gzipped: int
    brotli: int
    # Measured from a running server: (whole answer, body) per coding.
    wire: dict[str, tuple[int, int]] | None = None


def compressed_sizes(files: list[Path]) -> tuple[int, int, int]:
    """Raw, gzip and brotli bytes, summed over files each compressed on its own (as served)."""
    missing = [str(path) for path in files if not path.is_file()]
    if missing:
        raise harness.BenchError(
            f"missing {', '.join(missing)} (build the widget: npm ci --prefix widget && "
            "npm run build --prefix widget)"
        )
    node = shutil.which("node")
    if node is None:
        raise harness.BenchError("node not on PATH (it compresses with brotli as the build does)")
    result = subprocess.run(
        [node, "-e", COMPRESS, *map(str, files)], capture_output=True, text=True, check=True
    )
    rows: list[list[int]] = json.loads(result.stdout)
    raw, gzipped, brotli = (sum(column) for column in zip(*rows, strict=True))
    return raw, gzipped, brotli


def package_version(name: str) -> str:
    package = MODULES / name.lower() / "package.json"
    version: str = json.loads(package.read_text())["version"]
    return version


def fetch(url: str, accept_encoding: str) -> tuple[int, int, str]:
    """Bytes of the whole answer, of its body, and its Content-Encoding (one HTTP/1.1 GET)."""
    parts = urlsplit(url)
    request = (
        f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        f"Accept-Encoding: {accept_encoding}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0]
    if b" 200 " not in status:
        raise harness.BenchError(f"{url}: {status.decode(errors='replace')}")
    headers = dict(
        line.decode().lower().split(": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
    )
    if int(headers["content-length"]) != len(body):
        raise harness.BenchError(f"{url}: Content-Length does not match the body")
    return len(answer), len(body), headers.get("content-encoding", "identity")


def measure_wire(paths: dict[str, str], keep: bool) -> dict[str, dict[str, tuple[int, int]]]:
    """For each name, the bytes of the answer to its /widget/ path, per coding asked for."""
    wire: dict[str, dict[str, tuple[int, int]]] = {}
    with harness.workdir(keep) as work:
        database_url = f"sqlite:///{work / 'shirube.db'}"
        launcher.migrate(database_url)
        with harness.serve("shirube", work, database_url=database_url) as server:
            for name, path in paths.items():
                wire[name] = {}
                for coding in ("br", "gzip"):
                    total, body, sent = fetch(f"{server.base_url}/widget/{path}", coding)
                    if sent != coding:
                        raise harness.BenchError(f"/widget/{path}: asked {coding}, got {sent}")
                    wire[name][coding] = (total, body)
    return wire


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)
    manifest = json.loads((STATIC / "manifest.json").read_text("utf-8"))
    own = {"Shirube core": manifest["file"]}
    own |= {f"Shirube chunk {name}": chunk["file"] for name, chunk in manifest["chunks"].items()}
    wire = measure_wire(own, args.keep)
    sizes = [
        Size(name, "this tree", *compressed_sizes([STATIC / path]), wire=wire[name])
        for name, path in own.items()
    ]
    sizes += [
        Size(name, package_version(name), *compressed_sizes(files))
        for name, files in LIBRARIES.items()
    ]
    core = sizes[0]
    print(f"Widget size (JS + CSS); {harness.machine_line()}; load {harness.load_average()}")
    rows = [
        [
            "file",
            "version",
            "raw",
            "gzip -9",
            "brotli 11",
            "br vs core",
            "wire br (body)",
            "wire gzip (body)",
        ]
    ]
    for size in sizes:
        cells = [size.name, size.version, f"{size.raw:,}", f"{size.gzipped:,}", f"{size.brotli:,}"]
        cells.append(f"{size.brotli / core.brotli:.2f}×")
        for coding in ("br", "gzip"):
            if size.wire is None:
                cells.append("-")
            else:
                total, body = size.wire[coding]
                cells.append(f"{total:,} ({body:,})")
        rows.append(cells)
    harness.table(rows)
    verdict = "PASS" if core.gzipped <= BUDGET_GZIP else "FAIL"
    print(f"budget: Shirube core {core.gzipped:,} B gzip ≤ {BUDGET_GZIP:,} B: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    harness.main_guard(run)
