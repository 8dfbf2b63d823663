"""`/metrics`: requests by route template and status, latency histograms, events ingested by
outcome, ingest lag and event age, the database pool; token protection."""

from __future__ import annotations

import dataclasses

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from shirube.app import create_app
from shirube.observability.request_metrics import (
    LATENCY_BUCKETS,
    LoopRequestStats,
    SharedRequestStats,
)
from starlette.testclient import TestClient

from tests.api.helpers import assert_error, ev, open_session, post_widget_events, send_events, wev
from tests.conftest import ORIGIN
from tests.observability.conftest import BEARER, TOKEN, scrape, value

REQUESTS = "shirube_http_requests_total"
DURATION = "shirube_http_request_duration_seconds"


def test_requests_are_counted_by_route_template_method_and_status(client, workspace):
    client.get("/healthz")
    client.get("/api/v1/tours/secret-tour-key", headers=workspace.auth)  # 404
    client.get("/api/v1/users/alice-1234", headers=workspace.auth)  # 404
    client.get("/api/v1/users/alice-1234")  # 401
    open_session(client, workspace, "bob-5678")  # the shortcut's endpoint
    client.options(
        "/api/v1/widget/session",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    client.get("/no/such/path/carol-9")
    client.get("/console/workspaces/12345", follow_redirects=False)  # to the sign-in page
    client.delete("/healthz")  # 405
    client.request("BREW", "/healthz")
    response = client.get("/metrics", headers=BEARER)
    samples = scrape(client)
    requests = samples[REQUESTS]
    expected = {
        ("/healthz", "GET", "200"): 1,
        ("/api/v1/{kind}/{key}", "GET", "404"): 1,
        ("/api/v1/users/{user_id}", "GET", "404"): 1,
        ("/api/v1/users/{user_id}", "GET", "401"): 1,
        ("/api/v1/widget/session", "POST", "200"): 1,
        ("/api/v1/widget/session", "OPTIONS", "204"): 1,
        ("unmatched", "GET", "404"): 1,
        ("/console/workspaces/{workspace_id}", "GET", "303"): 1,
        ("/healthz", "DELETE", "405"): 1,
        ("/healthz", "other", "405"): 1,
        ("/metrics", "GET", "200"): 1,  # the first scrape; this one is counted when it ends
    }
    got = {
        (dict(labels)["route"], dict(labels)["method"], dict(labels)["status"]): count
        for labels, count in requests.items()
    }
    assert got == expected
    # Only templates: no path a client sent, no user, no key.
    for raw in ("secret-tour-key", "alice-1234", "bob-5678", "carol-9", "12345", "BREW"):
        assert raw not in response.text
    assert workspace.secret_key not in response.text and workspace.public_key not in response.text


def test_latency_histograms_parse_with_their_buckets(client, workspace):
    for _ in range(3):
        open_session(client, workspace, "u1")
    client.get("/healthz")
    text = client.get("/metrics", headers=BEARER).text
    families = {family.name: family for family in text_string_to_metric_families(text)}
    histogram = families[DURATION]
    assert histogram.type == "histogram"
    session = [s for s in histogram.samples if s.labels.get("route") == "/api/v1/widget/session"]
    buckets = [s for s in session if s.name == DURATION + "_bucket"]
    bounds = [float(s.labels["le"]) for s in buckets]
    assert bounds == [*LATENCY_BUCKETS, float("inf")]
    counts = [s.value for s in buckets]
    assert counts == sorted(counts) and counts[-1] == 3
    (count,) = (s.value for s in session if s.name == DURATION + "_count")
    (total,) = (s.value for s in session if s.name == DURATION + "_sum")
    assert count == 3 and total > 0
    assert {s.labels["method"] for s in session} == {"POST"}
    # No `_created` series beside counters and histograms.
    assert "_created" not in text


def test_metrics_need_the_token(client, settings, database):
    missing = client.get("/metrics")
    assert_error(missing, 401, "unauthorized")
    assert missing.headers["www-authenticate"] == "Bearer"
    for wrong in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"Basic {TOKEN}", TOKEN, "Bearer"):
        assert_error(client.get("/metrics", headers={"Authorization": wrong}), 401, "unauthorized")
    assert_error(
        client.get("/metrics", headers={"Authorization": "Bearer ÿÿÿ".encode("latin-1")}),
        401,
        "unauthorized",
    )
    right = client.get("/metrics", headers={"Authorization": f"bearer  {TOKEN} "})
    assert right.status_code == 200
    assert right.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert right.headers["cache-control"] == "no-store"
    # Without a token the path is not served at all.
    with TestClient(create_app(settings, database), raise_server_exceptions=False) as plain:
        assert_error(plain.get("/metrics", headers=BEARER), 404, "not_found")


def test_events_are_counted_by_source_and_outcome(client, workspace, other_workspace):
    send_events(client, workspace, [ev("e1", "a"), ev("e2", "b"), ev("e2", "b")])
    send_events(client, workspace, [ev("e1", "a"), ev("e3", "c", timestamp="2026-01-01T00:00:00Z")])
    wrong_key = {"Authorization": "Bearer sk_" + "0" * 43}
    refused = client.post("/api/v1/events", json={"events": [ev("x1", "a")] * 2}, headers=wrong_key)
    assert refused.status_code == 401
    client.post("/api/v1/events", content=b"{nope", headers=workspace.auth)  # never read: uncounted
    token = open_session(client, workspace)["token"]
    assert post_widget_events(client, token, [wev("w1", "clicked")]).status_code == 200
    assert post_widget_events(client, "bad", [wev("w2", "x"), wev("w3", "x")]).status_code == 401
    samples = scrape(client)
    ingested = "shirube_ingested_events_total"
    assert value(samples, ingested, source="server", outcome="stored") == 3
    assert value(samples, ingested, source="server", outcome="duplicate") == 2
    assert value(samples, ingested, source="server", outcome="refused") == 2
    assert value(samples, ingested, source="widget", outcome="stored") == 1
    assert value(samples, ingested, source="widget", outcome="refused") == 2
    # One lag per committed batch; the age of the oldest event of each batch that stored any.
    assert value(samples, "shirube_ingest_lag_seconds_count", source="server") == 2
    assert value(samples, "shirube_ingest_lag_seconds_count", source="widget") == 1
    age = "shirube_ingest_event_age_seconds_bucket"
    assert value(samples, age, source="server", le="86400.0") == 1  # e1 and e2: just now
    assert value(samples, age, source="server", le="+Inf") == 2  # e3: from January
    assert value(samples, age, source="widget", le="5.0") == 1


def test_the_database_pool_and_the_event_loop_connection(client, workspace, database):
    open_session(client, workspace)
    samples = scrape(client)
    assert value(samples, "shirube_db_loop_connection") == 1
    assert value(samples, "shirube_ingest_batches_waiting") == 0
    if database.is_sqlite:
        # Every unit of work on the loop's one connection: no pool.
        assert "shirube_db_pool_size" not in samples
    else:
        # The loop's connection is its own, outside the pool (storage/database.py).
        assert value(samples, "shirube_db_pool_size") == 10
        assert value(samples, "shirube_db_pool_checked_out") >= 0
        assert "shirube_db_pool_overflow" in samples and "shirube_db_pool_idle" in samples
    info = samples["shirube_build_info"]
    assert list(info.values()) == [1.0] and dict(next(iter(info)))["version"]
    assert "process_cpu_seconds_total" in samples


def test_two_apps_in_one_process_count_apart(metrics_settings, database, workspace):
    apps = [create_app(dataclasses.replace(metrics_settings), database) for _ in range(2)]
    with TestClient(apps[0]) as first, TestClient(apps[1]) as second:
        first.get("/healthz")
        first.get("/healthz")
        second.get("/healthz")
        assert value(scrape(first), REQUESTS, route="/healthz", method="GET", status="200") == 2
        assert value(scrape(second), REQUESTS, route="/healthz", method="GET", status="200") == 1


def test_the_loop_figures_expose_what_prometheus_client_would():
    """The one-process request figures (plain lists) against prometheus_client's own Counter
    and Histogram, which multiprocess mode uses: the same samples for the same requests."""
    loop = LoopRequestStats()
    loop_registry = CollectorRegistry()
    loop_registry.register(loop)
    shared_registry = CollectorRegistry()
    shared = SharedRequestStats(shared_registry)
    observations = [
        ("/a", "GET", 200, 0.0004), ("/a", "GET", 200, 0.001), ("/a", "GET", 404, 0.0011),
        ("/a", "POST", 201, 0.3), ("/b/{key}", "GET", 200, 12.0), ("/a", "GET", 200, 0.0025),
    ]  # fmt: skip
    for observation in observations:
        loop.observe(*observation)
        shared.observe(*observation)

    def samples(registry):
        text = generate_latest(registry).decode()
        return sorted(
            (s.name, tuple(sorted(s.labels.items())), s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
        )

    assert samples(loop_registry) == samples(shared_registry)
