"""Complete, valid content used by several test modules (and mirrored in docs/content-format.md)."""

from __future__ import annotations

from typing import Any

FULL_TOUR: dict[str, Any] = {
    "key": "import-employees",
    "name": "Import employees (admins, first week)",
    "trigger": {"type": "event", "event": "employees.list_opened"},
    "audience": {
        "all": [
            {"attribute": "user.role", "op": "in", "value": ["admin", "hr"]},
            {"attribute": "company.plan", "op": "not_equals", "value": "trial"},
        ]
    },
    "pages": ["/employees", "/employees/*"],
    "frequency": "until_completed",
    "steps": [
        {
            "id": "intro",
            "kind": "modal",
            "placement": "auto",
            "title": {"en": "Import your team", "ja": "従業員をまとめて登録"},
            "body": {"en": "Upload a CSV instead of typing.", "ja": "CSVでまとめて登録できます。"},
            "advance": {"type": "next"},
            "if_missing": "skip",
            "wait_ms": 5000,
        },
        {
            "id": "button",
            "kind": "tooltip",
            "target": "[data-tour=import-button]",
            "placement": "bottom-start",
            "page": "/employees",
            "title": "Import",
            "advance": {"type": "click"},
            "if_missing": "end",
            "wait_ms": 10000,
        },
        {
            "id": "upload",
            "kind": "hotspot",
            "target": "#csv-upload",
            "placement": "right",
            "page": "/employees/import",
            "body": "Drop your CSV here.",
            "advance": {"type": "event", "event": "employees.imported"},
            "cta": {"label": {"en": "CSV template", "ja": "CSVテンプレート"}, "url": "/help/csv"},
            "if_missing": "skip",
            "wait_ms": 0,
        },
    ],
}

FULL_CHECKLIST: dict[str, Any] = {
    "key": "setup",
    "title": {"en": "Get Kintai Cloud ready", "ja": "初期設定"},
    "description": {"en": "Four steps to your first payroll export.", "ja": "4つのステップ"},
    "audience": {"any": [{"attribute": "user.role", "op": "equals", "value": "admin"}]},
    "items": [
        {
            "id": "profile",
            "title": {"en": "Complete company profile", "ja": "会社情報を登録"},
            "action": {"type": "url", "url": "/settings/company"},
            "completion": {"type": "page_visited", "page": "/settings/company/saved*"},
            "success_message": {"en": "Profile saved!", "ja": "登録しました!"},
        },
        {
            "id": "employees",
            "title": "Import employees",
            "description": "Upload a CSV instead of typing everyone in.",
            "action": {"type": "tour", "tour": "import-employees"},
            "completion": {"type": "event", "event": "employees.imported", "min_count": 1},
            "success_message": "Your team is in!",
        },
        {
            "id": "tour",
            "title": "Take the tour",
            "action": {"type": "tour", "tour": "welcome"},
            "completion": {"type": "tour_completed", "tour": "welcome"},
        },
        {
            "id": "clock-in",
            "title": "Clock in three times",
            "completion": {"type": "event", "event": "clock_in", "min_count": 3},
        },
        {"id": "read-guide", "title": "Read the guide", "completion": {"type": "manual"}},
    ],
    "completion_message": {"en": "You are all set!", "ja": "設定完了です!"},
    "survey": {
        "question": {"en": "Did setup go smoothly?", "ja": "初期設定は問題なく完了しましたか?"},
        "comment_label": "Anything we could improve?",
    },
}
