"""Send the demo's past (`demo_app.history`) to Shirube with the SDK, once per workspace: the
people with `identify` (traits role, name, e-mail; the companies with their name, plan and
tier), their events with `track` and back-dated timestamps, as a host backend imports its
past. Event ids are fixed by the history, so sending it twice stores nothing twice."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shirube_sdk import Client
from shirube_sdk.errors import NotFoundError, ShirubeError

from demo_app.db import Company, Store, User
from demo_app.history import SEED, History, PastEvent, Person, build_history
from demo_app.seed import COMPANIES, company_traits

log = logging.getLogger("demo_app.history")
# Identify calls are one request each: a few at once keep the seeding to seconds.
PARALLEL_IDENTIFY = 8
FLUSH_TIMEOUT = 120.0


@dataclass
class Sent:
    people: int = 0
    events: int = 0
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def seeded_companies(store: Store) -> list[tuple[Company, str]]:
    """The demo's three companies, each with its e-mail domain (from its admin's address)."""
    found: list[tuple[Company, str]] = []
    by_name = {c.name: c for c in store.companies()}
    for name, _plan, people, *_ in COMPANIES:
        if name in by_name:
            found.append((by_name[name], people[0][1].split("@", 1)[1]))
    return found


def history_of(store: Store, end: datetime | None = None, seed: int = SEED) -> History:
    """The history of the store's companies, up to `end`: by default the moment the demo
    database was made (its seeded past happens then too), so that every run on the same
    database builds the same events."""
    companies = seeded_companies(store)
    if end is None and companies:
        end = datetime.fromisoformat(companies[0][0].created_at)
    return build_history(companies, end or datetime.now(UTC), seed)


def has_history(client: Client, history: History) -> bool:
    """Whether the history's last person is known: it is sent last, once the rest arrived."""
    if not history.people:
        return True
    try:
        client.progress(history.people[-1].id)
    except NotFoundError:
        return False
    return True


class _Sender:
    def __init__(self, client: Client, sent: Sent) -> None:
        self.client, self.sent = client, sent

    def identify(self, people: list[Person]) -> None:
        def one(person: Person) -> None:
            traits = {"role": person.role, "name": person.name, "email": person.email}
            traits["signed_up_at"] = person.first_seen.date().isoformat()
            self.client.identify(person.id, traits, company=person.company_id)

        with ThreadPoolExecutor(PARALLEL_IDENTIFY) as pool:
            list(pool.map(one, people))
        self.sent.people += len(people)

    def track(self, events: list[PastEvent]) -> None:
        for event in events:
            self.client.track(
                event.user_id,
                event.name,
                event.properties,
                timestamp=event.at,
                event_id=event.id,
                company_id=event.company_id,
            )
        if not self.client.flush(FLUSH_TIMEOUT):
            raise ShirubeError("Shirube did not take the demo's history in time")
        self.sent.events += len(events)


def _demo_users(client: Client, store: Store) -> None:
    """The sign-in page's own users: their names and the company names, as the widget's
    session sends them (they would otherwise show as ids until they open a page)."""
    for user in store.users():
        client.identify(user.id, _user_traits(user), company=user.company_id)


def _user_traits(user: User) -> dict[str, Any]:
    return {"role": user.role, "name": user.name, "email": user.email}


def send_history(
    client: Client, store: Store, history: History, stop: Callable[[], bool] = lambda: False
) -> Sent:
    """Everything in `history`; the last person after the rest (see `has_history`)."""
    sent = Sent()
    started = time.perf_counter()
    sender = _Sender(client, sent)
    for company in store.companies():
        client.group(company.id, company_traits(company))
    _demo_users(client, store)
    *first, last = history.people
    sender.identify(first)
    if stop():
        return sent
    sender.track([e for e in history.events if e.user_id != last.id])
    sender.identify([last])
    sender.track([e for e in history.events if e.user_id == last.id])
    sent.seconds = time.perf_counter() - started
    return sent


def seed_history(
    shirube_url: str,
    secret_key: str,
    store: Store,
    *,
    seed: int = SEED,
    end: datetime | None = None,
    force: bool = False,
    stop: Callable[[], bool] = lambda: False,
) -> Sent | None:
    """Send the history unless the workspace has it already (`force`: send it anyway; every
    event is then a duplicate). None when nothing was sent."""
    history = history_of(store, end, seed)
    if not history.people:
        return None
    errors: list[str] = []
    lock = threading.Lock()

    def on_error(error: ShirubeError, events: list[dict[str, Any]]) -> None:
        with lock:
            errors.append(f"{error} ({len(events)} events)")

    client = Client(
        shirube_url,
        secret_key,
        batch_size=1000,
        max_queue_size=len(history.events) + 1000,
        flush_interval=0.1,
        on_error=on_error,
    )
    try:
        if not force and has_history(client, history):
            return None
        sent = send_history(client, store, history, stop)
    finally:
        client.shutdown(FLUSH_TIMEOUT)
    sent.errors = errors
    return sent
