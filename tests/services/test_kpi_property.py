"""Random histories against a brute-force recomputation from the raw events: users in
companies, events out of order across batches, repeats, retried ids, back-dated events,
`$active` heartbeats and trait changes; every goal's per-user and per-company rows, and the
analytics API's summary (audience, completed, p50, p90), per-company table, feature usage
(also while the event-name rollup lags behind, at random points) and daily and weekly active
users must equal what the test computes from the events it sent. Both engines."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shirube.services import event_name_users, kpi_worker, kpis
from shirube.services.kpi_model import KpiFilter, Objective
from shirube.services.published import PublishedCache
from shirube.storage import tables

from tests.api.helpers import iso, publish, rows, send_events
from tests.conftest import make_workspace

START = datetime(2026, 3, 2, tzinfo=UTC)
NAMES = ("a", "b", "c")
ADMIN = {"all": [{"attribute": "user.role", "op": "equals", "value": "admin"}]}
ALL_GOAL = {
    "key": "all-of",
    "name": "All of",
    "audience": ADMIN,
    "rules": [
        {"id": "r1", "rule": {"type": "event", "event": "a"}},
        {"id": "r2", "rule": {"type": "event", "event": "b", "where": {"k": {"gte": 2}}}},
        {"id": "r3", "rule": {"type": "event", "event": "c", "min_count": 2, "within_days": 3}},
    ],
    "company": {"type": "share", "percent": 50},
}
ANY_GOAL = {
    "key": "any-of",
    "name": "Any of",
    "match": "any",
    "rules": [
        {"id": "r1", "rule": {"type": "event", "event": "a", "min_count": 3}},
        {"id": "r2", "rule": {"type": "event", "event": "b", "where": {"k": 1}}},
    ],
    "company": {"type": "role", "trait": "role", "value": "admin"},
}


@dataclass(frozen=True)
class Sent:
    id: str
    name: str
    user: str
    at: datetime
    k: int


@dataclass(frozen=True)
class Heartbeat:
    id: str
    user: str
    at: datetime
    seconds: int


@dataclass
class History:
    events: list[Sent]
    batches: list[list[Sent]]
    roles: dict[str, list[str]] = field(default_factory=dict)  # role changes in order
    company: dict[str, str] = field(default_factory=dict)
    # Heartbeats sent with each batch (a retried one twice), and after which batches the
    # event-name rollup advances (by how many events at most).
    beats: list[list[Heartbeat]] = field(default_factory=list)
    roll_ups: dict[int, int] = field(default_factory=dict)


@st.composite
def histories(draw: Any) -> History:
    users = [f"u{n}" for n in range(draw(st.integers(1, 6)))]
    company = {u: f"c{draw(st.integers(0, 2))}" for u in users}
    events = []
    for n in range(draw(st.integers(0, 30))):
        events.append(
            Sent(
                id=f"e{n}",
                name=draw(st.sampled_from(NAMES)),
                user=draw(st.sampled_from(users)),
                # Minutes over about 6 days, so within_days=3 cuts some.
                at=START + timedelta(minutes=draw(st.integers(0, 6 * 24 * 60))),
                k=draw(st.integers(0, 3)),
            )
        )
    # Each batch a random subset in random order; every event is sent at least once, some twice
    # (a retried id), in no particular time order.
    order = draw(st.permutations(events))
    retried = draw(st.lists(st.sampled_from(events), max_size=5)) if events else []
    sends = list(order) + retried
    cuts = sorted(draw(st.lists(st.integers(0, len(sends)), max_size=4)))
    batches = [sends[i:j] for i, j in zip([0, *cuts], [*cuts, len(sends)], strict=True)]
    roles = {
        u: draw(st.lists(st.sampled_from(["admin", "employee"]), min_size=1, max_size=3))
        for u in users
    }
    batches = [b for b in batches if b]
    beats: list[list[Heartbeat]] = [[] for _ in batches]
    if batches:
        for n in range(draw(st.integers(0, 8))):
            # Days across two ISO weeks (START is a Monday), in any batch, some retried.
            beat = Heartbeat(
                id=f"h{n}",
                user=draw(st.sampled_from(users)),
                at=START + timedelta(minutes=draw(st.integers(0, 13 * 24 * 60))),
                seconds=draw(st.integers(1, 60)),
            )
            for _ in range(draw(st.integers(1, 2))):
                beats[draw(st.integers(0, len(batches) - 1))].append(beat)
    roll_ups = draw(st.dictionaries(st.integers(0, max(0, len(batches) - 1)), st.integers(1, 8)))
    return History(events, batches, roles, company, beats, roll_ups)


def _nth(events: list[Sent], n: int) -> datetime | None:
    ordered = sorted(events, key=lambda e: (e.at, e.id))
    return ordered[n - 1].at if len(ordered) >= n else None


def expected_users(history: History) -> dict[str, dict[str, datetime | None]]:
    """goal key -> user -> completed_at, from the raw events."""
    by_user: dict[str, list[Sent]] = {}
    for e in history.events:
        by_user.setdefault(e.user, []).append(e)
    result: dict[str, dict[str, datetime | None]] = {"all-of": {}, "any-of": {}}
    seen = first_seen(history)
    for user in history.roles:
        mine = by_user.get(user, [])
        # A user with no event was made by the PUT only (first seen now): nothing completed.
        # Heartbeats are events too: the earliest of either is the first seen.
        since = seen.get(user, START)
        of = {name: [e for e in mine if e.name == name] for name in NAMES}
        r1 = _nth(of["a"], 1)
        r2 = _nth([e for e in of["b"] if e.k >= 2], 1)
        r3 = _nth([e for e in of["c"] if e.at <= since + timedelta(days=3)], 2)
        parts = [r1, r2, r3]
        result["all-of"][user] = None if None in parts else max(p for p in parts if p)
        anys = [t for t in (_nth(of["a"], 3), _nth([e for e in of["b"] if e.k == 1], 1)) if t]
        result["any-of"][user] = min(anys) if anys else None
    return result


def first_seen(history: History) -> dict[str, datetime]:
    """Users with events (heartbeats included): their earliest event (each was PUT first, at
    the server's now)."""
    seen: dict[str, datetime] = {}
    for e in [*history.events, *(b for batch in history.beats for b in batch)]:
        seen[e.user] = min(seen.get(e.user, e.at), e.at)
    return seen


def rank(values: list[float], percent: int) -> float | None:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent * len(ordered) / 100)) - 1] if ordered else None


def expected_companies(history: History, users: dict[str, dict[str, datetime | None]]) -> dict:
    result: dict[tuple[str, str], tuple[int, int, datetime | None]] = {}
    companies = sorted(set(history.company.values()))
    for company in companies:
        members = [u for u, c in history.company.items() if c == company and u in users["all-of"]]
        admins = [u for u in members if history.roles[u][-1] == "admin"]
        # all-of: audience = admins; share 50 %.
        done = sorted(t for u in admins if (t := users["all-of"][u]) is not None)
        needed = math.ceil(50 * len(admins) / 100)
        at = done[needed - 1] if admins and len(done) >= needed else None
        result[("all-of", company)] = (len(admins), len(done), at)
        # any-of: audience = everyone; role rule: every admin completed.
        done_any = [t for u in members if (t := users["any-of"][u]) is not None]
        admin_times = [users["any-of"][u] for u in admins]
        role_at = (
            max(t for t in admin_times if t)
            if admin_times and all(t is not None for t in admin_times)
            else None
        )
        result[("any-of", company)] = (len(members), len(done_any), role_at)
    return result


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=histories())
def test_goal_figures_equal_a_recomputation_from_the_raw_events(client, database, history):
    ws = make_workspace(database, name="property")
    publish(client, ws, "goal", ALL_GOAL)
    publish(client, ws, "goal", ANY_GOAL)
    for user, roles in history.roles.items():
        for role in roles:
            response = client.put(
                f"/api/v1/users/{user}",
                json={"traits": {"role": role}, "company_ids": [history.company[user]]},
                headers=ws.auth,
            )
            assert response.status_code in (200, 201), response.text
    for index, batch in enumerate(history.batches):
        events = [
            {
                "id": e.id,
                "name": e.name,
                "user_id": e.user,
                "company_id": history.company[e.user],
                "timestamp": iso(e.at),
                "properties": {"k": e.k},
            }
            for e in batch
        ]
        events += [
            {
                "id": b.id,
                "name": "$active",
                "user_id": b.user,
                "timestamp": iso(b.at),
                "properties": {"seconds": b.seconds},
            }
            for b in history.beats[index]
        ]
        send_events(client, ws, events)
        if index in history.roll_ups:
            # Asked for (so tracked on SQLite) and part rolled up, with more batches to come.
            check_usage(client, ws, history, index + 1)
            limit = history.roll_ups[index]
            database.run_sync(lambda conn, limit=limit: event_name_users.roll_up(conn, limit))
    # Before the worker has caught up (on SQLite the rollup lags behind), then after.
    check_usage(client, ws, history, len(history.batches))
    kpi_worker.drain(database, PublishedCache(4), limit=4)
    check_usage(client, ws, history, len(history.batches))
    users = expected_users(history)
    stored = rows(database, tables.kpi_user, workspace_id=ws.id, kind="goal")
    got = {(r.key, r.user_id): r.completed_at for r in stored if r.user_id in users[r.key]}
    want = {(goal, u): at for goal, by_user in users.items() for u, at in by_user.items()}
    assert got == want
    audience = {(r.key, r.user_id): r.in_audience for r in stored}
    for user, roles in history.roles.items():
        assert audience[("all-of", user)] == (roles[-1] == "admin")
        assert audience[("any-of", user)] is True
    companies = {
        (r.key, r.company_id): (r.users, r.completed, r.onboarded_at)
        for r in rows(database, tables.kpi_company, workspace_id=ws.id, kind="goal")
    }
    for key, value in expected_companies(history, users).items():
        assert companies[key] == value, key
    check_api(client, ws, history, users)
    # The dashboard's one pass for the summary and cohorts counts what each counts alone.
    now = datetime.now(UTC)
    admins = KpiFilter(user_traits={"role": "admin"})
    for key, filt in itertools.product(("all-of", "any-of"), (KpiFilter(), admins)):
        goal = Objective("goal", key, key, 1)
        both = database.run_sync(
            lambda conn, goal=goal, filt=filt: kpis.summary_and_cohorts(
                conn, ws.id, goal, filt, now
            )
        )
        alone = database.run_sync(
            lambda conn, goal=goal, filt=filt: (
                kpis.summary(conn, ws.id, goal, filt, now),
                kpis.cohorts(conn, ws.id, goal, filt, now),
            )
        )
        assert both == alone, (key, filt)
        # The dashboard's overview: on PostgreSQL a goal's rule rates from that same pass.
        (*figures, items), rates = database.run_sync(
            lambda conn, goal=goal, filt=filt: (
                kpis.overview(conn, ws.id, goal, filt, now),
                kpis.item_rates(conn, ws.id, goal, filt),
            )
        )
        assert tuple(figures) == both, (key, filt)
        assert items == (None if database.is_sqlite else rates), (key, filt)


def check_api(client, ws, history: History, users: dict[str, dict[str, datetime | None]]) -> None:
    """The analytics API's summary and per-company figures, from the raw events."""
    seen = first_seen(history)
    expected = expected_companies(history, users)
    for key, audience in (
        ("all-of", [u for u, roles in history.roles.items() if roles[-1] == "admin"]),
        ("any-of", list(history.roles)),
    ):
        done = {u: at for u in audience if (at := users[key][u]) is not None}
        durations = [max(0.0, (at - seen[u]).total_seconds()) for u, at in done.items()]
        body = client.get(f"/api/v1/analytics/goals/{key}/summary", headers=ws.auth).json()
        assert (body["audience"], body["completed"]) == (len(audience), len(done)), key
        assert body["p50_seconds"] == rank(durations, 50), key
        assert body["p90_seconds"] == rank(durations, 90), key
        page = client.get(
            f"/api/v1/analytics/goals/{key}/companies", params={"per_page": 100}, headers=ws.auth
        ).json()
        got = {
            row["company_id"]: (row["users"], row["completed"], row["onboarded_at"])
            for row in page["data"]
        }
        for (goal, company), (n, completed, at) in expected.items():
            if goal == key:
                assert got[company] == (n, completed, at and iso(at)), (key, company)
    # The any-of goal over a user segment (admins): its audience, completions, percentiles
    # and per-company counts (a page's statements share the segment's users, read once).
    admins = [u for u, roles in history.roles.items() if roles[-1] == "admin"]
    done = {u: at for u in admins if (at := users["any-of"][u]) is not None}
    durations = [max(0.0, (at - seen[u]).total_seconds()) for u, at in done.items()]
    segment = {"user[role]": "admin"}
    body = client.get(
        "/api/v1/analytics/goals/any-of/summary", params=segment, headers=ws.auth
    ).json()
    assert (body["audience"], body["completed"]) == (len(admins), len(done))
    assert (body["p50_seconds"], body["p90_seconds"]) == (rank(durations, 50), rank(durations, 90))
    companies = {history.company[u] for u in admins}
    assert body["companies"] == len(companies)
    page = client.get(
        "/api/v1/analytics/goals/any-of/companies",
        params={"per_page": 100, **segment},
        headers=ws.auth,
    ).json()
    got_counts = {row["company_id"]: (row["users"], row["completed"]) for row in page["data"]}
    for company in companies:
        members = [u for u in admins if history.company[u] == company]
        want = (len(members), sum(1 for u in members if u in done))
        assert got_counts[company] == want, company


def check_usage(client, ws, history: History, batches: int) -> None:
    """Feature usage (all users, then admins) and daily and weekly active users, from the raw
    events and heartbeats of the first `batches` batches."""
    admins = {u for u, roles in history.roles.items() if roles[-1] == "admin"}
    beats = {b for batch in history.beats[:batches] for b in batch}
    senders: dict[str, set[str]] = {"$active": {b.user for b in beats}}
    for e in (e for batch in history.batches[:batches] for e in batch):
        senders.setdefault(e.name, set()).add(e.user)
    asked = [*NAMES, "$active", "never.sent"]
    for segment, kept in (({}, set(history.roles)), ({"user[role]": "admin"}, admins)):
        body = client.get(
            "/api/v1/analytics/feature-usage",
            params={"events": ",".join(asked), **segment},
            headers=ws.auth,
        ).json()
        got = {row["event"]: (row["users"], row["of_users"]) for row in body["data"]}
        want = {name: (len(senders.get(name, set()) & kept), len(kept)) for name in asked}
        assert got == want, segment
    last = (START + timedelta(days=13)).date()
    for period, span in (("day", 1), ("week", 7)):
        body = client.get(
            "/api/v1/analytics/activity",
            params={"period": period, "from": str(START.date()), "to": str(last)},
            headers=ws.auth,
        ).json()
        got = {row["start"]: row["active_users"] for row in body["data"]}
        want = {}
        for n in range(0, 14, span):
            first = START + timedelta(days=n)
            active = {b.user for b in beats if first <= b.at < first + timedelta(days=span)}
            want[first.date().isoformat()] = len(active)
        assert got == want, period
