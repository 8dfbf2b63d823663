"""The console's words in English and Japanese, for the pages that have both (the webhooks
pages, the header), and the admin's language: the one they picked in the header (a cookie),
else the one their browser prefers (Accept-Language), else English."""

from __future__ import annotations

from starlette.requests import Request

LANGUAGES = ("en", "ja")
# Set by the header's language control (console/language.py); only ever "en" or "ja".
LANGUAGE_COOKIE = "shirube_console_lang"


def language_of(request: Request) -> str:
    """The language the admin picked, else `ja` when the browser prefers Japanese to
    English, else `en`."""
    picked = request.cookies.get(LANGUAGE_COOKIE)
    if picked in LANGUAGES:
        return picked
    return browser_language(request)


def browser_language(request: Request) -> str:
    """`ja` when the browser prefers Japanese to English, `en` otherwise."""
    best, best_q = "en", 0.0
    for part in request.headers.get("accept-language", "")[:500].split(","):
        tag, _, params = part.strip().partition(";")
        language = tag.strip().lower().split("-", 1)[0]
        if language not in LANGUAGES:
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if q > best_q:
            best, best_q = language, q
    return best


# The header every signed-in page shows.
CHROME: dict[str, dict[str, str]] = {
    "en": {
        "sign_out": "Sign out",
        "language": "Language",
        "switch": "Change",
        "password": "Password",
    },
    "ja": {
        "sign_out": "ログアウト",
        "language": "言語",
        "switch": "切り替え",
        "password": "パスワード",
    },
}
LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}

# The page where an admin chooses their own password (console/password.py). The field names
# are the form's, so a refusal names the field it concerns.
PASSWORD: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your password",
        "pending": "You signed in with the password you were given when you were invited. "
        "Choose your own now: the console opens once you have.",
        "intro": "Changing your password signs you out everywhere else.",
        "current_password": "Current password",
        "new_password": "New password",
        "new_password_again": "New password again",
        "rule": "At least {min} characters, different from the current one.",
        "save": "Change the password",
        "changed": "Your password was changed; your other sessions have ended.",
        "wrong_current": "Current password: not the right one.",
        "throttled": "Too many attempts. Try again in {minutes} min.",
        "too_short": "New password: at least {min} characters, please.",
        "too_long": "New password: at most {max} characters, please.",
        "same": "New password: the same as the current one; choose another.",
        "mismatch": "New password again: does not match the new password.",
        "back": "Back to the console",
    },
    "ja": {
        "title": "パスワード",
        "pending": "招待時に渡されたパスワードでサインインしています。"
        "自分のパスワードを設定してください。設定するまでコンソールは使えません。",
        "intro": "パスワードを変更すると、ほかの端末やブラウザのセッションはすべて終了します。",
        "current_password": "現在のパスワード",
        "new_password": "新しいパスワード",
        "new_password_again": "新しいパスワード(確認)",
        "rule": "{min} 文字以上で、現在のパスワードと異なるもの。",
        "save": "パスワードを変更",
        "changed": "パスワードを変更しました。ほかのセッションは終了しました。",
        "wrong_current": "現在のパスワード: 正しくありません。",
        "throttled": "試行回数が多すぎます。{minutes} 分後にもう一度お試しください。",
        "too_short": "新しいパスワード: {min} 文字以上にしてください。",
        "too_long": "新しいパスワード: {max} 文字以内にしてください。",
        "same": "新しいパスワード: 現在のパスワードと同じです。別のものにしてください。",
        "mismatch": "新しいパスワード(確認): 新しいパスワードと一致しません。",
        "back": "コンソールに戻る",
    },
}

WEBHOOKS: dict[str, dict[str, str]] = {
    "en": {
        "workspaces": "Workspaces",
        "title": "Webhooks",
        "intro": "Shirube posts a signed request to each endpoint when one of its kinds happens "
        "(Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature). Verify it "
        "with the SDK's verify_webhook(payload, headers, secret).",
        "endpoints": "Endpoints",
        "none": "No endpoint yet.",
        "url": "URL",
        "description": "Description",
        "kinds": "Kinds",
        "state": "State",
        "enabled": "Enabled",
        "disabled": "Disabled",
        "failing_since": "Failing since",
        "details": "Details and delivery log",
        "add": "Add an endpoint",
        "add_button": "Add",
        "url_hint": "https:// address of your receiver",
        "save": "Save",
        "read_only": "Your role can read webhooks but not change them.",
        "notice_disabled": "Disabled on {at}: {why}. Fix the receiver, then enable it again: "
        "the deliveries it missed while disabled are paused and resume.",
        "why_failing": "every delivery to it failed for more than a day",
        "why_gone": "it answered 410 Gone",
        "why_owner": "it was disabled by hand",
        "secret": "Signing secret",
        "secret_once": "Copy the signing secret now: it is shown this once. Verify every "
        "request with it.",
        "secret_rotating": "Rotating: the previous secret also signs until {at}.",
        "rotate": "Rotate the secret",
        "rotate_hint": "A new secret signs from now on; the previous one keeps signing for 24 "
        "hours (both signatures are sent) or until you finish the rotation.",
        "finish_rotation": "Finish the rotation (stop signing with the previous secret)",
        "delete": "Delete this endpoint and its log",
        "edit": "Change the endpoint",
        "enabled_label": "Enabled (deliver to it)",
        "log": "Delivery log",
        "log_empty": "No delivery yet.",
        "webhook_id": "webhook-id",
        "kind": "Kind",
        "attempts": "Attempts",
        "last_attempt": "Last attempt",
        "status_code": "Status",
        "duration": "Duration",
        "error": "Error",
        "next_attempt": "Next attempt",
        "resend": "Resend",
        "older": "Older deliveries",
        "newest": "Newest deliveries",
        "state_pending": "pending",
        "state_succeeded": "delivered",
        "state_failed": "failed",
        "state_paused": "paused",
        "back": "Back to the endpoints",
        "created": "Created",
    },
    "ja": {
        "workspaces": "ワークスペース",
        "title": "Webhook",
        "intro": "各エンドポイントが受け取る種類の出来事が起きると、"
        "Shirube は署名付きのリクエストを送信します"
        "(Standard Webhooks 形式: webhook-id、webhook-timestamp、"
        "webhook-signature)。"
        "SDK の verify_webhook(payload, headers, secret) で検証してください。",
        "endpoints": "エンドポイント",
        "none": "エンドポイントはまだありません。",
        "url": "URL",
        "description": "説明",
        "kinds": "種類",
        "state": "状態",
        "enabled": "有効",
        "disabled": "無効",
        "failing_since": "失敗が続いている期間の開始",
        "details": "詳細と配信ログ",
        "add": "エンドポイントを追加",
        "add_button": "追加",
        "url_hint": "受信側の https:// アドレス",
        "save": "保存",
        "read_only": "あなたのロールでは Webhook を閲覧できますが、変更はできません。",
        "notice_disabled": "{at} に無効化されました: {why}。"
        "受信側を修正してから再度有効にしてください。"
        "無効の間に届かなかった配信は一時停止しており、有効にすると再開します。",
        "why_failing": "1 日以上すべての配信が失敗しました",
        "why_gone": "410 Gone が返されました",
        "why_owner": "手動で無効にされました",
        "secret": "署名シークレット",
        "secret_once": "署名シークレットを今すぐコピーしてください。"
        "表示されるのはこの一度だけです。"
        "すべてのリクエストをこのシークレットで検証してください。",
        "secret_rotating": "ローテーション中: {at} までは以前のシークレットでも署名されます。",
        "rotate": "シークレットをローテーション",
        "rotate_hint": "これ以降は新しいシークレットで署名します。以前のシークレットも 24 時間"
        "(またはローテーションを完了するまで)署名に使われ、両方の署名が送られます。",
        "finish_rotation": "ローテーションを完了(以前のシークレットでの署名を停止)",
        "delete": "このエンドポイントとログを削除",
        "edit": "エンドポイントを変更",
        "enabled_label": "有効(配信する)",
        "log": "配信ログ",
        "log_empty": "配信はまだありません。",
        "webhook_id": "webhook-id",
        "kind": "種類",
        "attempts": "試行回数",
        "last_attempt": "最後の試行",
        "status_code": "ステータス",
        "duration": "所要時間",
        "error": "エラー",
        "next_attempt": "次の試行",
        "resend": "再送",
        "older": "さらに古い配信",
        "newest": "最新の配信",
        "state_pending": "配信待ち",
        "state_succeeded": "配信済み",
        "state_failed": "失敗",
        "state_paused": "一時停止",
        "back": "エンドポイント一覧に戻る",
        "created": "作成日時",
    },
}
