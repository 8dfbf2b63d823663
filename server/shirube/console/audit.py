"""A workspace's audit log, newest first, a page at a time: who changed what and when, with
what changed read through the content diff (console/diff_view.py). Every role reads it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from shirube.console.access import workspace_access
from shirube.console.auth import require_admin
from shirube.console.diff_view import DiffLine, lines
from shirube.console.field_labels import ACTIONS, SUBJECTS
from shirube.console.history_labels import HISTORY
from shirube.console.labels import language_of
from shirube.console.render import render
from shirube.console.state import console_of
from shirube.services import audit
from shirube.services.audit import AuditEntry
from shirube.validation import positive_db_int

PAGE = 50
# A publish of a long tour can change hundreds of fields: the page shows the first ones.
LINES_SHOWN = 12
CONTENT = ("tour", "checklist", "goal", "resource_center")


@dataclass(frozen=True)
class Shown:
    entry: AuditEntry
    action: str
    subject_kind: str
    changes: list[DiffLine]


def _changes(entry: AuditEntry, lang: str) -> list[DiffLine]:
    if entry.subject_kind not in CONTENT:
        # Settings, roles, endpoints: each value its own line, also when one side is empty.
        return lines(entry.before or {}, entry.after or {}, lang)
    if entry.before is None or entry.after is None:
        # Created, deleted, first published, unpublished: the whole document came or went,
        # which says nothing the entry's own line does not.
        return []
    return lines(entry.before, entry.after, lang)


def _shown(entry: AuditEntry, lang: str) -> Shown:
    changes = _changes(entry, lang)
    return Shown(
        entry,
        ACTIONS[lang].get(entry.action, entry.action),
        SUBJECTS[lang].get(entry.subject_kind, entry.subject_kind),
        changes,
    )


def _subject(request: Request) -> tuple[str, str] | None:
    """`kind` and `key` together: one tour's, checklist's or goal's entries. Anything else
    (one without the other, an unknown kind) shows every entry."""
    kind, key = request.query_params.get("kind"), request.query_params.get("key")
    if kind not in CONTENT or not key or len(key) > 200:
        return None
    return kind, key


async def audit_page(request: Request) -> Response:
    admin = await require_admin(request)
    access = await workspace_access(request, admin)
    workspace_id, lang = access.workspace.id, language_of(request)
    before = positive_db_int(request.query_params.get("before"))
    subject = _subject(request)
    page = await console_of(request).context.db.run(
        lambda conn: audit.entries(conn, workspace_id, limit=PAGE, before=before, subject=subject),
        transaction=False,
    )
    context = {
        "lang": lang,
        "t": HISTORY[lang],
        "ws": access.workspace,
        "role": access.role,
        "entries": [_shown(entry, lang) for entry in page.entries],
        "older": page.older,
        "before": before,
        "subject": subject,
        # What the page links keep: the subject filter.
        "filter": "" if subject is None else f"&kind={subject[0]}&key={quote(subject[1])}",
        "lines_shown": LINES_SHOWN,
    }
    return render(request, "audit.html", context, admin=admin)


routes = [Route("/workspaces/{workspace_id:int}/audit", audit_page, methods=["GET"])]
