"""The shapes of identifiers and locale codes, defined once: content validation
(content/primitives.py, content/text.py), the event and identify payloads
(services/event_schema.py) and the widget (its literal in widget/src/widget.ts is written from
here by `python -m shirube.identifiers`; a test checks it is current) all use these.

Each is a regular expression meant to match a whole string (`fullmatch`, or anchored `^…$`,
never `$` alone: `$` also matches before a final newline).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# A tour or checklist key: lowercase, safe in URLs and file names.
KEY = r"[a-z0-9][a-z0-9_-]{0,63}"
# A step or checklist item id.
ID = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
# An event name; names starting with `$` are the widget's own (services/event_schema.py).
EVENT_NAME = r"[A-Za-z0-9$][A-Za-z0-9_.:$ -]{0,99}"
# An event name a host may track from the widget: any event name but the reserved ones.
HOST_EVENT_NAME = r"[A-Za-z0-9]" + EVENT_NAME[len("[A-Za-z0-9$]") :]
# A client-generated event id.
EVENT_ID = r"[A-Za-z0-9_.:-]{1,128}"
# A locale as hosts and browsers send it (`ja`, `pt-BR`, `pt_BR`): normalized to dashes.
LOCALE = r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*"
# How long a locale may be: the 35 characters RFC 5646 (4.4.1) asks implementations to keep,
# and the width of the columns that store one (workspace.default_locale, end_user.locale).
MAX_LOCALE = 35
# A locale as content is keyed by (`ja`, `pt-BR`): lowercase language, dashes.
CONTENT_LOCALE = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"


def anchored(pattern: str) -> str:
    """For pydantic's `pattern=` (which searches): the whole string must match."""
    return f"^(?:{pattern})$"


# The widget's copy ----------------------------------------------------------------------------

# Literals in the widget's source written from here, each after a comment naming its pattern.
WIDGET_SOURCE = Path(__file__).resolve().parents[2] / "widget" / "src" / "widget.ts"
WIDGET_PATTERNS = {"HOST_EVENT_NAME": HOST_EVENT_NAME}


def js_literal(pattern: str) -> str:
    """A JavaScript regex literal for `pattern`, whole-string, in the widget's fewest bytes
    (its bundle has a budget): `\\w` for `A-Za-z0-9_`, which means the same in both."""
    return "/^" + pattern.replace("A-Za-z0-9_", "\\w") + "$/"


def with_widget_patterns(source: str) -> str:
    """`source` with every `/* NAME */ /…/` literal rewritten from the pattern NAME.

    In place rather than in a module of its own: a regex imported from another module costs
    the bundle bytes its 12 KB budget does not have."""
    for name, pattern in WIDGET_PATTERNS.items():
        marker = f"/* {name} */ "
        if marker not in source:
            raise LookupError(f"{marker.strip()} is not in the widget's source")
        # Backslashes doubled: the regex module reads the replacement's escapes.
        written = (marker + js_literal(pattern)).replace("\\", "\\\\")
        source = re.sub(re.escape(marker) + r"/\^(?:[^/\\\n]|\\.)*\$/", written, source)
    return source


def main() -> None:
    source = WIDGET_SOURCE.read_text(encoding="utf-8")
    WIDGET_SOURCE.write_text(with_widget_patterns(source), encoding="utf-8")
    print(f"wrote the patterns into {WIDGET_SOURCE}", file=sys.stderr)


# Compiled once for the Python side.
KEY_RE = re.compile(KEY)
ID_RE = re.compile(ID)
EVENT_NAME_RE = re.compile(EVENT_NAME)
LOCALE_RE = re.compile(LOCALE)
CONTENT_LOCALE_RE = re.compile(CONTENT_LOCALE)

if __name__ == "__main__":
    main()
