"""Identifier and locale shapes are defined once (server/shirube/identifiers.py); the widget's
copy is written from there."""

from __future__ import annotations

import re

from shirube import identifiers


def test_the_widget_source_holds_the_patterns_as_written_from_python() -> None:
    source = identifiers.WIDGET_SOURCE.read_text(encoding="utf-8")
    assert identifiers.with_widget_patterns(source) == source, (
        "run `python -m shirube.identifiers`, then `make widget`"
    )


def test_host_event_names_are_event_names_without_the_reserved_dollar() -> None:
    host = re.compile(identifiers.HOST_EVENT_NAME)
    for name in ("shift.created", "clock in", "a:b-c_d", "x" * 100, "1$"):
        assert host.fullmatch(name) and identifiers.EVENT_NAME_RE.fullmatch(name), name
    for name in ("$tour_started", "", "x" * 101, "bad/name", "-x"):
        assert not host.fullmatch(name), name
    assert identifiers.EVENT_NAME_RE.fullmatch("$tour_started")
