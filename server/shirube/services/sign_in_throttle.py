"""Console sign-in throttling: too many attempts in the last minutes get refused before any
password is checked.

Limits apply per email and client address (someone guessing one account's password) and per
address (one machine trying many accounts), over a sliding window. An IPv6 client counts by
its /64, the block one host is usually given. The attempts are rows in the database, so every
instance behind a load balancer counts the same ones.

An attempt is stored and committed before it is counted, so attempts sent in parallel see each
other: the k-th attempt stored sees at least k, and no more than the limit ever reach the
password check. A refused attempt is removed (hammering does not prolong a lock), a failed one
stays until it leaves the window, and a successful sign-in clears the failures of its email
from its address.

Decided: no limit per email alone. It would let anyone lock an admin out from everywhere with
a few machines; without it, guessing one account from many machines is slowed per machine.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, func, select

from shirube.storage import Connection
from shirube.storage.tables import sign_in_attempt

WINDOW = timedelta(minutes=15)
# One person mistyping stays well inside these; a guesser gets a few tries per quarter hour.
PER_EMAIL_AND_ADDRESS = 5
PER_ADDRESS = 30
# Expired attempts removed per sign-in: bounded, so that a flood of them is cleared over
# several sign-ins rather than by one long statement.
_PRUNE_ROWS = 500


@dataclass(frozen=True)
class Attempt:
    id: int
    email: str
    address: str


def client_address(host: str) -> str:
    """What attempts are counted by: the address, an IPv6 one by its /64 block."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]  # not an IP address (a test client, a Unix socket)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


_attempt = sign_in_attempt.c
_EXPIRED = (
    select(_attempt.id)
    .where(_attempt.at < bindparam("before", type_=_attempt.at.type))
    .limit(_PRUNE_ROWS)
    # Rows another sign-in is deleting are left to it: the prune never waits (PostgreSQL;
    # SQLite has one writer at a time).
    .with_for_update(skip_locked=True)
)
_PRUNE = delete(sign_in_attempt).where(_attempt.id.in_(_EXPIRED.scalar_subquery()))
_STORE = (
    sign_in_attempt.insert()
    .values(email=bindparam("email"), address=bindparam("address"), at=bindparam("at"))
    .returning(_attempt.id)
)
_SAME_EMAIL = _attempt.email == bindparam("email")
# Both limits count this address's attempts: one index range (address, at).
_COUNTS = select(
    func.count().filter(_SAME_EMAIL),
    func.min(_attempt.at).filter(_SAME_EMAIL),
    func.count(),
    func.min(_attempt.at),
).where(_attempt.address == bindparam("address"), _attempt.at >= bindparam("since"))
_FORGET = delete(sign_in_attempt).where(_attempt.id == bindparam("id"))
_CLEAR = delete(sign_in_attempt).where(
    _attempt.email == bindparam("email"), _attempt.address == bindparam("address")
)


def start_attempt(conn: Connection, email: str, address: str, now: datetime) -> Attempt:
    """Store an attempt (its own transaction, committed before `refusal` counts it)."""
    conn.run(_PRUNE, {"before": now - WINDOW})
    attempt_id = conn.scalar(_STORE, {"email": email, "address": address, "at": now})
    return Attempt(int(attempt_id), email, address)


def refusal(conn: Connection, attempt: Attempt, now: datetime) -> int | None:
    """Seconds until the attempt may be made again when a limit is passed (the attempt is
    then removed); None when it may go on to the password check."""
    pair_count, pair_oldest, address_count, address_oldest = conn.one(
        _COUNTS, {"email": attempt.email, "address": attempt.address, "since": now - WINDOW}
    )
    waits: list[float] = [
        (oldest + WINDOW - now).total_seconds()
        for count, oldest, limit in (
            (pair_count, pair_oldest, PER_EMAIL_AND_ADDRESS),
            (address_count, address_oldest, PER_ADDRESS),
        )
        if count > limit
    ]
    if not waits:
        return None
    conn.run(_FORGET, {"id": attempt.id})
    return max(1, math.ceil(max(waits)))


def succeeded(conn: Connection, attempt: Attempt) -> None:
    """Clear the failures of this email from this address."""
    conn.run(_CLEAR, {"email": attempt.email, "address": attempt.address})
