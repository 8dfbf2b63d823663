"""The broken-target report's words in English and Japanese (console/broken_targets.py)."""

from __future__ import annotations

TARGETS: dict[str, dict[str, str]] = {
    "en": {
        "workspaces": "Workspaces",
        "title": "Broken targets",
        "link": "Broken targets: tour steps whose element was not found in the last 7 days",
        "intro": "Tour steps whose target element was not found on the page in the last {days} "
        "days, newest problem first. A target goes missing when the app's markup changed (a "
        "release renamed or moved the element): open the tour and pick the element again. "
        "Until then the step is skipped (or ends the tour, with “if missing: end”).",
        "none": "No missing targets in the last {days} days.",
        "tour": "Tour",
        "step": "Step",
        "missing": "Times missing",
        "last": "Last",
        "pages": "Pages",
        "selector": "Selector",
        "tried": "What was tried (newest)",
        "more_pages": "and {n} more",
        "no_page": "(page not recorded)",
        "found_0": "none found",
        "found_1": "1 found",
        "found_n": "{n} found: must be exactly one",
        "gone": "no longer in the tour",
        "by_css": "Primary selector",
        "by_shirube-id": "data-shirube-id",
        "by_testid": "data-testid",
        "by_id": "id",
        "by_name": "name attribute",
        "by_aria": "Role and accessible name",
        "by_class": "Stable classes",
        "by_path": "Structural path",
        "by_text": "Element text",
        "string_target": "A plain CSS selector (no fallbacks)",
    },
    "ja": {
        "workspaces": "ワークスペース",
        "title": "壊れたターゲット",
        "link": "壊れたターゲット: 過去7日間に対象要素が見つからなかったツアーのステップ",
        "intro": "過去{days}日間に対象要素がページ上で見つからなかったツアーのステップです"
        "(新しい問題から順)。アプリのマークアップが変わると(リリースで要素の名前や位置が"
        "変わると)対象が見つからなくなります。ツアーを開いて要素を選び直してください。"
        "それまでそのステップはスキップされます(「見つからないとき: 終了」ならツアーが"
        "終わります)。",
        "none": "過去{days}日間に見つからなかったターゲットはありません。",
        "tour": "ツアー",
        "step": "ステップ",
        "missing": "見つからなかった回数",
        "last": "最終",
        "pages": "ページ",
        "selector": "セレクター",
        "tried": "試した方法(最新)",
        "more_pages": "ほか{n}件",
        "no_page": "(ページ未記録)",
        "found_0": "見つからない",
        "found_1": "1件",
        "found_n": "{n}件: 1件である必要があります",
        "gone": "ツアーにもうありません",
        "by_css": "主セレクター",
        "by_shirube-id": "data-shirube-id",
        "by_testid": "data-testid",
        "by_id": "id",
        "by_name": "name 属性",
        "by_aria": "ロールとアクセシブルネーム",
        "by_class": "安定したクラス",
        "by_path": "構造パス",
        "by_text": "要素のテキスト",
        "string_target": "CSS セレクターのみ(フォールバックなし)",
    },
}
