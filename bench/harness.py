"""What every benchmark shares: finding wrk, starting servers, running wrk, scratch databases,
profiling with py-spy and printing tables.

Servers are started as subprocesses by `launcher.py` on free loopback ports, always with the
same uvicorn settings, and always stopped at the end (context managers, try/finally).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

BENCH_DIR = Path(__file__).resolve().parent
LUA_DIR = BENCH_DIR / "lua"
LAUNCHER = BENCH_DIR / "launcher.py"
HOST = "127.0.0.1"
RESULT_MARKER = "@@BENCH_RESULT "
DRAINED_MARKER = "@@BENCH_DRAINED"


class BenchError(RuntimeError):
    """A problem that makes the run meaningless; the message is shown to the user."""


# --- wrk ------------------------------------------------------------------------------------


def find_wrk() -> str:
    """Return the path of wrk; install it with apt-get when running as root, else explain."""
    path = shutil.which("wrk")
    if path is not None:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get") is not None:
        print("wrk not found: installing it with apt-get (running as root) …", flush=True)
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, check=False, stdout=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-q"], check=False, stdout=subprocess.DEVNULL)
            subprocess.run(install, check=False, stdout=subprocess.DEVNULL)
        path = shutil.which("wrk")
        if path is not None:
            return path
    raise BenchError(
        "wrk (the HTTP load generator) is not installed: run `sudo apt-get install -y wrk` "
        "(Debian/Ubuntu) or `brew install wrk` (macOS), then try again"
    )


@dataclass
class WrkResult:
    """What one wrk run measured; `extra` holds the counters the Lua script added."""

    label: str
    connections: int
    requests: int
    duration_s: float
    bytes_read: int
    latency_ms: dict[str, float]
    errors: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def bytes_per_response(self) -> float:
        return self.bytes_read / self.requests if self.requests else 0.0


def run_wrk(
    wrk: str,
    url: str,
    script: Path,
    args: Sequence[str],
    *,
    label: str,
    connections: int,
    duration_s: float,
    threads: int = 1,
    timeout_s: int = 10,
    cpu: int | None = None,
) -> WrkResult:
    """Run wrk for at most `duration_s` (less when the script reports it has drained) and
    parse the JSON line the Lua `done()` prints."""
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        f"--timeout={timeout_s}s",
        "-s",
        str(script),
        url,
        "--",
        *args,
    ]
    stdout = _run_until_drained(command, threads, duration_s + timeout_s + 60, cpu)
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            data = json.loads(line[len(RESULT_MARKER) :])
            return WrkResult(
                label=label,
                connections=connections,
                requests=int(data.pop("requests")),
                duration_s=float(data.pop("duration_us")) / 1e6,
                bytes_read=int(data.pop("bytes")),
                latency_ms={k: v / 1000 for k, v in data.pop("latency_us").items()},
                errors={k: int(v) for k, v in data.pop("errors").items()},
                extra=data,
            )
    raise BenchError(f"wrk gave no result:\n{stdout}")


def _run_until_drained(command: list[str], threads: int, limit_s: float, cpu: int | None) -> str:
    """Run wrk and return its output. A script may print DRAINED_MARKER once per thread when
    it has nothing in flight; wrk is then interrupted (SIGINT: it still reports) instead of
    sleeping to the end of -d."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=_pin(cpu),
    )
    guard = threading.Timer(limit_s, process.kill)
    guard.start()
    lines: list[str] = []
    drained = 0
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if line.startswith(DRAINED_MARKER):
                drained += 1
                if drained == threads:
                    with contextlib.suppress(ProcessLookupError):
                        process.send_signal(signal.SIGINT)
        process.wait()
    finally:
        guard.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    return "".join(lines)


# --- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _pin(cpu: int | None) -> Any:
    if cpu is None:
        return None

    def pin() -> None:
        os.sched_setaffinity(0, {cpu})

    return pin


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def port(self) -> int:
        return int(self.base_url.rsplit(":", 1)[1])

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@contextlib.contextmanager
def serve(
    kind: str,
    workdir: Path,
    *,
    database_url: str | None = None,
    cpu: int | None = None,
    loop: str = "uvloop",
    ready_path: str = "/healthz",
    start_timeout_s: float = 30.0,
    env: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Start `launcher.py <kind>` on a free loopback port (with `env` added to this process's
    environment); wait until it answers; always stop it."""
    port = free_port()
    command = [sys.executable, str(LAUNCHER), kind, "--port", str(port), "--loop", loop]
    if database_url is not None:
        command += ["--database-url", database_url]
    log_path = workdir / f"server-{kind}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=_pin(cpu),
            env=None if env is None else {**os.environ, **env},
        )
    server = Server(kind, f"http://{HOST}:{port}", process, log_path)
    try:
        _wait_ready(server, ready_path, start_timeout_s)
        yield server
    finally:
        stop_process(process)


def _wait_ready(server: Server, path: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"the {server.name} server exited with {server.process.returncode}:\n"
                + server.log_tail()
            )
        try:
            with urllib.request.urlopen(server.base_url + path, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise BenchError(f"the {server.name} server did not answer within {timeout_s:.0f} s")


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the one process we started, then SIGKILL it if it lingers."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(timeout=10)


def post_json(
    url: str, body: Any, headers: dict[str, str] | None = None, timeout: float = 10
) -> tuple[int, bytes]:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# --- databases ------------------------------------------------------------------------------


def postgres_url(url: str) -> str:
    """Accept postgres:// and postgresql:// and use the psycopg 3 driver Shirube ships."""
    for scheme in ("postgres://", "postgresql://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    if not url.startswith("postgresql+psycopg://"):
        raise BenchError(f"--postgres needs a postgresql:// URL, got {url!r}")
    return url


@contextlib.contextmanager
def scratch_postgres(url: str) -> Iterator[str]:
    """Create a database of our own (shirube_bench_<random>) on the server; always drop it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = postgres_url(url)
    name = f"shirube_bench_{secrets.token_hex(5)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        raise BenchError(f"cannot create a scratch database on {base}: {exc}") from exc
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def autovacuum_on(database_url: str) -> bool:
    """Whether the PostgreSQL server at `database_url` runs autovacuum (docs/deploy.md keeps
    it on; some development servers, this machine's among them, turn it off)."""
    from shirube.storage.engine import make_engine
    from sqlalchemy import text

    engine = make_engine(database_url, pooled=False)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(text("SHOW autovacuum")).scalar() == "on")
    finally:
        engine.dispose()


def maintain(database_url: str, statement: str) -> None:
    """Run `statement` (ANALYZE, VACUUM ANALYZE) on the whole database, outside any
    transaction: what autovacuum would have done by then on a production server."""
    from shirube.storage.engine import make_engine
    from sqlalchemy import text

    engine = make_engine(database_url, pooled=False)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


@contextlib.contextmanager
def workdir(keep: bool) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="shirube-bench-"))
    try:
        yield path
    finally:
        if keep:
            print(f"(files kept in {path})")
        else:
            shutil.rmtree(path, ignore_errors=True)


# --- profiling ------------------------------------------------------------------------------


def find_py_spy() -> str | None:
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextlib.contextmanager
def py_spy(pid: int, output: Path, duration_s: float | None, rate: int = 200) -> Iterator[None]:
    """Sample `pid` with py-spy (raw collapsed stacks) while the body runs: for `duration_s`,
    or, when None, until the body ends (py-spy is then interrupted and writes its file)."""
    binary = find_py_spy()
    if binary is None:
        raise BenchError("--profile needs py-spy: `.venv/bin/pip install py-spy`")
    command = [
        binary, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw",
        "--function", "--nonblocking", "--output", str(output),
    ]  # fmt: skip
    if duration_s is not None:
        command += ["--duration", str(max(1, round(duration_s)))]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        time.sleep(0.5)  # let py-spy attach before the load starts
        yield
        if duration_s is None:
            process.send_signal(signal.SIGINT)
        process.wait(timeout=(duration_s or 0) + 30)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=10)


_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _frame_name(frame: str) -> str:
    match = _FRAME.match(frame)
    if match is None:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "server/", "bench/", "lib/python3"):
        index = path.find(marker)
        if index >= 0:
            path = path[index + len(marker) :]
            break
    return f"{match['func']} ({path})"


@dataclass
class Profile:
    samples: int
    inclusive: Counter[str]
    own: Counter[str]


def read_profile(path: Path) -> Profile:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame_name(frame) for frame in stack.split(";")]
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    return Profile(total, inclusive, own)


def print_profile(profile: Profile, out: TextIO, top: int = 15) -> None:
    if profile.samples == 0:
        print("  (py-spy recorded no samples)", file=out)
        return

    def share(count: int) -> str:
        return f"{100 * count / profile.samples:5.1f}%"

    print(f"  {profile.samples} samples of the server's busy (non-idle) time", file=out)
    print("  Shirube functions, inclusive (share of busy samples with it on the stack):", file=out)
    shirube = [(n, c) for n, c in profile.inclusive.most_common() if "(shirube/" in n]
    for name, count in shirube[:top]:
        print(f"    {share(count)}  {name}", file=out)
    print("  Hottest functions by own time (any module):", file=out)
    for name, count in profile.own.most_common(top):
        print(f"    {share(count)}  {name}", file=out)


# --- output ---------------------------------------------------------------------------------


def table(rows: Sequence[Sequence[str]], out: TextIO = sys.stdout) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        cells = [cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in
                 enumerate(zip(row, widths, strict=True))]  # fmt: skip
        print("  " + "  ".join(cells), file=out)
        if index == 0:
            print("  " + "  ".join("-" * width for width in widths), file=out)


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def parse_connections(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise BenchError(f"--connections takes numbers separated by commas, got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise BenchError(f"--connections takes positive numbers, got {text!r}")
    return values


def machine_line() -> str:
    cpus = os.cpu_count() or 0
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{cpus} cores{f' ({model})' if model else ''}, Python {sys.version.split()[0]}"


def process_cpu(pid: int | str) -> tuple[float, float]:
    """User and system CPU seconds `pid` has used so far (Linux /proc; zeros elsewhere).
    `"<pid>/task/<tid>"` reads one thread."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0, 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def load_average() -> str:
    """The 1-minute load average: other work on the machine shows up here (and in the figures)."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def main_guard(run: Any) -> None:
    """Run a benchmark's main, turning BenchError into a one-line message and exit code 2."""
    try:
        code = run()
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code)
