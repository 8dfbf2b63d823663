"""The header's language control: the admin picks English or Japanese for the console; the
choice is a cookie of the console's path (no account setting), read by labels.language_of."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.forms import checked_form
from shirube.console.labels import LANGUAGE_COOKIE, LANGUAGES
from shirube.console.render import redirect
from shirube.console.sessions import COOKIE_PATH

YEAR = 365 * 24 * 3600


def _back_to(raw: str) -> str:
    # Only back into the console: never an open redirect to another site.
    if raw.startswith("/console/") and "//" not in raw and "\\" not in raw and raw.isprintable():
        return raw
    return "/console/"


async def choose(request: Request) -> Response:
    fields = await checked_form(request)
    lang = fields.get("lang", "")
    if lang not in LANGUAGES:
        raise HTTPException(400)
    answer = redirect(_back_to(fields.get("next", "")))
    answer.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=YEAR,
        path=COOKIE_PATH,
        samesite="lax",
        secure=request.url.scheme == "https",
        httponly=True,
    )
    return answer


routes = [Route("/language", choose, methods=["POST"])]
