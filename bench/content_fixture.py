"""A realistic workspace for the benchmarks: tours, checklists and audiences of an
attendance-management (勤怠管理) SaaS, and the traits of its users and companies.

Everything is generated from a seeded `random.Random`, so every run measures the same content.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

ROLES = ["admin", "hr", "manager", "employee", "accountant"]
DEPARTMENTS = ["hr", "payroll", "sales", "engineering", "support", "operations"]
USER_PLANS = ["basic", "premium"]
COMPANY_PLANS = ["trial", "standard", "pro", "enterprise"]
INDUSTRIES = ["retail", "manufacturing", "it", "healthcare", "logistics"]

# Event names that complete checklist items (server events or widget events alike).
RULE_EVENTS = [
    "employees.imported",
    "shift.created",
    "invite.sent",
    "integration.connected",
    "timecard.clocked_in",
    "report.exported",
]

TOUR_TOPICS = [
    ("welcome", "Welcome", "ようこそ"),
    ("import-employees", "Import employees", "従業員をまとめて登録"),
    ("first-shift", "Create your first shift", "最初のシフトを作成"),
    ("clock-in", "Clock in from the browser", "ブラウザから出勤打刻"),
    ("leave-requests", "Leave requests", "休暇申請"),
    ("approvals", "Approval flows", "承認フロー"),
    ("overtime-rules", "Overtime rules", "残業ルール"),
    ("payroll-export", "Export to payroll", "給与計算への連携"),
    ("reports", "Monthly reports", "月次レポート"),
    ("mobile-app", "Link the mobile app", "モバイルアプリ連携"),
    ("invite-team", "Invite your team", "メンバーを招待"),
    ("holidays", "Company holidays", "会社の休日設定"),
    ("work-patterns", "Work patterns", "勤務パターン"),
    ("alerts", "Missing-punch alerts", "打刻漏れアラート"),
    ("sso", "Single sign-on", "シングルサインオン"),
    ("api-keys", "API access", "API連携"),
    ("audit-log", "Audit log", "操作ログ"),
    ("flex-time", "Flex time", "フレックスタイム"),
    ("paid-leave", "Paid leave balances", "有給休暇の残日数"),
    ("csv-templates", "CSV templates", "CSVテンプレート"),
]

# How many audience conditions each tour (20) and checklist (5) has: 40 + 10 = 50 in total.
TOUR_CONDITIONS = [0, 1, 2, 3, 2, 1, 0, 4, 2, 3, 1, 2, 5, 0, 2, 3, 1, 2, 4, 2]
CHECKLIST_CONDITIONS = [2, 2, 2, 2, 2]
TOTAL_CONDITIONS = sum(TOUR_CONDITIONS) + sum(CHECKLIST_CONDITIONS)


def _condition(rng: random.Random) -> dict[str, Any]:
    """One condition on a user or company trait, with one of every operator."""
    choices: list[tuple[str, str, Any]] = [
        ("user.role", "equals", rng.choice(ROLES)),
        ("user.role", "in", rng.sample(ROLES, 2)),
        ("user.role", "not_equals", "employee"),
        ("user.department", "in", rng.sample(DEPARTMENTS, 3)),
        ("user.department", "contains", rng.choice(DEPARTMENTS)),
        ("user.plan", "equals", rng.choice(USER_PLANS)),
        ("user.signed_up_at", "gt", f"2026-{rng.randint(1, 9):02d}-01"),
        ("user.signed_up_at", "lt", f"2026-{rng.randint(4, 11):02d}-15"),
        ("user.is_champion", "equals", True),
        ("user.logins", "lt", rng.choice([5, 10, 30])),
        ("user.invited_by", "exists", rng.choice([True, False])),
        ("company.plan", "in", rng.sample(COMPANY_PLANS, 2)),
        ("company.plan", "not_equals", "trial"),
        ("company.employees", "gt", rng.choice([10, 50, 200])),
        ("company.signed_up_at", "gt", f"2025-{rng.randint(1, 12):02d}-01"),
        ("company.industry", "equals", rng.choice(INDUSTRIES)),
        ("company.sso", "exists", True),
    ]
    attribute, op, value = rng.choice(choices)
    return {"attribute": attribute, "op": op, "value": value}


def audience(rng: random.Random, conditions: int) -> dict[str, Any] | None:
    """A top-level group of exactly `conditions` conditions, nested once when there are 3+."""
    if conditions == 0:
        return None
    entries = [_condition(rng) for _ in range(conditions)]
    if conditions < 3:
        return {rng.choice(["all", "any"]): entries}
    outer, inner = ("any", "all") if rng.random() < 0.5 else ("all", "any")
    return {outer: [entries[0], {inner: entries[1:]}]}


def count_conditions(node: dict[str, Any] | None) -> int:
    if node is None:
        return 0
    children = node.get("all", node.get("any"))
    if children is None:
        return 1
    return sum(count_conditions(child) for child in children)


def _text(en: str, ja: str) -> dict[str, str]:
    return {"en": en, "ja": ja}


def tours(rng: random.Random) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for (key, en, ja), conditions in zip(TOUR_TOPICS, TOUR_CONDITIONS, strict=True):
        steps: list[dict[str, Any]] = []
        for index in range(rng.randint(3, 6)):
            kind = "modal" if index == 0 else rng.choice(["tooltip", "tooltip", "hotspot"])
            step: dict[str, Any] = {
                "id": f"step-{index + 1}",
                "kind": kind,
                "title": _text(f"{en}: step {index + 1}", f"{ja}：ステップ{index + 1}"),
                "body": _text(
                    f"{en}. Follow this step to finish setting up your workspace quickly.",
                    f"{ja}。この手順に沿って、ワークスペースの初期設定を完了しましょう。",
                ),
            }
            if kind != "modal":
                step["target"] = f"[data-tour={key}-{index + 1}]"
                step["placement"] = rng.choice(["bottom", "right", "top-start", "auto"])
                step["page"] = f"/{key}"
                if rng.random() < 0.3:
                    step["advance"] = {"type": "click"}
            if rng.random() < 0.2:
                step["cta"] = {"label": _text("Read the guide", "ガイドを見る"), "url": "/help"}
            steps.append(step)
        trigger: dict[str, Any] = rng.choice(
            [{"type": "auto"}, {"type": "auto"}, {"type": "manual"},
             {"type": "event", "event": f"{key}.opened"}]
        )  # fmt: skip
        tour: dict[str, Any] = {
            "key": key,
            "name": en,
            "trigger": trigger,
            "pages": [f"/{key}", f"/{key}/*"],
            "frequency": rng.choice(["once", "until_completed"]),
            "steps": steps,
        }
        tour_audience = audience(rng, conditions)
        if tour_audience is not None:
            tour["audience"] = tour_audience
        result.append(tour)
    return result


def checklists(rng: random.Random, tour_keys: list[str]) -> list[dict[str, Any]]:
    names = [
        ("setup", "Initial setup", "初期設定"),
        ("admin-setup", "Administrator setup", "管理者の初期設定"),
        ("first-week", "Your first week", "最初の1週間"),
        ("payroll-ready", "Ready for payroll", "給与計算の準備"),
        ("team-rollout", "Roll out to your team", "チームへの展開"),
    ]
    result: list[dict[str, Any]] = []
    for (key, en, ja), conditions in zip(names, CHECKLIST_CONDITIONS, strict=True):
        items: list[dict[str, Any]] = []
        for index in range(rng.randint(4, 6)):
            item: dict[str, Any] = {
                "id": f"item-{index + 1}",
                "title": _text(f"{en} — task {index + 1}", f"{ja}：タスク{index + 1}"),
                "description": _text(
                    "A short explanation of the task.", "タスクの簡単な説明です。"
                ),
            }
            if rng.random() < 0.5:
                event = rng.choice(RULE_EVENTS)
                item["completion"] = {
                    "type": "event",
                    "event": event,
                    "min_count": rng.choice([1, 1, 3]),
                }
            else:
                tour_key = rng.choice(tour_keys)
                item["completion"] = {"type": "tour_completed", "tour": tour_key}
                item["action"] = {"type": "tour", "tour": tour_key}
            items.append(item)
        checklist: dict[str, Any] = {
            "key": key,
            "title": _text(en, ja),
            "items": items,
            "completion_message": _text("All done!", "完了しました！"),
            "survey": {
                "question": _text("Did setup go well?", "初期設定は問題なく完了しましたか？")
            },
        }
        checklist_audience = audience(rng, conditions)
        if checklist_audience is not None:
            checklist["audience"] = checklist_audience
        result.append(checklist)
    return result


@dataclass(frozen=True)
class Person:
    user_id: str
    traits: dict[str, Any]
    company_id: str
    company_traits: dict[str, Any]


def company_id_of(user_number: int) -> str:
    """About ten users per company."""
    return f"co-{(user_number - 1) // 10 + 1}"


def company_traits(rng: random.Random) -> dict[str, Any]:
    traits: dict[str, Any] = {
        "plan": rng.choice(COMPANY_PLANS),
        "employees": rng.choice([8, 25, 60, 150, 400, 1200]),
        "industry": rng.choice(INDUSTRIES),
        "signed_up_at": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }
    if rng.random() < 0.3:
        traits["sso"] = True
    return traits


def user_traits(rng: random.Random) -> dict[str, Any]:
    department: Any = rng.choice(DEPARTMENTS)
    if rng.random() < 0.2:
        department = rng.sample(DEPARTMENTS, 2)  # some users belong to two departments
    traits: dict[str, Any] = {
        "role": rng.choice(ROLES),
        "department": department,
        "plan": rng.choice(USER_PLANS),
        "signed_up_at": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        "logins": rng.randint(1, 60),
        "is_champion": rng.random() < 0.1,
    }
    if rng.random() < 0.6:
        traits["invited_by"] = "user-1"
    return traits


def people(rng: random.Random, count: int) -> list[Person]:
    companies: dict[str, dict[str, Any]] = {}
    result: list[Person] = []
    for number in range(1, count + 1):
        company = company_id_of(number)
        if company not in companies:
            companies[company] = company_traits(rng)
        result.append(Person(f"user-{number}", user_traits(rng), company, companies[company]))
    return result
