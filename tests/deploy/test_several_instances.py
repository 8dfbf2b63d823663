"""Several instances, really: two `shirube serve` processes on one PostgreSQL database behind
nginx (round robin, deploy/nginx/shirube-proxy.conf), one of them killed with SIGKILL in the
middle of an ingestion load.

What must hold: an end user's journey works through the load balancer whichever instance
answers each call; what one instance stores or publishes, the other serves in its very next
answer (their caches are keyed by revisions stored in the database); and after the kill,
every acknowledged event is stored exactly once, counted once, and completes its items once.
"""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.deploy.conftest import Cluster, WebhookCheck, new_user
from tests.deploy.http import request

pytestmark = pytest.mark.postgres

# The names the checklist's rules count (the others only go to the event log).
RULE_NAMES = {"shift.created": 3, "employees.imported": 1}
ITEM_OF = {"shift.created": "shifts", "employees.imported": "import"}
LOAD_NAMES = ["shift.created", "employees.imported", "timecard.clocked_in", "report.viewed"]


def _checklist(answer: dict[str, Any]) -> dict[str, Any]:
    [checklist] = [c for c in answer["checklists"] if c["key"] == "setup"]
    return checklist


def _tour(answer: dict[str, Any], key: str = "welcome") -> dict[str, Any] | None:
    return next((t for t in answer["tours"] if t["key"] == key), None)


def _completed(answer: dict[str, Any]) -> set[str]:
    return set(_checklist(answer)["progress"]["completed_items"])


def _journey_events(user: str) -> list[dict[str, Any]]:
    """What the widget sends while a user takes the welcome tour and creates three shifts."""
    tour = [
        ("$tour_started", {"tour": "welcome"}),
        *[("$tour_step_seen", {"tour": "welcome", "step": f"s{n}"}) for n in (1, 2, 3)],
        ("$tour_completed", {"tour": "welcome"}),
        *[("shift.created", {"via": "widget"}) for _ in range(3)],
    ]
    return [
        {"id": f"{user}-w{n}", "name": name, "properties": properties}
        for n, (name, properties) in enumerate(tour)
    ]


def _retrying(call: Callable[[], Any], tries: int = 40) -> Any:
    """What the widget and the SDK do: a network error or a 5xx is tried again, the same
    request (the same event ids); anything else is an answer."""
    for attempt in range(tries):
        try:
            reply = call()
            if reply.status < 500:
                return reply
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(min(0.5, 0.02 * 2**attempt))
    raise AssertionError(f"no answer after {tries} tries")


def widget_journey(cluster: Cluster, base: str, user: str) -> dict[str, Any]:
    """session → the widget's events → session; returns the last answer."""

    def session() -> Any:
        body = {"public_key": cluster.workspace.public_key, "user_id": user, "locale": "ja"}
        return request(
            "POST", base + "/api/v1/widget/session", body, {"Origin": "https://kintai.example.com"}
        )

    first = _retrying(session)
    assert first.status == 200, first.body
    answer = first.json()
    tour = _tour(answer)
    assert tour is not None and tour["progress"]["status"] == "not_started"
    assert _checklist(answer)["progress"]["completed"] == 0
    events = _journey_events(user)
    sent = _retrying(lambda: cluster.widget_events(base, answer["token"], events))
    assert sent.status == 200, sent.body
    assert sent.json()["accepted"] + sent.json()["duplicates"] == len(events)
    last = _retrying(session)
    assert last.status == 200, last.body
    return dict(last.json())


def assert_journey_done(answer: dict[str, Any]) -> None:
    tour = _tour(answer)
    assert tour is not None and tour["progress"]["status"] == "completed"
    assert _completed(answer) == {"shifts", "tour"}


def test_an_end_users_journey_through_the_load_balancer(cluster: Cluster) -> None:
    user = new_user("journey")
    assert_journey_done(widget_journey(cluster, cluster.lb, user))
    # Round robin: both instances took part.
    served = {line.upstreams[-1] for line in cluster.nginx.log_lines() if line.upstreams}
    assert served == {cluster.port_of("a"), cluster.port_of("b")}
    # And each, asked directly, answers the same.
    for name in ("a", "b"):
        assert_journey_done(cluster.session(cluster.url(name), user))


def test_what_one_instance_stores_the_other_serves_at_once(cluster: Cluster) -> None:
    a, b = cluster.url("a"), cluster.url("b")
    user = new_user("fresh")
    # Both instances now hold the published content and this user's progress in memory.
    for base in (a, b, a, b):
        before = cluster.session(base, user)
        assert _completed(before) == set() and _tour(before, "import-guide") is None

    event = {"id": f"{user}-import", "name": "employees.imported", "user_id": user}
    stored = cluster.server_api("POST", a, "/api/v1/events", {"events": [event]})
    assert stored.status == 200 and stored.json()["accepted"] == 1
    assert _completed(cluster.session(b, user)) == {"import"}

    tour = {
        "key": "import-guide",
        "name": "Import guide",
        "steps": [{"id": "open", "kind": "modal", "title": {"en": "Import", "ja": "取り込み"}}],
    }
    assert cluster.server_api("PUT", a, "/api/v1/tours/import-guide", tour).status in (200, 201)
    published = cluster.server_api("POST", a, "/api/v1/tours/import-guide/publish")
    assert published.status == 200, published.body
    on_b = cluster.session(b, user)
    assert _tour(on_b, "import-guide") is not None

    withdrawn = cluster.server_api("POST", b, "/api/v1/tours/import-guide/unpublish")
    assert withdrawn.status == 200, withdrawn.body
    on_a = cluster.session(a, user)
    assert _tour(on_a, "import-guide") is None
    assert on_a["revision"] > on_b["revision"]


# --- the load, and the kill -------------------------------------------------------------------


@dataclass
class Delivery:
    """One batch of server events, from its first attempt to its acknowledgement."""

    name: str
    events: list[dict[str, Any]]
    # (X-Request-Id, when it was sent) of each attempt until the acknowledgement.
    attempts: list[tuple[str, float]] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=dict)
    # Sent again after it was acknowledged, as a client whose acknowledgement got lost does.
    resent_answer: dict[str, Any] | None = None


class Sender(threading.Thread):
    """A host backend sending batches through the load balancer, retrying each one until it
    is acknowledged, always with the same ids (as the SDK does)."""

    def __init__(self, cluster: Cluster, run: str, index: int, batches: int, size: int) -> None:
        super().__init__(name=f"sender-{index}", daemon=True)
        self.cluster, self.run_tag, self.index = cluster, run, index
        self.batches, self.size = batches, size
        self.deliveries: list[Delivery] = []
        self.failure: BaseException | None = None

    def _post(
        self, delivery: Delivery, attempts: list[tuple[str, float]], tag: str
    ) -> dict[str, Any]:
        def attempt() -> Any:
            request_id = f"{delivery.name}-{tag}{len(attempts)}"
            attempts.append((request_id, time.time()))
            headers = {
                "Authorization": f"Bearer {self.cluster.workspace.secret_key}",
                "X-Request-Id": request_id,
            }
            url = self.cluster.lb + "/api/v1/events"
            return request("POST", url, {"events": delivery.events}, headers)

        reply = _retrying(attempt)
        assert reply.status == 200, reply.body
        answer: dict[str, Any] = reply.json()
        return answer

    def run(self) -> None:
        try:
            for number in range(self.batches):
                events = [
                    {
                        "id": f"{self.run_tag}-s{self.index}-b{number}-e{n}",
                        "name": LOAD_NAMES[(number * 7 + n * 3 + self.index) % len(LOAD_NAMES)],
                        "user_id": f"load-{self.run_tag}-{(number * self.size + n) % 60}",
                        "company_id": f"co-{self.run_tag}-{n % 6}",
                    }
                    for n in range(self.size)
                ]
                delivery = Delivery(f"{self.run_tag}-s{self.index}-b{number}", events)
                delivery.answer = self._post(delivery, delivery.attempts, "a")
                if number % 7 == 3:
                    delivery.resent_answer = self._post(delivery, [], "resent")
                self.deliveries.append(delivery)
        except BaseException as exc:  # reported by the test's thread
            self.failure = exc


class Journeys(threading.Thread):
    """End users taking their journey through the load balancer meanwhile."""

    def __init__(self, cluster: Cluster, run: str, index: int, count: int) -> None:
        super().__init__(name=f"journeys-{index}", daemon=True)
        self.cluster = cluster
        self.users = [f"widget-{run}-{index}-{n}" for n in range(count)]
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            for user in self.users:
                widget_journey(self.cluster, self.cluster.lb, user)
        except BaseException as exc:
            self.failure = exc


def _acknowledged_batches(senders: list[Sender]) -> int:
    return sum(len(sender.deliveries) for sender in senders)


def test_an_instance_killed_mid_load_loses_nothing_and_counts_nothing_twice(
    cluster: Cluster, webhooks: WebhookCheck
) -> None:
    run = uuid.uuid4().hex[:6]
    webhooks.subscribe(cluster)
    senders = [Sender(cluster, run, index, batches=30, size=40) for index in range(4)]
    journeys = [Journeys(cluster, run, index, count=6) for index in range(2)]
    for thread in [*senders, *journeys]:
        thread.start()

    # SIGKILL instance b once a third of the batches are acknowledged: it dies with requests
    # in flight, group commits half-done, connections open in nginx's keepalive pool.
    total = sum(sender.batches for sender in senders)
    deadline = time.monotonic() + 60
    while _acknowledged_batches(senders) < total // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.time()  # sent before this: a or b may answer
    cluster.instances["b"].stop(kill=True)
    killed_at = time.time()

    for thread in [*senders, *journeys]:
        thread.join(timeout=90)
        assert not thread.is_alive(), f"{thread.name} did not finish"
        failure = getattr(thread, "failure", None)
        if failure is not None:
            raise failure
    deliveries = [delivery for sender in senders for delivery in sender.deliveries]
    assert len(deliveries) == total

    # Nothing acknowledged lost, nothing stored twice: the log holds each id sent, once.
    sent = [event for delivery in deliveries for event in delivery.events]
    sent_ids = {event["id"] for event in sent}
    stored = [row[0] for row in cluster.rows(
        "SELECT id FROM event WHERE workspace_id = :ws AND id LIKE :run", run=f"{run}-%"
    )]  # fmt: skip
    assert len(stored) == len(set(stored)) == len(sent_ids) == len(sent)
    assert set(stored) == sent_ids

    # Each answer accounts for its batch; an event is acknowledged as new at most once, and
    # an answer says "duplicate" only for a batch that was sent before (by the client, or by
    # nginx after an instance died with it).
    lines = cluster.nginx.log_lines()
    # The clients retry a 500 too: it would pass unseen but for nginx's log (two instances'
    # transactions deadlocking answered 500 before each batch had a transaction of its own).
    assert [line for line in lines if line.status == 500] == []
    passed_on = {line.request_id for line in lines if len(line.upstreams) > 1}
    for delivery in deliveries:
        answer = delivery.answer
        assert answer["accepted"] + answer["duplicates"] == len(delivery.events)
        if answer["duplicates"]:
            tried = {request_id for request_id, _ in delivery.attempts}
            assert len(tried) > 1 or tried & passed_on, delivery
        if delivery.resent_answer is not None:
            assert delivery.resent_answer["accepted"] == 0
            assert delivery.resent_answer["duplicates"] == len(delivery.events)
    assert sum(delivery.answer["accepted"] for delivery in deliveries) <= len(sent_ids)

    # Counted once: the counters the rules read, the events kept for them, the items done.
    expected_counts = Counter(
        (event["user_id"], event["name"]) for event in sent if event["name"] in RULE_NAMES
    )
    counts = {
        (user, name): count
        for user, name, count in cluster.rows(
            "SELECT user_id, name, count FROM user_event_count"
            " WHERE workspace_id = :ws AND user_id LIKE :users",
            users=f"load-{run}-%",
        )
    }
    assert counts == dict(expected_counts)
    counted_events = cluster.scalar(
        "SELECT count(*) FROM counted_event WHERE workspace_id = :ws AND user_id LIKE :users",
        users=f"load-{run}-%",
    )
    assert counted_events == sum(expected_counts.values())
    expected_items = {
        (user, ITEM_OF[name])
        for (user, name), count in expected_counts.items()
        if count >= RULE_NAMES[name]
    }
    items = cluster.rows(
        "SELECT user_id, item_id FROM checklist_item_progress"
        " WHERE workspace_id = :ws AND user_id LIKE :users",
        users=f"load-{run}-%",
    )
    assert {(user, item) for user, item in items} == expected_items
    # Every completion announced in an answer was announced once, by one instance.
    announced = [
        (item["user_id"], item["item"])
        for delivery in deliveries
        for item in delivery.answer["completed_items"]
    ]
    assert len(announced) == len(set(announced)) and set(announced) <= expected_items

    # The end users' journeys, each answered by whichever instance was up.
    for thread in journeys:
        for user in thread.users:
            answer = cluster.session(cluster.lb, user)
            assert_journey_done(answer)
            assert (
                cluster.scalar(
                    "SELECT count FROM user_event_count"
                    " WHERE workspace_id = :ws AND user_id = :u AND name = 'shift.created'",
                    u=user,
                )
                == 3
            )

    # Both instances served batches sent before the kill; every batch sent after it was
    # answered by a.
    port_a, port_b = cluster.port_of("a"), cluster.port_of("b")
    answered_by = {line.request_id: line.upstreams[-1] for line in lines if line.request_id}
    sent_at = {request_id: at for delivery in deliveries for request_id, at in delivery.attempts}
    before = {answered_by[i] for i, at in sent_at.items() if at < started and i in answered_by}
    after = {answered_by[i] for i, at in sent_at.items() if at > killed_at}
    assert before == {port_a, port_b} and after == {port_a}
    retried = sum(len(delivery.attempts) - 1 for delivery in deliveries)
    print(
        f"\n{len(sent_ids)} events in {total} batches; b killed with {len(passed_on)} requests "
        f"in flight passed on to a by nginx; {retried} batches retried by their sender"
    )

    webhooks.assert_delivered_once(cluster, killed_at)

    # b starts again (the schema is already at head: nothing to migrate) and rejoins.
    restarted_at = time.time()
    cluster.instances["b"].start()
    deadline = time.monotonic() + 30
    rejoined = False
    while not rejoined and time.monotonic() < deadline:
        assert request("GET", cluster.lb + "/healthz").status == 200
        rejoined = any(
            line.at > restarted_at and line.upstreams[-1:] == (port_b,)
            for line in cluster.nginx.log_lines()
        )
        time.sleep(0.05)
    assert rejoined
    assert_journey_done(widget_journey(cluster, cluster.lb, new_user("after")))
