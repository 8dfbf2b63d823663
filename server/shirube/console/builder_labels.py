"""The console's words for the visual builder's "Open in my app" form, in English and
Japanese (console/labels.py chooses the language)."""

from __future__ import annotations

OPEN_IN_APP: dict[str, dict[str, str]] = {
    "en": {
        "title": "Open in my app",
        "intro": "Build this tour on your own app's pages with the visual builder. The link "
        "carries an edit grant for 15 minutes; signing out of the console revokes it.",
        "origin": "App origin",
        "path": "Page path",
        "path_hint": "where the builder opens, e.g. /employees/42",
        "open": "Open in my app",
        "no_origins": "This workspace has no allowed origin to open: add your app's origin "
        "to its allowed origins first.",
        "read_only": "Your role can read this tour but not build it.",
        "err_origin": "origin: choose one of the workspace's allowed origins",
        "err_path": "path: must start with / and hold no spaces, # or control characters",
        "workspaces": "Workspaces",
        "tour": "Tour",
    },
    "ja": {
        "title": "アプリで開く",
        "intro": "ビジュアルビルダーで、自社アプリの実際のページ上でこのツアーを作成します。"
        "リンクには15分間有効な編集権限が含まれます。コンソールからサインアウトすると無効になります。",
        "origin": "アプリのオリジン",
        "path": "ページのパス",
        "path_hint": "ビルダーを開く場所（例: /employees/42）",
        "open": "アプリで開く",
        "no_origins": "このワークスペースには開けるオリジンがありません。"
        "先に許可オリジンにアプリのオリジンを追加してください。",
        "read_only": "あなたのロールではこのツアーを閲覧できますが、編集はできません。",
        "err_origin": "origin: ワークスペースの許可オリジンから選んでください",
        "err_path": "path: / で始まり、空白・#・制御文字を含まないパスにしてください",
        "workspaces": "ワークスペース",
        "tour": "ツアー",
    },
}
