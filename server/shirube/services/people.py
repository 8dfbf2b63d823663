"""End users and companies: upserts that merge traits the way hosts expect (new keys
overwrite, keys not sent are kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from shirube.models import Company, EndUser, Membership
from shirube.services.sql import insert_for
from shirube.timeutil import utcnow

# last_seen_at is refreshed at most this often by widget sessions: a write on every page load
# would cost more than a KPI measured in days needs.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)


@dataclass(frozen=True)
class Person:
    external_id: str
    traits: dict[str, Any]
    locale: str | None = None


def merged(current: dict[str, Any], update: dict[str, Any] | None) -> dict[str, Any]:
    if not update:
        return current
    return {**current, **update}


def upsert_user(
    session: Session,
    workspace_id: int,
    user_id: str,
    traits: dict[str, Any] | None,
    locale: str | None,
    *,
    seen: bool = True,
) -> Person:
    """`seen`: the user is here now (a widget session), as opposed to the host backend
    describing them."""
    now = utcnow()
    user = session.get(EndUser, (workspace_id, user_id))
    if user is None:
        person = Person(user_id, dict(traits or {}), locale)
        session.connection().execute(
            insert_for(session, EndUser).on_conflict_do_nothing(),
            {
                "workspace_id": workspace_id,
                "external_id": user_id,
                "traits": person.traits,
                "locale": locale,
                "first_seen_at": now,
                "last_seen_at": now,
            },
        )
        return person
    new_traits = merged(user.traits, traits)
    new_locale = locale or user.locale
    if (
        new_traits != user.traits
        or new_locale != user.locale
        or (seen and now - user.last_seen_at >= LAST_SEEN_GRANULARITY)
    ):
        user.traits, user.locale = new_traits, new_locale
        if seen:
            user.last_seen_at = max(user.last_seen_at, now)
        session.add(user)
    return Person(user_id, new_traits, new_locale)


def upsert_company(
    session: Session, workspace_id: int, company_id: str, traits: dict[str, Any] | None
) -> Person:
    now = utcnow()
    company = session.get(Company, (workspace_id, company_id))
    if company is None:
        person = Person(company_id, dict(traits or {}))
        session.connection().execute(
            insert_for(session, Company).on_conflict_do_nothing(),
            {
                "workspace_id": workspace_id,
                "external_id": company_id,
                "traits": person.traits,
                "created_at": now,
                "updated_at": now,
            },
        )
        return person
    new_traits = merged(company.traits, traits)
    if new_traits != company.traits:
        company.traits, company.updated_at = new_traits, now
        session.add(company)
    return Person(company_id, new_traits)


def add_membership(session: Session, workspace_id: int, user_id: str, company_id: str) -> None:
    session.connection().execute(
        insert_for(session, Membership).on_conflict_do_nothing(),
        {
            "workspace_id": workspace_id,
            "user_id": user_id,
            "company_id": company_id,
            "created_at": utcnow(),
        },
    )


def user_companies(session: Session, workspace_id: int, user_id: str) -> list[str]:
    return list(
        session.exec(
            select(Membership.company_id).where(
                Membership.workspace_id == workspace_id, Membership.user_id == user_id
            )
        ).all()
    )
