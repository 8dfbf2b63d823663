"""End users and companies: upserts that merge traits the way hosts expect (new keys
overwrite, keys not sent are kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session
from sqlmodel import select as orm_select

from shirube.models import Company, EndUser, Membership
from shirube.services.sql import insert_for
from shirube.timeutil import utcnow

# last_seen_at is refreshed at most this often by widget sessions: a write on every page load
# would cost more than a KPI measured in days needs.
LAST_SEEN_GRANULARITY = timedelta(minutes=5)

_USERS = EndUser.__table__  # type: ignore[attr-defined]
_COMPANIES = Company.__table__  # type: ignore[attr-defined]
_MEMBERS = Membership.__table__  # type: ignore[attr-defined]

# Built once: on this hot path building a statement costs more than running it.
_USER = select(_USERS.c.traits, _USERS.c.locale, _USERS.c.last_seen_at).where(
    _USERS.c.workspace_id == bindparam("ws"), _USERS.c.external_id == bindparam("id")
)
_COMPANY = select(_COMPANIES.c.traits).where(
    _COMPANIES.c.workspace_id == bindparam("ws"), _COMPANIES.c.external_id == bindparam("id")
)
_MEMBER = select(_MEMBERS.c.company_id).where(
    _MEMBERS.c.workspace_id == bindparam("ws"),
    _MEMBERS.c.user_id == bindparam("user"),
    _MEMBERS.c.company_id == bindparam("company"),
)


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
    user = session.connection().execute(_USER, {"ws": workspace_id, "id": user_id}).first()
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
        values: dict[str, Any] = {"traits": new_traits, "locale": new_locale}
        if seen:
            values["last_seen_at"] = max(user.last_seen_at, now)
        session.connection().execute(
            update(_USERS)
            .where(_USERS.c.workspace_id == workspace_id, _USERS.c.external_id == user_id)
            .values(values)
        )
    return Person(user_id, new_traits, new_locale)


def upsert_company(
    session: Session, workspace_id: int, company_id: str, traits: dict[str, Any] | None
) -> Person:
    now = utcnow()
    company = session.connection().execute(_COMPANY, {"ws": workspace_id, "id": company_id}).first()
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
        session.connection().execute(
            update(_COMPANIES)
            .where(
                _COMPANIES.c.workspace_id == workspace_id,
                _COMPANIES.c.external_id == company_id,
            )
            .values(traits=new_traits, updated_at=now)
        )
    return Person(company_id, new_traits)


def add_membership(session: Session, workspace_id: int, user_id: str, company_id: str) -> None:
    # Read first: on every widget session the membership almost always exists, and a read is
    # cheaper than a conflicting insert.
    exists = (
        session.connection()
        .execute(_MEMBER, {"ws": workspace_id, "user": user_id, "company": company_id})
        .first()
    )
    if exists is not None:
        return
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
            orm_select(Membership.company_id).where(
                Membership.workspace_id == workspace_id, Membership.user_id == user_id
            )
        ).all()
    )
