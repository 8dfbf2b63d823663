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

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from shirube.models import SignInAttempt

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


def start_attempt(session: Session, email: str, address: str, now: datetime) -> Attempt:
    """Store an attempt (its own transaction, committed before `refusal` counts it)."""
    expired = (
        select(SignInAttempt.id)
        .where(col(SignInAttempt.at) < now - WINDOW)
        .limit(_PRUNE_ROWS)
        # Rows another sign-in is deleting are left to it: the prune never waits (PostgreSQL;
        # SQLite has one writer at a time).
        .with_for_update(skip_locked=True)
    )
    session.execute(delete(SignInAttempt).where(col(SignInAttempt.id).in_(expired)))
    row = SignInAttempt(email=email, address=address, at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    return Attempt(row.id, email, address)


def refusal(session: Session, attempt: Attempt, now: datetime) -> int | None:
    """Seconds until the attempt may be made again when a limit is passed (the attempt is
    then removed); None when it may go on to the password check."""
    same_email = col(SignInAttempt.email) == attempt.email
    at = col(SignInAttempt.at)
    # Both limits count this address's attempts: one index range (address, at).
    pair_count, pair_oldest, address_count, address_oldest = session.execute(
        select(
            func.count().filter(same_email),
            func.min(at).filter(same_email),
            func.count(),
            func.min(at),
        ).where(col(SignInAttempt.address) == attempt.address, at >= now - WINDOW)
    ).one()
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
    session.execute(delete(SignInAttempt).where(col(SignInAttempt.id) == attempt.id))
    return max(1, math.ceil(max(waits)))


def succeeded(session: Session, attempt: Attempt) -> None:
    """Clear the failures of this email from this address."""
    session.execute(
        delete(SignInAttempt).where(
            col(SignInAttempt.email) == attempt.email,
            col(SignInAttempt.address) == attempt.address,
        )
    )
