"""The theme page's words in English and Japanese (console/theme.py; the pattern of
console/labels.py)."""

from __future__ import annotations

THEME: dict[str, dict[str, str]] = {
    "en": {
        "workspaces": "Workspaces",
        "title": "Theme",
        "intro": "How the widget looks to your users: tours, hotspots, checklists and the "
        "launcher. The preview runs the real widget with sample content; nothing is shown to "
        "users until you save.",
        "brand_color": "Brand colour",
        "brand_hint": "Buttons, the launcher, progress bars.",
        "text_color": "Text colour on the brand colour",
        "text_auto": "Automatic (white or near-black, whichever contrasts more)",
        "font_family": "Font family",
        "font_hint": 'A CSS font list, e.g. "Noto Sans JP", sans-serif. Empty: the system font.',
        "corner_radius": "Corner radius (px)",
        "radius_hint": "0 (square) to 24. Buttons and the launcher are rounded in proportion. "
        "Empty: 8.",
        "launcher_position": "Launcher position",
        "bottom-right": "Bottom right",
        "bottom-left": "Bottom left",
        "top-right": "Top right",
        "top-left": "Top left",
        "launcher_label": "Launcher label",
        "label_hint": 'Shown before the checklist\'s progress ("Get started 1/3"); up to 30 '
        "characters of plain text. Users get the one in their language, else the other.",
        "label_ja": "Japanese",
        "label_en": "English",
        "contrast": "Contrast of the text on the brand colour",
        "contrast_ok": "{ratio} — passes WCAG AA (4.5:1 or more).",
        "contrast_low": "{ratio} — below WCAG AA (4.5:1): button and launcher text will be "
        "hard to read for many users.",
        "save_anyway": "Save anyway, with contrast below AA",
        "confirm_needed": "The contrast is below WCAG AA. Change the colours, or tick "
        '"Save anyway" and save again.',
        "save": "Save the theme",
        "saved": "Theme saved. Users see it from their next page.",
        "errors": "The theme was not saved: fix the fields marked below.",
        "read_only": "Your role can see the theme but not change it.",
        "preview": "Preview",
        "preview_hint": "The real widget with sample content, updated as you edit. Try the "
        "tour's Next button and the launcher.",
        "preview_frame": "Widget preview",
        "preview_locale": "Preview language",
        "preview_step": "Tour step shown",
        "step_tooltip": "Tooltip",
        "step_modal": "Modal",
        "lang_ja": "Japanese",
        "lang_en": "English",
        "back": "Back to the workspace",
        "link": "Colours, font, corners and launcher of the widget, with a live preview",
    },
    "ja": {
        "workspaces": "ワークスペース",
        "title": "テーマ",
        "intro": "ユーザーに表示されるウィジェット(ツアー、ホットスポット、チェックリスト、"
        "ランチャー)の見た目です。プレビューはサンプルの内容で実際のウィジェットを動かします。"
        "保存するまでユーザーには反映されません。",
        "brand_color": "ブランドカラー",
        "brand_hint": "ボタン、ランチャー、進捗バーの色です。",
        "text_color": "ブランドカラー上の文字色",
        "text_auto": "自動(白とほぼ黒のうち、コントラストが高い方)",
        "font_family": "フォント",
        "font_hint": 'CSS のフォント指定(例: "Noto Sans JP", sans-serif)。'
        "空欄ならシステムフォントです。",
        "corner_radius": "角の丸み(px)",
        "radius_hint": "0(角張る)〜24。ボタンとランチャーも比例して丸くなります。空欄なら 8 です。",
        "launcher_position": "ランチャーの位置",
        "bottom-right": "右下",
        "bottom-left": "左下",
        "top-right": "右上",
        "top-left": "左上",
        "launcher_label": "ランチャーのラベル",
        "label_hint": "チェックリストの進捗の前に表示されます(「はじめに 1/3」)。"
        "30 文字までのプレーンテキストです。ユーザーの言語のもの、なければもう一方が表示されます。",
        "label_ja": "日本語",
        "label_en": "英語",
        "contrast": "ブランドカラー上の文字のコントラスト",
        "contrast_ok": "{ratio} — WCAG AA(4.5:1 以上)を満たしています。",
        "contrast_low": "{ratio} — WCAG AA(4.5:1)を下回っています。"
        "ボタンやランチャーの文字が多くのユーザーにとって読みにくくなります。",
        "save_anyway": "AA 未満のコントラストのまま保存する",
        "confirm_needed": "コントラストが WCAG AA を下回っています。色を変更するか、"
        "「AA 未満のコントラストのまま保存する」にチェックを入れてもう一度保存してください。",
        "save": "テーマを保存",
        "saved": "テーマを保存しました。ユーザーには次のページから反映されます。",
        "errors": "テーマは保存されていません。下の項目を修正してください。",
        "read_only": "あなたのロールではテーマを閲覧できますが、変更はできません。",
        "preview": "プレビュー",
        "preview_hint": "サンプルの内容で動く実際のウィジェットです。編集に合わせて更新されます。"
        "ツアーの「次へ」やランチャーも試せます。",
        "preview_frame": "ウィジェットのプレビュー",
        "preview_locale": "プレビューの言語",
        "preview_step": "表示するツアーのステップ",
        "step_tooltip": "ツールチップ",
        "step_modal": "モーダル",
        "lang_ja": "日本語",
        "lang_en": "英語",
        "back": "ワークスペースに戻る",
        "link": "ウィジェットの色、フォント、角の丸み、ランチャー(ライブプレビュー付き)",
    },
}
