"""A realistic, seeded stream of server events: what a host backend sends over months.

100,000 users in 5,000 companies of an attendance-management SaaS. Users are not created
beforehand: each one's first event (a `$page_viewed` of the dashboard) carries its
`company_id`, so the user, the company and the membership are made by ingestion, as they are
for a host that never calls the people API. After that, each user sends the four names the
published checklist counts (`employees_imported`, `work_rules_set`, `member_invited`,
`clocked_in`), each one to four times, more page views, and a third of the users take the
welcome tour (`$tour_started`, `$tour_step_seen`, `$tour_completed`). About 10 events a user.

The stream is stationary: a user arrives every ten events or so and sends the rest of their
events over the next `spread` events, so any window of it past the first `spread` events has
the same share of new users, new memberships and repeats; a window into an empty database and
one at a million stored events are the same kind of traffic. Event ids are random UUIDs, as
most client libraries make them; user and company ids are opaque random strings (neither
arrives in the order its index sorts it).

    from dataset import Dataset
    data = Dataset(seed=1)
    for batch in data.batches(1000):          # lists of event dicts, as POST /api/v1/events takes
        ...
    load(db, workspace_id, data.batches(1000, stop=1_000_000))   # in-process, no HTTP

Used by `ingest_loaded.py`; the same stream serves any benchmark that needs a database holding
a million events of this shape (`load`, below, writes it through `services.ingest.ingest_batch`
itself: every derived row is exactly what the API would have made).
"""

from __future__ import annotations

import heapq
import itertools
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

USERS = 100_000
COMPANIES = 5_000
EVENTS_PER_USER = 10  # on average: the stream's million events hold the 100,000 users
BASE_TIME = datetime(2026, 7, 1, tzinfo=UTC)
SECONDS_PER_EVENT = 2.0  # the stream's clock: 1 M events cover about 23 days

# The names the published checklist counts, with how often each user repeats them (min, max).
COUNTED: list[tuple[str, int, int]] = [
    ("employees_imported", 1, 2),
    ("work_rules_set", 1, 2),
    ("member_invited", 1, 3),
    ("clocked_in", 1, 4),
]
COUNTED_NAMES = [name for name, _, _ in COUNTED]
PAGES = ["/dashboard", "/employees", "/timecards", "/shifts", "/reports", "/settings"]
TOUR_KEY = "welcome"
TOUR_STEPS = ["intro", "menu", "done"]
TOUR_SHARE = 0.33

WELCOME_TOUR: dict[str, Any] = {
    "key": TOUR_KEY,
    "name": "Welcome",
    "steps": [
        {"id": "intro", "kind": "modal", "title": {"en": "Welcome", "ja": "ようこそ"}},
        {
            "id": "menu",
            "kind": "tooltip",
            "target": "#menu",
            "body": {"en": "Menu", "ja": "メニュー"},
        },
        {"id": "done", "kind": "modal", "title": {"en": "Done", "ja": "完了"}},
    ],
}


def _event_item(item_id: str, en: str, ja: str, name: str, min_count: int = 1) -> dict[str, Any]:
    rule: dict[str, Any] = {"type": "event", "event": name}
    if min_count > 1:
        rule["min_count"] = min_count
    return {"id": item_id, "title": {"en": en, "ja": ja}, "completion": rule}


# The checklist whose rules count the four names (two of them more than once).
SETUP_CHECKLIST: dict[str, Any] = {
    "key": "setup",
    "title": {"en": "Initial setup", "ja": "初期設定"},
    "items": [
        _event_item("import", "Import employees", "従業員をインポート", "employees_imported"),
        _event_item("rules", "Set work rules", "就業ルールを設定", "work_rules_set"),
        _event_item("invite", "Invite two members", "メンバーを2人招待", "member_invited", 2),
        _event_item("clock", "Clock in three times", "3回打刻", "clocked_in", 3),
        {
            "id": "tour",
            "title": {"en": "Take the tour", "ja": "ツアーを見る"},
            "completion": {"type": "tour_completed", "tour": TOUR_KEY},
        },
    ],
}


@dataclass(frozen=True)
class Dataset:
    """The stream's shape; the same arguments give the same events, in the same order."""

    seed: int = 1
    users: int = USERS
    companies: int = COMPANIES
    spread: int = 20_000  # a user's events after the first fall within this many events
    base_time: datetime = BASE_TIME

    @property
    def total(self) -> int:
        """About how many events the stream holds (every user's events)."""
        return self.users * EVENTS_PER_USER

    def user_id(self, index: int) -> str:
        return f"usr_{_opaque(self.seed, 'u', index)}"

    def company_id(self, index: int) -> str:
        return f"co_{_opaque(self.seed, 'c', index)}"

    def company_of(self, user: int) -> int:
        # A company's members arrive close together (its admin invites them), in companies
        # of uneven size: a seeded shuffle of the users' blocks of 20.
        block = user // max(1, self.users // self.companies)
        return (block * 2_654_435_761 + self.seed) % self.companies

    def events(self, start: int = 0, stop: int | None = None) -> Iterator[dict[str, Any]]:
        """Events `start` to `stop` (excluded) of the stream, each a dict as the API takes it.
        Starting late still generates (and drops) the events before `start`: the stream is
        defined by its order."""
        for position, event in enumerate(self._stream()):
            if stop is not None and position >= stop:
                return
            if position >= start:
                yield event

    def batches(
        self, size: int = 1000, start: int = 0, stop: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        batch: list[dict[str, Any]] = []
        for event in self.events(start, stop):
            batch.append(event)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch

    def _stream(self) -> Iterator[dict[str, Any]]:
        rng = random.Random(self.seed)
        pending: list[tuple[float, int, dict[str, Any]]] = []  # (slot, tie-break, event)
        sequence = 0
        slot_per_user = EVENTS_PER_USER  # a user arrives every ten slots: stationary mix
        for user in range(self.users):
            arrival = user * slot_per_user + rng.random()
            for slot, event in self._user_events(rng, user, arrival):
                sequence += 1
                heapq.heappush(pending, (slot, sequence, event))
            # Everything due before the next arrival can go out now.
            while pending and pending[0][0] < arrival + slot_per_user:
                yield self._stamped(rng, heapq.heappop(pending))
        while pending:
            yield self._stamped(rng, heapq.heappop(pending))

    def _stamped(
        self, rng: random.Random, entry: tuple[float, int, dict[str, Any]]
    ) -> dict[str, Any]:
        slot, _, event = entry
        event["id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        at = self.base_time + timedelta(seconds=slot * SECONDS_PER_EVENT)
        event["timestamp"] = at.isoformat().replace("+00:00", "Z")
        return event

    def _user_events(
        self, rng: random.Random, user: int, arrival: float
    ) -> list[tuple[float, dict[str, Any]]]:
        user_id = self.user_id(user)
        company_id = self.company_id(self.company_of(user))

        def event(name: str, properties: dict[str, Any]) -> dict[str, Any]:
            return {
                "name": name,
                "user_id": user_id,
                "company_id": company_id,
                "properties": properties,
            }

        later: list[dict[str, Any]] = []
        for name, low, high in COUNTED:
            for _ in range(rng.randint(low, high)):
                later.append(event(name, {"source": rng.choice(["web", "api", "import"])}))
        for _ in range(rng.randint(0, 2)):
            later.append(
                event("$page_viewed", {"url": f"https://app.example.com{rng.choice(PAGES)}"})
            )
        first = event("$page_viewed", {"url": "https://app.example.com/dashboard"})
        events = [(arrival, first)]
        offsets = sorted(rng.uniform(1, self.spread) for _ in later)
        events += [(arrival + offset, item) for offset, item in zip(offsets, later, strict=True)]
        if rng.random() < TOUR_SHARE:
            # The tour right after the first page view, one step after the other.
            tour = [event("$tour_started", {"tour": TOUR_KEY})]
            tour += [event("$tour_step_seen", {"tour": TOUR_KEY, "step": s}) for s in TOUR_STEPS]
            tour.append(event("$tour_completed", {"tour": TOUR_KEY}))
            events += [(arrival + 0.01 * (n + 1), item) for n, item in enumerate(tour)]
        return events


def _opaque(seed: int, kind: str, index: int) -> str:
    """A stable random-looking id: the host's ids do not sort in arrival order."""
    return random.Random(f"{seed}:{kind}:{index}").getrandbits(64).to_bytes(8, "big").hex()


def load(
    db: Any,
    workspace_id: int,
    batches: Iterable[list[dict[str, Any]]],
    known: Any = None,
    group: int = 1,
) -> int:
    """Store `batches` in-process through `services.ingest.ingest_batch` (no HTTP, `group`
    batches to a transaction, as the server's group commit shares one): the rows are exactly
    those the API makes. Returns the events accepted. For preparing a database; a benchmark
    of ingestion must go through HTTP."""
    from shirube.services.ingest import ingest_batch
    from shirube.services.known_rows import KnownRows
    from shirube.services.published import PublishedCache, batch_content
    from shirube.storage import Connection

    published = PublishedCache(4)
    known = known if known is not None else KnownRows()
    accepted = 0
    groups = iter(batches)
    while shared := [_new_events(batch) for batch in itertools.islice(groups, group)]:

        def work(conn: Connection, shared: list[list[Any]] = shared) -> Any:
            content = batch_content(conn, published, workspace_id)
            return [
                ingest_batch(
                    conn, workspace_id, events, "server", content.published, known,
                    content.webhook_kinds,
                )
                for events in shared
            ]  # fmt: skip

        for result in db.run_sync(work):
            known.learn(result.existing)
            accepted += result.accepted
    return accepted


def _new_events(batch: list[dict[str, Any]]) -> list[Any]:
    from shirube.services.ingest import NewEvent

    return [
        NewEvent(
            id=item["id"],
            name=item["name"],
            user_id=item["user_id"],
            company_id=item.get("company_id"),
            properties=item.get("properties", {}),
            timestamp=datetime.fromisoformat(item["timestamp"]),
        )
        for item in batch
    ]
