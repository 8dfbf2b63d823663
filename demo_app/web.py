"""Per-request helpers: who is signed in, CSRF tokens, flash messages and page rendering."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from demo_app.db import Company, Store, User
from demo_app.i18n import normalize_locale, translator
from demo_app.onboarding import Onboarding

TEMPLATES = Path(__file__).parent / "templates"
CSRF_FIELD = "csrf_token"
# The CSV import takes 1 MB; the form around it and the multipart framing fit in the rest.
MAX_FORM_BYTES = 2 * 1024 * 1024


def template_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


@dataclass(frozen=True)
class Services:
    store: Store
    onboarding: Onboarding
    templates: Environment


def services(request: Request) -> Services:
    found: Services = request.app.state.kintai
    return found


def locale_of(request: Request) -> str:
    return normalize_locale(request.session.get("locale"))


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def checked_form(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the session's (403 otherwise).
    The caller closes it when it holds uploads."""
    _check_length(request)
    form = await request.form(max_files=1, max_fields=20)
    sent = form.get(CSRF_FIELD)
    expected = request.session.get(CSRF_FIELD)
    if not (
        isinstance(sent, str)
        and isinstance(expected, str)
        and hmac.compare_digest(sent.encode(), expected.encode())
    ):
        await form.close()
        raise HTTPException(403, "csrf")
    return form


def _check_length(request: Request) -> None:
    """Refuse a large body before the multipart parser spools it to disk. Browsers always
    send Content-Length with a form, so a body without one is refused too."""
    length = request.headers.get("content-length", "")
    # isascii(): isdigit() alone takes "²", which int() refuses; int() also refuses strings
    # of over 4,300 digits.
    if not (length.isascii() and length.isdigit()):
        raise HTTPException(411)
    if len(length.lstrip("0")) > 9 or int(length) > MAX_FORM_BYTES:
        raise HTTPException(413)


async def checked_fields(request: Request) -> dict[str, str]:
    """The posted text fields (files left out), once the CSRF token is checked."""
    form = await checked_form(request)
    await form.close()  # temporary files of uploads nobody asked for
    return {key: value for key, value in form.items() if isinstance(value, str)}


def flash(request: Request, key: str, **params: Any) -> None:
    request.session.setdefault("flash", []).append([key, params])


def pop_flashes(request: Request) -> list[tuple[str, dict[str, Any]]]:
    return [(key, params) for key, params in request.session.pop("flash", [])]


@dataclass(frozen=True)
class SignedIn:
    user: User
    company: Company


def signed_in(request: Request) -> SignedIn | None:
    user_id = request.session.get("user_id")
    if not isinstance(user_id, str):
        return None
    store = services(request).store
    user = store.user(user_id)
    company = store.company(user.company_id) if user else None
    if user is None or company is None:
        return None
    return SignedIn(user, company)


def require_user(request: Request, *roles: str) -> SignedIn:
    """The signed-in user (redirect to sign-in without one), 403 if the role may not enter."""
    who = signed_in(request)
    if who is None:
        raise HTTPException(303, headers={"Location": "/signin"})
    if roles and who.user.role not in roles:
        raise HTTPException(403, "forbidden")
    return who


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> Response:
    found = services(request)
    locale = locale_of(request)
    who = signed_in(request)
    page: dict[str, Any] = {
        "t": translator(locale),
        "locale": locale,
        "csrf_token": csrf_token(request),
        "flashes": pop_flashes(request),
        "path": request.url.path,
        "user": who.user if who else None,
        "company": who.company if who else None,
        "shirube_snippet": (found.onboarding.snippet(who.user, who.company, locale) if who else ""),
        **(context or {}),
    }
    body = found.templates.get_template(name).render(page)
    return HTMLResponse(body, status_code=status)
