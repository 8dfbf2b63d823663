"""Demo data: three companies at different stages, each with users of every role."""

from __future__ import annotations

from datetime import timedelta

from demo_app.db import EmployeeRow, Store, WorkRules, now

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

ROSTER = [
    EmployeeRow("S001", "佐藤 一郎", "sato@sakura.example", "管理部", "2015-04-01"),
    EmployeeRow("S002", "鈴木 二郎", "suzuki@sakura.example", "営業部", "2018-04-01"),
    EmployeeRow("S003", "高橋 三郎", "takahashi@sakura.example", "営業部", "2023-10-01"),
]


def seed_if_empty(store: Store) -> None:
    if store.has_companies():
        return
    for name, plan, people, has_roster, has_rules in COMPANIES:
        (admin_name, admin_email, _), *others = people
        admin = store.create_company(name, plan, admin_name, admin_email)
        users = [admin] + [store.add_user(admin.company_id, n, e, r) for n, e, r in others]
        if has_roster:
            store.add_employees(admin.company_id, ROSTER)
        if has_rules:
            store.save_work_rules(admin.company_id, WorkRules("09:00", "18:00", 60, 31))
        # Someone is already at work, so the dashboard has something to show.
        if has_roster:
            store.clock_in(users[1], now() - timedelta(hours=2))
