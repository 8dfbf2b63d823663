"""The signed-in admin's own password: the header's "Password" page, and the page an admin made
by an invitation is sent to until they choose their own (auth.require_admin redirects there)."""

from __future__ import annotations

import math

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console import sessions
from shirube.console.auth import PASSWORD_PATH, require_admin
from shirube.console.forms import checked_form
from shirube.console.labels import PASSWORD, language_of
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.security.passwords import MAX_LENGTH, MIN_LENGTH, hash_password, verify_password
from shirube.services import own_password
from shirube.services import sign_in_throttle as throttle
from shirube.services.admins import Admin
from shirube.timeutil import utcnow


def _page(
    request: Request, admin: Admin, *, error: str = "", field: str = "", status: int = 200
) -> Response:
    lang = language_of(request)
    t = PASSWORD[lang]
    context = {
        "lang": lang,
        "t": t,
        "rule": t["rule"].format(min=MIN_LENGTH),
        "min_length": MIN_LENGTH,
        "max_length": MAX_LENGTH,
        "pending": admin.password_pending,
        "changed": request.query_params.get("changed") == "1" and not admin.password_pending,
        "error": error,
        "error_field": field,
    }
    return render(request, "password.html", context, admin=admin, status=status)


async def password_page(request: Request) -> Response:
    admin = await require_admin(request, pending_ok=True)
    return _page(request, admin)


async def change(request: Request) -> Response:
    admin = await require_admin(request, pending_ok=True)
    fields = await checked_form(request)
    current = fields.get("current_password", "")
    new, again = fields.get("new_password", ""), fields.get("new_password_again", "")
    t = PASSWORD[language_of(request)]
    db = console_of(request).context.db
    # The current password is checked as a sign-in's is, counted by the same throttle: a
    # stolen session is no way to guess the password without limit.
    address = throttle.client_address(request.client.host if request.client else "")
    now = utcnow()
    attempt = await db.run(lambda conn: throttle.start_attempt(conn, admin.email, address, now))
    wait = await db.run(lambda conn: throttle.refusal(conn, attempt, now))
    if wait is not None:
        error = t["throttled"].format(minutes=math.ceil(wait / 60))
        answer = _page(request, admin, error=error, field="current_password", status=429)
        answer.headers["Retry-After"] = str(wait)
        return answer
    # The current password first, so that the page tells nothing about the new one's fate to
    # whoever holds the session without knowing it. scrypt is off the event loop.
    if len(current) > MAX_LENGTH or not await anyio.to_thread.run_sync(
        verify_password, current, admin.password_hash
    ):
        return _page(request, admin, error=t["wrong_current"], field="current_password", status=400)
    await db.run(lambda conn: throttle.succeeded(conn, attempt))
    problem = own_password.problem(current, new, again)
    if problem is not None:
        field = own_password.PROBLEMS[problem][0]
        message = t[problem].format(min=MIN_LENGTH, max=MAX_LENGTH)
        return _page(request, admin, error=message, field=field, status=422)
    new_hash = await anyio.to_thread.run_sync(hash_password, new)
    changed = await db.run(lambda conn: own_password.change(conn, admin, new_hash))
    # The new hash ends every session and edit grant made before, copies of this cookie too;
    # this browser gets a new session (and CSRF token) for the new password.
    sessions.start(request, changed)
    return redirect(PASSWORD_PATH + "?changed=1")


async def _page_or_change(request: Request) -> Response:
    return await (change(request) if request.method == "POST" else password_page(request))


routes = [Route("/password", _page_or_change, methods=["GET", "POST"])]
