"""Signing in and out, and finding the signed-in admin."""

from __future__ import annotations

import functools
import math
import secrets

import anyio.to_thread
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console import sessions
from shirube.console.forms import checked_form
from shirube.console.render import redirect, render
from shirube.console.state import console_of
from shirube.security.passwords import hash_password, verify_password
from shirube.services import sign_in_throttle as throttle
from shirube.services.admins import Admin, admin_by_email, admin_by_id, end_sessions
from shirube.storage import Connection
from shirube.timeutil import utcnow

LOGIN_PATH = "/console/login"
HOME_PATH = "/console/"
# Where an admin whose password an invitation chose goes first (console/password.py).
PASSWORD_PATH = "/console/password"
# One message for an unknown email and a wrong password: the form tells nobody which
# emails have an account.
INVALID_LOGIN = "Wrong email or password."
THROTTLED = "Too many sign-in attempts. Try again in {minutes} minute{s}."


@functools.cache
def _decoy_hash() -> str:
    """Checked against when the email is unknown, so that answering takes as long as it
    does for a known email with a wrong password (one scrypt either way)."""
    return hash_password(secrets.token_urlsafe(16))


async def current_admin(request: Request) -> Admin | None:
    claimed = sessions.admin_id(request)
    if claimed is None:
        return None
    admin = await console_of(request).context.db.run(
        lambda conn: admin_by_id(conn, claimed), transaction=False
    )
    if admin is None or not sessions.still_valid(request, admin):
        # Admin deleted or password changed since the sign-in.
        sessions.end(request)
        return None
    return admin


async def require_admin(request: Request, *, pending_ok: bool = False) -> Admin:
    """The signed-in admin. One whose password is still the one their inviter was shown is
    sent to choose their own first, from every page but that one (`pending_ok`)."""
    admin = await current_admin(request)
    if admin is None:
        raise HTTPException(303, headers={"Location": LOGIN_PATH})
    if admin.password_pending and not pending_ok:
        raise HTTPException(303, headers={"Location": PASSWORD_PATH})
    return admin


def _login_page(request: Request, email: str = "", error: str = "", status: int = 200) -> Response:
    return render(request, "login.html", {"email": email, "error": error}, form=True, status=status)


async def login_page(request: Request) -> Response:
    if await current_admin(request) is not None:
        return redirect(HOME_PATH)
    return _login_page(request)


async def _check_password(password: str, found: Admin | None) -> bool:
    # scrypt takes tens of milliseconds of CPU: off the event loop. The decoy is made (once
    # per process) whoever signs in, so the very first attempt is no tell either.
    decoy = await anyio.to_thread.run_sync(_decoy_hash)
    stored = found.password_hash if found is not None else decoy
    matches = await anyio.to_thread.run_sync(verify_password, password, stored)
    return matches and found is not None


async def login(request: Request) -> Response:
    fields = await checked_form(request)
    email = fields.get("email", "").strip().lower()
    password = fields.get("password", "")
    db = console_of(request).context.db
    # No email holds U+0000 or runs past 320 characters, and PostgreSQL cannot even compare
    # U+0000: such an email is looked up nowhere, and counted by what can be stored of it.
    storable = "\x00" not in email and len(email) <= 320
    key = email if storable else email.replace("\x00", "")[:320]
    address = throttle.client_address(request.client.host if request.client else "")
    now = utcnow()
    attempt = await db.run(lambda conn: throttle.start_attempt(conn, key, address, now))
    wait = await db.run(lambda conn: throttle.refusal(conn, attempt, now))
    if wait is not None:
        minutes = math.ceil(wait / 60)
        message = THROTTLED.format(minutes=minutes, s="" if minutes == 1 else "s")
        answer = _login_page(request, email, message, status=429)
        answer.headers["Retry-After"] = str(wait)
        return answer

    found = None
    if email and storable:
        found = await db.run(lambda conn: admin_by_email(conn, email), transaction=False)
    if not await _check_password(password, found):
        return _login_page(request, email, INVALID_LOGIN, status=400)
    assert found is not None
    await db.run(lambda conn: throttle.succeeded(conn, attempt))
    sessions.start(request, found)
    return redirect(PASSWORD_PATH if found.password_pending else HOME_PATH)


async def logout(request: Request) -> Response:
    await checked_form(request)
    signed_in = sessions.admin_id(request)
    if signed_in is not None:

        def revoke(conn: Connection) -> None:
            admin = admin_by_id(conn, signed_in)
            if admin is not None and sessions.still_valid(request, admin):
                end_sessions(conn, admin)

        await console_of(request).context.db.run(revoke)
    sessions.end(request)
    return redirect(LOGIN_PATH)


async def login_route(request: Request) -> Response:
    # One route for both methods, so a 405 on /login says Allow: GET, HEAD, POST (two routes
    # on one path answer with the first one's methods only).
    return await (login(request) if request.method == "POST" else login_page(request))


routes = [
    Route("/login", login_route, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
]
