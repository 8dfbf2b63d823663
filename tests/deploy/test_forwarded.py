"""Behind nginx, Shirube sees the client's own address and scheme, and no client can make it
see another: nginx replaces X-Forwarded-For and X-Forwarded-Proto with what it knows, and the
instances believe them only from FORWARDED_ALLOW_IPS (nginx's address).

The address is observed where Shirube uses it: the console's sign-in throttle stores each
attempt's address. The scheme decides the console's Secure cookie and HSTS header. Clients
connect from 127.0.0.2, nginx from 127.0.0.1."""

from __future__ import annotations

import gzip
import re
import uuid
from urllib.parse import urlencode

import pytest

from tests.deploy.conftest import CLIENT_ADDRESS, PROXY_ADDRESS, Cluster
from tests.deploy.http import Reply, request

pytestmark = pytest.mark.postgres

SPOOFED = "203.0.113.7"


def _sign_in(
    cluster: Cluster, base: str, source: str, headers: dict[str, str] | None = None
) -> tuple[Reply, str]:
    """A failed sign-in (the login page, then its form); the address it was counted by."""
    extra = headers or {}
    cafile = str(cluster.certificate)
    page = request("GET", base + "/console/login", headers=extra, source=source, cafile=cafile)
    assert page.status == 200
    cookie = (page.header("Set-Cookie") or "").split(";")[0]
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.body.decode())
    assert match is not None and cookie
    email = f"nobody-{uuid.uuid4().hex[:8]}@example.com"
    form = urlencode({"email": email, "password": "not the password", "csrf_token": match[1]})
    answer = request(
        "POST",
        base + "/console/login",
        raw=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie, **extra},
        source=source,
        cafile=cafile,
    )
    # 400: the CSRF token of a page one instance served was accepted by whichever answered.
    assert answer.status == 400, answer.body
    address = cluster.scalar("SELECT address FROM sign_in_attempt WHERE email = :e", e=email)
    return page, str(address)


def _secure_cookie(page: Reply) -> bool:
    attributes = (page.header("Set-Cookie") or "").split(";")[1:]
    return "secure" in {attribute.strip().lower() for attribute in attributes}


def test_through_nginx_the_client_address_is_the_clients_own(cluster: Cluster) -> None:
    _, counted = _sign_in(cluster, cluster.lb, CLIENT_ADDRESS, {"X-Forwarded-For": SPOOFED})
    assert counted == CLIENT_ADDRESS


def test_an_instance_reached_directly_believes_no_header(cluster: Cluster) -> None:
    _, counted = _sign_in(cluster, cluster.url("a"), CLIENT_ADDRESS, {"X-Forwarded-For": SPOOFED})
    assert counted == CLIENT_ADDRESS


def test_trust_is_by_the_proxys_address(cluster: Cluster) -> None:
    """What FORWARDED_ALLOW_IPS means: a connection from the listed address is believed. So an
    instance must not be reachable from that address by anyone but the proxy (docs/deploy.md:
    bind the instances to loopback or a private network)."""
    _, counted = _sign_in(cluster, cluster.url("b"), PROXY_ADDRESS, {"X-Forwarded-For": SPOOFED})
    assert counted == SPOOFED


def test_https_at_nginx_is_https_to_shirube(cluster: Cluster) -> None:
    page, counted = _sign_in(cluster, cluster.nginx.tls_url, CLIENT_ADDRESS)
    assert counted == CLIENT_ADDRESS
    assert _secure_cookie(page)
    assert page.header("Strict-Transport-Security") == "max-age=31536000"


@pytest.mark.parametrize("through", ["nginx", "direct"])
def test_a_client_cannot_claim_https(cluster: Cluster, through: str) -> None:
    base = cluster.lb if through == "nginx" else cluster.url("a")
    page, _ = _sign_in(cluster, base, CLIENT_ADDRESS, {"X-Forwarded-Proto": "https"})
    assert not _secure_cookie(page)
    assert page.header("Strict-Transport-Security") is None


@pytest.mark.parametrize(("accept", "coding"), [("gzip", "gzip"), ("gzip, deflate, br", "br")])
def test_nginx_passes_the_widgets_own_compression_through(
    cluster: Cluster, accept: str, coding: str
) -> None:
    direct = request("GET", cluster.url("a") + "/widget/shirube.js")
    assert direct.status == 200 and direct.header("Content-Encoding") is None
    through = request("GET", cluster.lb + "/widget/shirube.js", headers={"Accept-Encoding": accept})
    own = request(
        "GET", cluster.url("a") + "/widget/shirube.js", headers={"Accept-Encoding": accept}
    )
    # Shirube's copy compressed at build time, not compressed again by nginx (gzip on).
    assert through.header("Content-Encoding") == coding
    assert through.body == own.body
    assert through.header("Vary") == "Accept-Encoding"
    if coding == "gzip":
        assert gzip.decompress(through.body) == direct.body
    assert len(through.body) < len(direct.body) / 2
    # nginx keeps Shirube's strong ETag, and revalidation answers 304.
    etag = through.header("ETag") or ""
    assert etag == own.header("ETag") and not etag.startswith("W/")
    again = request(
        "GET",
        cluster.lb + "/widget/shirube.js",
        headers={"Accept-Encoding": accept, "If-None-Match": etag},
    )
    assert again.status == 304


def test_console_pages_are_not_compressed(cluster: Cluster) -> None:
    page = request("GET", cluster.lb + "/console/login", headers={"Accept-Encoding": "gzip"})
    assert page.status == 200 and page.header("Content-Encoding") is None


def test_nginx_refuses_a_body_over_shirubes_limit_in_shirubes_shape(cluster: Cluster) -> None:
    too_large = request(
        "POST",
        cluster.lb + "/api/v1/events",
        raw=b'{"events": [' + b" " * (5 * 1024 * 1024) + b"]}",
        headers={"Authorization": f"Bearer {cluster.workspace.secret_key}"},
    )
    assert too_large.status == 413
    assert too_large.json()["error"]["code"] == "body_too_large"
    # nginx's own answer carries its request id, as Shirube's error bodies do.
    assert re.fullmatch(r"[0-9a-f]{32}", too_large.json()["error"]["request_id"])


def test_one_request_id_from_nginx_to_shirube_and_no_metrics_outside(cluster: Cluster) -> None:
    """nginx's $request_id is Shirube's (its log lines, the header, error bodies); a client's
    own X-Request-Id does not get past nginx; /metrics is not served on the public side."""
    refused = request("GET", cluster.lb + "/api/v1/workspace", headers={"X-Request-Id": "mine"})
    assert refused.status == 401
    request_id = refused.header("X-Request-Id") or ""
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert refused.json()["error"]["request_id"] == request_id
    metrics = request("GET", cluster.lb + "/metrics")
    assert metrics.status == 404 and metrics.json()["error"]["code"] == "not_found"
