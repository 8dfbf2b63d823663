"""Templates (Jinja2, autoescape on: every user and editor string is escaped), the filters
that format figures, and the HTML error pages."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shirube.api.errors import retry_headers, status_of
from shirube.console.labels import CHROME, LANGUAGE_NAMES, language_of
from shirube.console.page_labels import ERROR_MESSAGES, PAGES, UNHANDLED
from shirube.console.sessions import csrf_token
from shirube.console.state import console_of
from shirube.errors import DomainError
from shirube.observability.request_id import current_request_id
from shirube.services.admins import Admin

logger = logging.getLogger("shirube")
TEMPLATES = Path(__file__).parent / "templates"


def when(value: datetime | None) -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def instant(value: datetime | None) -> str:
    """To the second, for logs."""
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


# Readable durations: "3 d 4 h", "45 min"; in Japanese "3日4時間", "45分".
_UNITS = {
    "en": {"d": "{} d", "h": "{} h", "min": "{} min", "s": "{} s", "sep": " "},
    "ja": {"d": "{}日", "h": "{}時間", "min": "{}分", "s": "{}秒", "sep": ""},
}


def duration(seconds: float | None, lang: str = "en") -> str:
    """The two largest units, rounded down: 3 d 4 h, 2 h 0 min, 45 min, 30 s."""
    if seconds is None or seconds != seconds or seconds in (float("inf"), float("-inf")):
        return "—"
    units = _UNITS.get(lang, _UNITS["en"])
    seconds = max(0.0, seconds)
    minutes = int(seconds // 60)
    if minutes < 1:
        return units["s"].format(int(seconds))
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        parts = [units["d"].format(days), units["h"].format(hours)]
    elif hours:
        parts = [units["h"].format(hours), units["min"].format(minutes)]
    else:
        parts = [units["min"].format(minutes)]
    return units["sep"].join(parts)


def template_environment() -> Environment:
    # autoescape=True for every template, whatever its file name; StrictUndefined turns a
    # misspelt variable into an error in tests instead of an empty cell.
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    environment.filters.update(when=when, instant=instant, percent=percent, duration=duration)
    return environment


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    admin: Admin | None = None,
    form: bool = False,
    status: int = 200,
) -> Response:
    """A page; the session gets a CSRF token only for pages that carry a form (the sign-in
    page, and every signed-in page's sign-out button), so anonymous error pages set no cookie."""
    chosen = language_of(request)
    page: dict[str, Any] = {
        "admin": admin,
        "csrf_token": csrf_token(request) if admin is not None or form else "",
        # The header's words and language control, in the admin's language.
        "chrome": CHROME[chosen],
        "chrome_lang": chosen,
        "language_names": LANGUAGE_NAMES,
        # The first pages' words (sign-in, workspaces, errors) in the admin's language.
        "p": PAGES[chosen],
        # Where the language control comes back to (language.py keeps it within the console).
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **(context or {}),
    }
    body = console_of(request).templates.get_template(name).render(page)
    return HTMLResponse(body, status_code=status)


async def html_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 303 and exc.headers:
        return redirect(exc.headers["Location"])
    lang = language_of(request)
    message = ERROR_MESSAGES[lang].get(exc.status_code, UNHANDLED[lang])
    context = _error(exc.status_code, message)
    page = render(request, "error.html", context, status=exc.status_code)
    # Starlette's own headers on its errors (Allow on a 405, as HTTP requires).
    page.headers.update(exc.headers or {})
    return page


async def html_domain_error(request: Request, exc: Exception) -> Response:
    """A service's refusal (shirube.errors), with the status the API gives it."""
    assert isinstance(exc, DomainError)
    status = status_of(exc)
    page = render(request, "error.html", _error(status, exc.message), status=status)
    page.headers.update(retry_headers(exc) or {})
    return page


async def html_server_error(request: Request, exc: Exception) -> Response:
    """Any other failure (the database down, a bug): logged with its traceback, answered with
    the console's own error page, so the browser gets HTML with the security headers rather
    than the API's JSON, and never a stack trace."""
    logger.exception("console error on %s %s", request.method, request.url.path, exc_info=exc)
    message = ERROR_MESSAGES[language_of(request)][500]
    return render(request, "error.html", _error(500, message), status=500)


def _error(status: int, message: str) -> dict[str, Any]:
    # The id an admin can quote to an operator, who finds the request's log lines by it.
    return {"status": status, "message": message, "request_id": current_request_id()}
