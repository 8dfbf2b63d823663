"""Posted forms and the console's own JSON requests: a size limit, then the CSRF token
(a form field, or the X-CSRF-Token header the console's scripts send), before anything
posted is used."""

from __future__ import annotations

import json
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from shirube.api.request_body import declared_length
from shirube.console.sessions import CSRF_FIELD, csrf_ok

# Sign-in and sign-out forms are a few hundred bytes; a webhook endpoint's a few KB at most.
MAX_FORM_BYTES = 16 * 1024
# The header the console's scripts (static/editor.js) send the session's token in.
CSRF_HEADER = "x-csrf-token"


def _checked_length(request: Request, max_bytes: int) -> None:
    length = declared_length(request.headers.get("content-length"))
    if length is None:
        raise HTTPException(411)
    if length > max_bytes:
        raise HTTPException(413)


async def checked_form(
    request: Request, max_fields: int = 10, max_bytes: int = MAX_FORM_BYTES
) -> dict[str, str]:
    """The posted text fields once the CSRF token (field or header) matches the session's
    (403 otherwise). A body without a Content-Length, or a larger one, is refused before it is
    parsed."""
    _checked_length(request, max_bytes)
    # No file fields: a multipart body with a file is refused (400) by the parser itself.
    async with request.form(max_files=0, max_fields=max_fields) as form:
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    for key, value in fields.items():
        # A form may declare a charset (utf-7, unicode_escape) that decodes to lone
        # surrogates, which no database driver can store or compare.
        if not _is_text(key) or not _is_text(value):
            raise HTTPException(400)
    if not csrf_ok(request, fields.get(CSRF_FIELD, request.headers.get(CSRF_HEADER))):
        raise HTTPException(403, "csrf")
    return fields


async def checked_json(request: Request, max_bytes: int = MAX_FORM_BYTES) -> Any:
    """A JSON body a console script posted, once the X-CSRF-Token header matches (403
    otherwise); 400 when it is not JSON."""
    _checked_length(request, max_bytes)
    if not csrf_ok(request, request.headers.get(CSRF_HEADER)):
        raise HTTPException(403, "csrf")
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(415)
    try:
        return json.loads(await request.body())
    # RecursionError: brackets nested past ~1,000 levels.
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise HTTPException(400) from exc


def _is_text(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
