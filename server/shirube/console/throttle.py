"""Console sign-in throttling: too many attempts in the last minutes get refused before any
password is checked.

Limits apply per email and client address (someone guessing one account's password), per
address (one machine trying many accounts) and per email (many machines on one account),
over a sliding window. The attempts are rows in the database, so every instance behind a load
balancer counts the same ones.

An attempt is stored and committed before it is counted, so attempts sent in parallel see each
other: the k-th attempt stored sees at least k, and no more than the limit ever reach the
password check. A refused attempt is removed (hammering a locked account does not keep it
locked), a failed one stays until it leaves the window, and a successful sign-in clears the
failures of its email and address.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_
from sqlmodel import Session, col, select

from shirube.models import SignInAttempt

WINDOW = timedelta(minutes=15)
# One person mistyping stays well inside these; a guesser gets a few tries per quarter hour.
PER_EMAIL_AND_ADDRESS = 5
PER_ADDRESS = 30
# Above the address limit, so that locking an account out takes several machines.
PER_EMAIL = 100


@dataclass(frozen=True)
class Attempt:
    id: int
    email: str
    address: str


def start_attempt(session: Session, email: str, address: str, now: datetime) -> Attempt:
    """Store an attempt (its own transaction, committed before `refusal` counts it)."""
    session.execute(delete(SignInAttempt).where(col(SignInAttempt.at) < now - WINDOW))
    row = SignInAttempt(email=email, address=address, at=now)
    session.add(row)
    session.flush()
    assert row.id is not None
    return Attempt(row.id, email, address)


def refusal(session: Session, attempt: Attempt, now: datetime) -> int | None:
    """Seconds until the attempt may be made again when a limit is passed (the attempt is
    then removed); None when it may go on to the password check."""
    same_email = col(SignInAttempt.email) == attempt.email
    same_address = col(SignInAttempt.address) == attempt.address
    at = col(SignInAttempt.at)
    scopes = [
        (and_(same_email, same_address), PER_EMAIL_AND_ADDRESS),
        (same_address, PER_ADDRESS),
        (same_email, PER_EMAIL),
    ]
    columns: list[Any] = []
    for condition, _ in scopes:
        columns += [func.count().filter(condition), func.min(at).filter(condition)]
    figures = session.execute(
        select(*columns).where(at >= now - WINDOW, or_(same_email, same_address))
    ).one()
    wait = 0.0
    for index, (_, limit) in enumerate(scopes):
        count, oldest = figures[2 * index], figures[2 * index + 1]
        if count > limit:
            wait = max(wait, (oldest + WINDOW - now).total_seconds())
    if not wait:
        return None
    session.execute(delete(SignInAttempt).where(col(SignInAttempt.id) == attempt.id))
    return max(1, math.ceil(wait))


def succeeded(session: Session, attempt: Attempt) -> None:
    """Clear the failures of this email from this address."""
    session.execute(
        delete(SignInAttempt).where(
            col(SignInAttempt.email) == attempt.email,
            col(SignInAttempt.address) == attempt.address,
        )
    )
