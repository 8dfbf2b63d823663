"""The widget session's answer as JSON bytes, spliced from parts encoded once.

Each published tour and checklist is encoded once per version and locale (services/published.py),
so an answer only encodes its head and each user's small progress objects, and joins the
bytes once (joining per list first copied the 20 KB answer twice). The parts of a user's answer
are kept with the progress they were encoded from when the cache keeps that progress
(services/progress_cache.py): the same user opens a session on every page load, and their next
answer then only encodes its head.
"""

from __future__ import annotations

from typing import Any

from shirube.jsontext import dumps
from shirube.services.progress import UserProgress, checklist_progress_json, tour_progress_json
from shirube.services.published import PROGRESS, Targeted


class SessionAnswer:
    __slots__ = ("default_locale", "locale", "targeted")

    def __init__(self, targeted: Targeted, locale: str | None, default_locale: str) -> None:
        self.targeted = targeted
        self.locale = locale
        self.default_locale = default_locale

    def encoded_in(self, progress: UserProgress) -> bool:
        """Whether `progress` holds this answer's parts (same content, traits and locale)."""
        return self._kept_parts(progress) is not None

    def _kept_parts(self, progress: UserProgress) -> tuple[bytes, ...] | None:
        # Read once: threads (a remote PostgreSQL) may replace it meanwhile.
        found = progress.encoded
        if (
            found is not None
            and found[0] is self.targeted
            and found[1] == self.locale
            and found[2] == self.default_locale
        ):
            parts: tuple[bytes, ...] = found[3]
            return parts
        return None

    def encode(self, head: dict[str, Any], progress: UserProgress, *, keep: bool) -> bytes:
        """`keep`: nothing was left to catch up in `progress`, so its parts may be kept."""
        parts = self._kept_parts(progress)
        if parts is None:
            parts = self._parts(progress)
            if keep:
                # Replaced whole, in one assignment: a reader sees the old parts or the new.
                progress.encoded = (self.targeted, self.locale, self.default_locale, parts)
        return b"".join((dumps(head)[:-1], *parts))

    def _parts(self, progress: UserProgress) -> tuple[bytes, ...]:
        locale, default_locale = self.locale, self.default_locale
        parts = [b',"tours":[']
        separator = b""
        for tour in self.targeted.tours:
            tour_row = progress.tours.get(tour.doc.key)
            if tour_row is None:
                parts += (separator, tour.not_started_json(locale, default_locale))
            else:
                progress_json = dumps(tour_progress_json(tour_row))
                parts += (separator, tour.opened_json(locale, default_locale), PROGRESS)
                parts += (progress_json, b"}")
            separator = b","
        parts.append(b'],"checklists":[')
        separator = b""
        for checklist in self.targeted.checklists:
            progress_json = dumps(checklist_progress_json(checklist, progress))
            parts += (separator, checklist.opened_json(locale, default_locale), PROGRESS)
            parts += (progress_json, b"}")
            separator = b","
        parts.append(b"]")
        if self.targeted.help is not None:
            parts += (b',"help":', self.targeted.help.answer_json(locale, default_locale))
        parts.append(b"}")
        return tuple(parts)
