"""Debian's nginx in front of Shirube instances, run from a directory of its own: the
configuration of docs/deploy.md (`deploy/nginx/shirube-proxy.conf`, included as it is) with an
upstream of the given ports, round robin, on a free loopback port, in the foreground.

Used by the deployment tests (tests/deploy/) and by bench/load_balancer.py; nothing here needs
pytest. nginx itself is installed by `make test` / `make bench` (the Makefile's `nginx` target).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROXY_CONF = ROOT / "deploy" / "nginx" / "shirube-proxy.conf"
HOST = "127.0.0.1"
# One line per request: when it ended, which instance answered ($upstream_addr lists every one
# tried, in order, when nginx passed the request on), with what, and the client's X-Request-Id.
LOG_FORMAT = "$msec|$request_method|$uri|$status|$upstream_addr|$upstream_status|$http_x_request_id"


def nginx_binary() -> str | None:
    found = shutil.which("nginx")
    if found is not None:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class LogLine:
    at: float  # seconds since the epoch, when nginx finished the request
    method: str
    path: str
    status: int
    # Every instance tried, in order ("127.0.0.1:8001"), and what each answered ("502", "-").
    upstreams: tuple[str, ...]
    upstream_statuses: tuple[str, ...]
    request_id: str


def _split(value: str) -> tuple[str, ...]:
    # nginx separates the servers tried with ", " and internal redirects with " : ".
    parts = value.replace(" : ", ", ").split(", ")
    return tuple(part for part in parts if part and part != "-")


class Nginx:
    """One nginx master process (plus one worker) serving `shirube-proxy.conf`.

    `tls` is (certificate, key): an https listener on a second free port as well.
    `fail_timeout_s` is how long an instance that failed a request is left out (the production
    configuration says 10 s; tests shorten it so that a restarted instance rejoins sooner).
    """

    def __init__(
        self,
        workdir: Path,
        upstream_ports: Sequence[int],
        *,
        tls: tuple[Path, Path] | None = None,
        fail_timeout_s: int = 10,
        access_log: bool = True,
        keepalive: int = 32,
    ) -> None:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed: `make test` installs Debian's nginx")
        self.binary = binary
        self.prefix = workdir / f"nginx-{os.getpid()}-{free_port()}"
        self.prefix.mkdir(parents=True)
        self.port = free_port()
        self.tls_port = free_port() if tls is not None else None
        self.upstream_ports = list(upstream_ports)
        self.access_log_path = self.prefix / "access.log" if access_log else None
        self.error_log_path = self.prefix / "error.log"
        self.config_path = self.prefix / "nginx.conf"
        self.config_path.write_text(self._config(tls, fail_timeout_s, keepalive))
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def tls_url(self) -> str:
        assert self.tls_port is not None, "started without tls"
        return f"https://{HOST}:{self.tls_port}"

    def _config(self, tls: tuple[Path, Path] | None, fail_timeout_s: int, keepalive: int) -> str:
        servers = "\n".join(
            f"        server {HOST}:{port} max_fails=1 fail_timeout={fail_timeout_s}s;"
            for port in self.upstream_ports
        )
        temp = "\n".join(
            f"    {kind}_temp_path {self.prefix / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        log = (
            f"    log_format shirube '{LOG_FORMAT}';\n"
            f"    access_log {self.access_log_path} shirube;"
            if self.access_log_path is not None
            else "    access_log off;"
        )
        listen_tls = ""
        if tls is not None:
            certificate, key = tls
            listen_tls = (
                f"        listen {HOST}:{self.tls_port} ssl;\n"
                f"        ssl_certificate {certificate};\n"
                f"        ssl_certificate_key {key};"
            )
        # Workers switch to `user` only when the master runs as root (and nginx warns if the
        # directive is given otherwise); root here, so that they can read the test's files.
        user = "user root;\n" if os.geteuid() == 0 else ""
        return f"""{user}daemon off;
worker_processes 1;
pid {self.prefix / "nginx.pid"};
error_log {self.error_log_path} warn;
events {{
    worker_connections 1024;
}}
http {{
{temp}
{log}
    upstream shirube {{
{servers}
        keepalive {keepalive};
        keepalive_timeout 4s;
    }}
    server {{
        listen {HOST}:{self.port};
{listen_tls}
        include {PROXY_CONF};
    }}
}}
"""

    def start(self, timeout_s: float = 15.0) -> None:
        command = [
            self.binary, "-p", str(self.prefix), "-c", str(self.config_path),
            "-e", str(self.error_log_path),
        ]  # fmt: skip
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused its configuration:\n{checked.stderr}")
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.error_log()}")
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), 1):
                return
            time.sleep(0.05)
        raise RuntimeError(f"nginx did not listen within {timeout_s:.0f} s: {self.error_log()}")

    def stop(self) -> None:
        """SIGQUIT (finish what is in flight), then SIGKILL if it lingers: only our master."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def error_log(self) -> str:
        with contextlib.suppress(OSError):
            return self.error_log_path.read_text(errors="replace")[-3000:]
        return ""

    def log_lines(self) -> list[LogLine]:
        if self.access_log_path is None or not self.access_log_path.exists():
            return []
        lines: list[LogLine] = []
        for raw in self.access_log_path.read_text(errors="replace").splitlines():
            parts = raw.split("|")
            if len(parts) != 7:
                continue
            at, method, path, status, upstreams, statuses, request_id = parts
            lines.append(
                LogLine(
                    float(at), method, path, int(status), _split(upstreams), _split(statuses),
                    "" if request_id == "-" else request_id,
                )
            )  # fmt: skip
        return lines


@contextlib.contextmanager
def running_nginx(
    workdir: Path, upstream_ports: Sequence[int], **options: object
) -> Iterator[Nginx]:
    nginx = Nginx(workdir, upstream_ports, **options)  # type: ignore[arg-type]
    nginx.start()
    try:
        yield nginx
    finally:
        nginx.stop()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, valid one day (openssl's command line)."""
    certificate, key = directory / "tls.crt", directory / "tls.key"
    command = [
        "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-days", "1", "-subj", "/CN=localhost",
        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        "-keyout", str(key), "-out", str(certificate),
    ]  # fmt: skip
    subprocess.run(command, check=True, capture_output=True)
    return certificate, key
