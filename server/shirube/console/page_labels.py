"""English and Japanese words of the sign-in and error pages (other pages keep theirs beside
their code: the workspaces list in console/workspace_labels.py)."""

from __future__ import annotations

PAGES: dict[str, dict[str, str]] = {
    "en": {
        "sign_in": "Sign in",
        "email": "Email",
        "password": "Password",
        "sign_in_hint": "Admins are created with",
        "error": "Error",
        "request_id": "Request id",
        "back": "Back to the console",
    },
    "ja": {
        "sign_in": "ログイン",
        "email": "メールアドレス",
        "password": "パスワード",
        "sign_in_hint": "管理者アカウントの作成:",
        "error": "エラー",
        "request_id": "リクエスト ID",
        "back": "コンソールに戻る",
    },
}

ERROR_MESSAGES: dict[str, dict[int, str]] = {
    "en": {
        400: "The form could not be read. Reload the page and try again.",
        403: "The form expired or did not come from this console. Reload the page and try again.",
        404: "Not found.",
        405: "Method not allowed.",
        411: "The form was sent without its length.",
        413: "The form is too large.",
        500: "Something went wrong on the server (is the database reachable?). Try again shortly.",
    },
    "ja": {
        400: "フォームを読み取れませんでした。ページを再読み込みしてやり直してください。",
        403: (
            "フォームの有効期限が切れたか、このコンソールから送信されたものではありません。"
            "ページを再読み込みしてやり直してください。"
        ),
        404: "見つかりません。",
        405: "このメソッドは使えません。",
        411: "フォームが長さなしで送信されました。",
        413: "フォームが大きすぎます。",
        500: (
            "サーバーで問題が起きました(データベースに接続できますか?)。"
            "しばらくしてからやり直してください。"
        ),
    },
}
UNHANDLED = {"en": "The request could not be handled.", "ja": "リクエストを処理できませんでした。"}
