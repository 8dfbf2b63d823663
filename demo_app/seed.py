"""Demo data: three companies at different stages, each with users of every role.

さくら物産 is half-way through its setup (employees and work rules done), the other two start
from nothing; "start a new company" on the sign-in page adds more of the latter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from demo_app.db import TOKYO, Company, EmployeeRow, Store, User, WorkRules, now, today_in_tokyo

COMPANIES = [
    # (name, plan, [(name, email, role)], employees already imported, work rules set)
    (
        "株式会社さくら物産",
        "pro",
        [
            ("佐藤 一郎", "sato@sakura.example", "admin"),
            ("鈴木 二郎", "suzuki@sakura.example", "manager"),
            ("高橋 三郎", "takahashi@sakura.example", "employee"),
        ],
        True,
        True,
    ),
    (
        "山田製作所",
        "standard",
        [
            ("山田 花子", "hanako@yamada.example", "admin"),
            ("伊藤 健", "ito@yamada.example", "employee"),
        ],
        False,
        False,
    ),
    (
        "ひかりクリニック",
        "trial",
        [
            ("渡辺 光", "watanabe@hikari.example", "admin"),
            ("松本 ゆき", "matsumoto@hikari.example", "manager"),
            ("井上 翼", "inoue@hikari.example", "employee"),
        ],
        False,
        False,
    ),
]

# How Kintai Cloud's customer-success team covers a customer, by plan: a named CSM for pro
# (high-touch), group sessions for standard (low-touch), the product alone for trials
# (tech-touch). Sent to Shirube as the company trait `tier`, to segment the dashboard by it.
TIER_OF_PLAN = {"pro": "high-touch", "standard": "low-touch", "trial": "tech-touch"}


def company_traits(company: Company) -> dict[str, Any]:
    """What Shirube knows of a company: its name (the console and the dashboard show it
    instead of the id), plan and tier."""
    tier = TIER_OF_PLAN.get(company.plan, "tech-touch")
    return {"name": company.name, "plan": company.plan, "tier": tier}


ROSTER = [
    EmployeeRow("S001", "佐藤 一郎", "sato@sakura.example", "管理部", "2015-04-01"),
    EmployeeRow("S002", "鈴木 二郎", "suzuki@sakura.example", "営業部", "2018-04-01"),
    EmployeeRow("S003", "高橋 三郎", "takahashi@sakura.example", "営業部", "2023-10-01"),
]


@dataclass(frozen=True)
class PastEvent:
    """What the seeded companies did before the demo started, for Shirube to know too."""

    user: User
    name: str
    properties: dict[str, Any] | None = None


def _earlier_today(hours: int) -> datetime:
    """`hours` ago, but never before midnight in Tokyo: the dashboard shows today only."""
    midnight = datetime.combine(today_in_tokyo(), time(0, 1), tzinfo=TOKYO)
    return max(now() - timedelta(hours=hours), midnight)


def seed_if_empty(store: Store) -> list[PastEvent]:
    """Seed an empty database; return the events of that made-up past (empty otherwise)."""
    if store.has_companies():
        return []
    past: list[PastEvent] = []
    for name, plan, people, has_roster, has_rules in COMPANIES:
        (admin_name, admin_email, _), *others = people
        admin = store.create_company(name, plan, admin_name, admin_email)
        users = [admin] + [store.add_user(admin.company_id, n, e, r) for n, e, r in others]
        if has_roster:
            store.add_employees(admin.company_id, ROSTER)
            past.append(PastEvent(admin, "employees_imported", {"count": len(ROSTER)}))
            # Someone is already at work, so the dashboard has something to show.
            store.clock_in(users[1], _earlier_today(hours=2))
            past.append(PastEvent(users[1], "clock_in"))
        if has_rules:
            store.save_work_rules(admin.company_id, WorkRules("09:00", "18:00", 60, 31))
            past.append(PastEvent(admin, "work_rules_saved"))
    return past
