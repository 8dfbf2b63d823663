"""Posted forms: a small size limit, then the CSRF token, before any field is used."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from shirube.api.request_body import declared_length
from shirube.console.sessions import CSRF_FIELD, csrf_ok

# Sign-in and sign-out forms are a few hundred bytes; a webhook endpoint's a few KB at most.
MAX_FORM_BYTES = 16 * 1024


async def checked_form(request: Request, max_fields: int = 10) -> dict[str, str]:
    """The posted text fields once the CSRF token matches the session's (403 otherwise).
    A body without a Content-Length, or a larger one, is refused before it is parsed."""
    length = declared_length(request.headers.get("content-length"))
    if length is None:
        raise HTTPException(411)
    if length > MAX_FORM_BYTES:
        raise HTTPException(413)
    # No file fields: a multipart body with a file is refused (400) by the parser itself.
    async with request.form(max_files=0, max_fields=max_fields) as form:
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
    for key, value in fields.items():
        # A form may declare a charset (utf-7, unicode_escape) that decodes to lone
        # surrogates, which no database driver can store or compare.
        if not _is_text(key) or not _is_text(value):
            raise HTTPException(400)
    if not csrf_ok(request, fields.get(CSRF_FIELD)):
        raise HTTPException(403, "csrf")
    return fields


def _is_text(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
