"""The sample session answer of the console's theme preview (docs/console.md, "Theme"): a tour
(a tooltip, then a modal) and a checklist, written in the content format and localized by the
same code as real answers, with the theme being edited. The real widget bundle renders it in
the preview frame; nothing is read from or written to the workspace's data: no end user, no
event, no progress."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from shirube.content.checklist import validate_checklist
from shirube.content.localize import localize_checklist, localize_tour
from shirube.content.tour import validate_tour
from shirube.services.workspace_settings import Theme, session_theme

PREVIEW_USER = "theme-preview"
PREVIEW_STEPS = ("tooltip", "modal")
# The element of the preview page the tooltip points at (console/templates/theme_preview.html).
TARGET = "#preview-target"

_TOUR = validate_tour(
    {
        "key": "theme-preview",
        "name": "Theme preview",
        "trigger": {"type": "manual"},
        "frequency": "every_session",
        "steps": [
            {
                "id": "tooltip",
                "kind": "tooltip",
                "target": TARGET,
                "placement": "right-start",
                "title": {"en": "Add your team", "ja": "チームを追加"},
                "body": {
                    "en": "Invite the people you work with. **Tooltips** point at one element.",
                    "ja": "一緒に働くメンバーを招待しましょう。"
                    "**ツールチップ**は要素を指し示します。",
                },
            },
            {
                "id": "modal",
                "kind": "modal",
                "title": {"en": "Welcome aboard", "ja": "ようこそ"},
                "body": {
                    "en": "A **modal** step is centred on the page, above everything else.",
                    "ja": "**モーダル**はページの中央、すべての上に表示されます。",
                },
            },
        ],
    }
)

_CHECKLIST = validate_checklist(
    {
        "key": "theme-preview",
        "title": {"en": "Get set up", "ja": "はじめの設定"},
        "description": {
            "en": "Three steps to your first report.",
            "ja": "最初のレポートまで 3 ステップ。",
        },
        "items": [
            {
                "id": "profile",
                "title": {"en": "Complete your profile", "ja": "プロフィールを入力"},
                "completion": {"type": "manual"},
            },
            {
                "id": "team",
                "title": {"en": "Invite your team", "ja": "チームを招待"},
                "description": {
                    "en": "Colleagues join in one click.",
                    "ja": "同僚はワンクリックで参加できます。",
                },
                "completion": {"type": "manual"},
            },
            {
                "id": "report",
                "title": {"en": "Run your first report", "ja": "最初のレポートを作成"},
                "completion": {"type": "manual"},
            },
        ],
    },
    tour_keys=(),
)


def preview_theme(raw: Any) -> dict[str, Any]:
    """The fields of `raw` that are a valid theme, one by one: a half-typed font name in the
    editor drops that field from the preview instead of the whole theme."""
    if not isinstance(raw, dict):
        return {}
    theme: dict[str, Any] = {}
    for name, value in raw.items():
        try:
            theme.update(Theme.model_validate({name: value}).model_dump(exclude_none=True))
        except ValidationError:
            continue
    return theme


def preview_answer(theme: dict[str, Any], locale: str, step: str) -> dict[str, Any]:
    """A session answer (POST /api/v1/widget/session's shape) showing `step` of the sample tour
    and the sample checklist with one item done, in `locale` ("ja" or "en")."""
    current = step if step in PREVIEW_STEPS else PREVIEW_STEPS[0]
    return {
        "token": "preview",
        "expires_in": 3600,
        "user": {"id": PREVIEW_USER, "company_id": None, "locale": locale},
        "workspace": {"default_locale": locale, "theme": session_theme(theme, locale, locale)},
        "revision": 0,
        "tours": [
            {
                **localize_tour(_TOUR, locale, locale),
                "version": 1,
                "progress": {"status": "in_progress", "current_step": current},
            }
        ],
        "checklists": [
            {
                **localize_checklist(_CHECKLIST, locale, locale),
                "version": 1,
                "progress": {
                    "completed_items": {"profile": "2026-01-01T00:00:00Z"},
                    "completed": 1,
                    "total": 3,
                    "completed_at": None,
                    "survey_answered": False,
                },
            }
        ],
    }
