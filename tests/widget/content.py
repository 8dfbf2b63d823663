"""The tours and checklist the widget tests run, imported once into the test workspace.

Most tours are `manual` (a test starts one with `?tour=key`, which queues
`Shirube.startTour(key)` in the snippet); the auto tours are scoped to their own pages, so one
workspace serves every test. Each test uses a user id of its own.
"""

from __future__ import annotations

from typing import Any

XSS_TITLE = "<img src=x onerror=\"window.shirubeXss='title'\"> Hello"
XSS_BODY = (
    "<script>window.shirubeXss='body'</script> "
    "[click me](javascript:window.shirubeXss='link') **bold** "
    "<img src=x onerror=\"window.shirubeXss='body-img'\">"
)
# Near the 2,000-character limit of a body: taller than a phone's screen in any card.
LONG_BODY = (
    "勤怠データの取り込みについて。" * 60 + "\n\n- " + "\n- ".join(["CSV", "Excel", "API"] * 10)
)
TOAST_TEXT = "最初の従業員データを取り込みました!"
CHECKLIST_ROLE = "checklist-tester"
# Set through the workspace settings API once the server runs; every test sees it.
THEME = {
    "brand_color": "#8a1c5c",
    "font_family": "Georgia, serif",
    "launcher_position": "bottom-left",
}


def tooltip(
    step_id: str, target: str | dict[str, Any], placement: str = "auto", **extra: Any
) -> dict[str, Any]:
    return {
        "id": step_id,
        "kind": "tooltip",
        "target": target,
        "placement": placement,
        "title": f"Title {step_id}",
        "body": f"Body of step {step_id}.",
        **extra,
    }


def modal(step_id: str, **extra: Any) -> dict[str, Any]:
    return {"id": step_id, "kind": "modal", "title": f"Title {step_id}", "body": "Body.", **extra}


def tour(key: str, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"key": key, "name": key, "trigger": {"type": "manual"}, "steps": steps, **extra}


MISSING = "#does-not-exist"

# Robust targets (the visual builder's form), recorded on pages/robust.html; the tour runs on
# pages/robust-changed.html too, that page after a host release (test_robust_targets.py).
ROBUST_STEPS: list[dict[str, Any]] = [
    tooltip(
        "nav",
        {
            "css": "#nav-employees",
            "fallbacks": [
                {"by": "class", "css": "aside a.nav-link.employees"},
                {"by": "aria", "css": "a,[role=link]", "name": "Employees"},
            ],
            "text": "Employees",
        },
        "right",
    ),
    tooltip(
        "import",
        {
            "css": "#import-csv",
            "fallbacks": [
                {"by": "testid", "css": "[data-testid=import]"},
                {"by": "class", "css": "a.btn.primary"},
            ],
            "text": "Import CSV",
        },
        "bottom",
    ),
    tooltip(
        "clock",
        {
            "css": "#clock-in",
            "fallbacks": [
                {"by": "class", "css": "form.clock .big"},
                {"by": "path", "css": "main button"},
            ],
            "text": "Clock in",
        },
        "bottom",
    ),
    tooltip(
        "gone",
        {
            "css": "#delete-all",
            "fallbacks": [
                {"by": "testid", "css": "[data-testid=delete-all]"},
                {"by": "aria", "css": "button,[role=button]", "name": "Delete all"},
            ],
            "text": "Delete all",
        },
        "bottom",
        wait_ms=300,
    ),
]

TOURS: list[dict[str, Any]] = [
    tour("robust", ROBUST_STEPS),
    tour(
        "robust-ambiguous",
        [
            tooltip("many", {"css": "main button"}, "bottom", wait_ms=300),
            tooltip("first", "main button", "bottom"),
        ],
    ),
    tour(
        "geo-admin",
        [
            tooltip("navbar", "#nav-search", "top"),  # no room above a top navbar: flips
            tooltip("sidebar", "#side-reports", "right"),
            tooltip("content", "#content-export", "left"),
            tooltip("deep", "#bottom-target", "top"),  # below the fold: scrolled into view
        ],
    ),
    tour("geo-table", [tooltip("row", "#row-35-edit", "right")]),
    tour("tpl-side", [tooltip("side-link", "#tpl-link", "right")]),
    tour("tpl-dropdown", [tooltip("actions", "#tpl-actions", "bottom")]),
    tour("tpl-slotted", [tooltip("slotted", "#tpl-slotted", "right")]),
    tour(
        "long-words",
        [
            tooltip(
                "long-word",
                "#tpl-export",
                "bottom",
                title="W" * 200,
                body="x" * 300 + " then words",
                cta={"label": "L" * 120, "url": "https://example.com/help"},
            ),
            modal("long-word-modal", title="モ" * 200, body="y" * 400),
        ],
    ),
    tour("tpl-export", [tooltip("export", "#tpl-export", "bottom")]),
    tour("geo-shell", [tooltip("shell", "#deep-target", "top")]),
    tour("geo-quirks", [tooltip("low", "#low-target", "bottom")]),
    tour("geo-zoom", [tooltip("zoomed", "#zoomed-target", "bottom")]),
    tour("long-tooltip", [tooltip("long-tooltip", "#content-export", "bottom", body=LONG_BODY)]),
    tour("long-modal", [modal("long-modal", body=LONG_BODY)]),
    tour(
        "geo-align",
        [
            tooltip("bottom-end", "#content-export", "bottom-end"),
            tooltip("right-start", "#side-reports", "right-start"),
            tooltip("bottom-start", "#heading", "bottom-start"),
        ],
    ),
    tour(
        "keys",
        [
            tooltip("k1", "#content-export", "bottom"),
            modal("k2"),
            tooltip("k3", "#side-reports", "right"),
        ],
    ),
    tour("modal-trap", [modal("m1")]),
    tour(
        "dialog-tour",
        [tooltip("dlg-save", "#dlg-save", "bottom"), tooltip("dlg-name", "#dlg-name", "right")],
    ),
    tour("late-tour", [tooltip("late", "#late-button", "bottom", wait_ms=8000, if_missing="end")]),
    tour(
        "hidden-tour",
        [tooltip("revealed", "#revealed-button", "bottom", wait_ms=8000, if_missing="end")],
    ),
    tour(
        "missing-skip",
        [tooltip("gone", MISSING, "bottom", wait_ms=300, if_missing="skip"), modal("after")],
    ),
    tour(
        "missing-end",
        [tooltip("gone", MISSING, "bottom", wait_ms=300, if_missing="end"), modal("after")],
    ),
    {
        "key": "spa-tour",
        "name": "spa",
        "trigger": {"type": "auto"},
        "pages": ["/spa", "/spa/*"],
        "steps": [
            tooltip("home", "#spa-nav-settings", "right", page="/spa", advance={"type": "click"}),
            tooltip("settings", "#settings-form", "bottom", page="/spa/settings"),
            tooltip("reports", "#report-chart", "top", page="/spa/reports"),
        ],
    },
    {
        # The hash-routed app at the root (pages/hash.html): its routes are `/#/` and `/#/guide`.
        "key": "hash-tour",
        "name": "hash routes",
        "trigger": {"type": "auto"},
        "pages": ["/"],
        "steps": [
            tooltip("hash-home", "#hash-home", "bottom", page="/#/"),
            tooltip("hash-guide", "#guide-text", "bottom", page="/#/guide"),
        ],
    },
    {
        "key": "resume-tour",
        "name": "resume",
        "trigger": {"type": "auto"},
        "pages": ["/resume.html"],
        "frequency": "once",
        "steps": [modal("r1"), modal("r2"), modal("r3")],
    },
    {
        "key": "again-tour",
        "name": "again",
        "trigger": {"type": "auto"},
        "pages": ["/again.html"],
        "frequency": "until_completed",
        "steps": [modal("g1"), modal("g2")],
    },
    {
        "key": "event-start-tour",
        "name": "event start",
        "trigger": {"type": "event", "event": "report.opened"},
        "steps": [modal("t1")],
    },
    tour("retry-tour", [modal("a"), modal("b")]),
    tour("beacon-tour", [modal("b1"), modal("b2")]),
    tour(
        "xss-tour",
        [
            {"id": "x1", "kind": "modal", "title": XSS_TITLE, "body": XSS_BODY},
            {
                "id": "x2",
                "kind": "tooltip",
                "target": "#content-export",
                "title": XSS_TITLE,
                "body": XSS_BODY,
            },
        ],
    ),
    tour("aggressive-tour", [tooltip("agg", "#agg-target", "bottom")]),
    tour("styles-tour", [tooltip("styled", "#content-export", "bottom")]),
    tour("csp-tour", [tooltip("csp", "#csp-target", "bottom")]),
    tour("checklist-tour", [modal("ct")]),
    tour(
        "hotspot-tour",
        [{"id": "hint", "kind": "hotspot", "target": "#content-export", "body": "A hint."}],
    ),
    tour(
        "event-tour",
        [
            tooltip(
                "e1", "#content-export", "bottom", advance={"type": "event", "event": "exported"}
            ),
            modal("e2"),
        ],
    ),
]

CHECKLISTS: list[dict[str, Any]] = [
    {
        "key": "basics",
        "title": "Getting started",
        "audience": {"all": [{"attribute": "user.role", "op": "equals", "value": CHECKLIST_ROLE}]},
        "items": [
            {
                "id": "take-tour",
                "title": "Take the tour",
                "action": {"type": "tour", "tour": "checklist-tour"},
                "completion": {"type": "tour_completed", "tour": "checklist-tour"},
                "success_message": "Tour done!",
            },
            {
                "id": "import",
                "title": "Import employees",
                "completion": {"type": "event", "event": "employees_imported"},
                "success_message": TOAST_TEXT,
            },
        ],
        "completion_message": "All set!",
        "survey": {"question": "How was setup?", "comment_label": "Anything to improve?"},
    }
]


LONG_LIST_ROLE = "long-list"
CHECKLISTS.append(
    {
        "key": "long-list",
        "title": "Everything to set up",
        "audience": {"all": [{"attribute": "user.role", "op": "equals", "value": LONG_LIST_ROLE}]},
        "items": [
            {
                "id": f"item-{number}",
                "title": f"従業員の勤務ルールを設定する（ステップ {number}）",
                "description": "就業規則に合わせて、勤務時間・休憩・残業の扱いを登録します。",
                "action": {"type": "tour", "tour": "checklist-tour"},
                "completion": {"type": "manual"},
            }
            for number in range(1, 21)
        ],
    }
)


HASH_ROLE = "hash-user"
CHECKLISTS.append(
    {
        "key": "hash-list",
        "title": "Find your way",
        "audience": {"all": [{"attribute": "user.role", "op": "equals", "value": HASH_ROLE}]},
        "items": [
            {
                "id": "read-guide",
                "title": "Read the guide",
                "completion": {"type": "page_visited", "page": "/#/guide"},
            },
            {
                "id": "elsewhere",
                "title": "Somewhere else",
                "completion": {"type": "page_visited", "page": "/#/elsewhere"},
            },
        ],
    }
)


# The help centre (#15) is for these roles only: every other test's user has no launcher left
# once its checklist is done, as before.
HELP_ROLE = "help-reader"  # no checklist: the launcher is the help centre's
HELP_LIST_ROLE = "help-lister"  # a one-item checklist, then the help centre
CHECKLISTS.append(
    {
        "key": "help-basics",
        "title": "はじめの一歩",
        "audience": {"all": [{"attribute": "user.role", "op": "equals", "value": HELP_LIST_ROLE}]},
        "items": [{"id": "hello", "title": "あいさつする", "completion": {"type": "manual"}}],
    }
)
HELP_CENTER: dict[str, Any] = {
    "key": "help",
    "title": {"ja": "ヘルプ", "en": "Help"},
    "audience": {
        "all": [{"attribute": "user.role", "op": "in", "value": [HELP_ROLE, HELP_LIST_ROLE]}]
    },
    "sections": [
        {
            "id": "start",
            "title": {"ja": "はじめに", "en": "Getting started"},
            "entries": [
                {
                    "id": "csv-import",
                    "type": "article",
                    "title": {"ja": "従業員を CSV で取り込む", "en": "Import employees from CSV"},
                    "body": {
                        "ja": "**設定 → 従業員** から CSV ファイルを選びます。\n\n- 文字コードは UTF-8\n"
                        "- [テンプレート](https://example.com/template.csv)",
                        "en": "Choose a CSV file under **Settings → Employees**.",
                    },
                },
                {
                    "id": "rules",
                    "type": "article",
                    "title": {"ja": "勤務ルールを設定する", "en": "Set work rules"},
                    "body": {
                        "ja": "残業の扱いとインポート後の確認。",
                        "en": "Overtime and breaks.",
                    },
                },
                {
                    "id": "tour",
                    "type": "tour",
                    "title": {"ja": "画面の案内を見る", "en": "Take the tour"},
                    "tour": "checklist-tour",
                },
                {
                    "id": "basics",
                    "type": "checklist",
                    "title": {"ja": "はじめの一歩を開く", "en": "Open the first steps"},
                    "checklist": "help-basics",
                },
                {
                    "id": "docs",
                    "type": "link",
                    "title": {"ja": "マニュアル", "en": "Manual"},
                    "url": "https://example.com/manual",
                },
            ],
        }
    ],
    "contact": {
        "label": {"ja": "サポートに問い合わせる", "en": "Contact support"},
        "url": "mailto:support@example.com",
    },
}


def document() -> dict[str, Any]:
    return {
        "format": "shirube.content/1",
        "tours": TOURS,
        "checklists": CHECKLISTS,
        "resource_centers": [HELP_CENTER],
    }


SURVEY_ROLE = "survey-phone"
CHECKLISTS.append(
    {
        "key": "survey-phone",
        "title": "初期設定",
        "audience": {"all": [{"attribute": "user.role", "op": "equals", "value": SURVEY_ROLE}]},
        "items": [
            {
                "id": f"step-{number}",
                "title": f"勤務ルールを設定する（{number}）",
                "description": "就業規則に合わせて、勤務時間・休憩・残業の扱いを登録します。",
                "completion": {"type": "event", "event": f"survey_step_{number}"},
            }
            for number in range(1, 7)
        ],
        "completion_message": "初期設定がすべて完了しました。",
        "survey": {"question": "初期設定はスムーズでしたか？"},
    }
)
