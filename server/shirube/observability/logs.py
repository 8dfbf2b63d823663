"""Log lines: one JSON object per line (`SHIRUBE_LOG_FORMAT=json`) or one line of text, each
with the id of the request that caused it; set up by `shirube serve` for Shirube's loggers
and uvicorn's alike (docs/operations.md lists the fields).

Nothing here reads a request: the access line (middleware/observe.py) hands over the method,
route template, status, duration and client address, never headers, cookies, query strings
or bodies, so keys, tokens and passwords have no way into a log line.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson

from shirube.observability.request_id import current_request_id

# What every LogRecord carries; anything else on a record came as `extra=` and is a field.
_RECORD_ATTRIBUTES = frozenset(
    vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()
) | {"message", "asctime", "request_id", "color_message", "taskName"}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the id of the request being served, if any (a record made
    with `extra={"request_id": …}` keeps its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        return True


def _time(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(record).items()
        if name not in _RECORD_ATTRIBUTES and not name.startswith("_")
    }


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", …fields, "exception"}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            line["request_id"] = request_id
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
            line["exception_type"] = getattr(record.exc_info[0], "__name__", None)
        elif record.exc_text:
            line["exception"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str).decode()


_CONTROL = {code: f"\\x{code:02x}" for code in (*range(32), 127)}


class TextFormatter(logging.Formatter):
    """`time level logger message key=value…`, the traceback on the lines below. Control
    characters in the message are escaped (a path's %0A would start a forged line)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage().translate(_CONTROL)
        parts = [_time(record), record.levelname, record.name, message]
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            parts.append(f"request_id={request_id}")
        parts += [f"{name}={value}" for name, value in _fields(record).items()]
        text = " ".join(parts)
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            text += "\n" + self.formatStack(record.stack_info)
        return text


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the whole process: every logger (Shirube's, uvicorn's,
    the libraries') writes through one handler to standard error in one format. uvicorn's
    access log is left off (`shirube serve`): Shirube writes its own, with the route template
    and the request id."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"line": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "line",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            # uvicorn's own handlers out: its lines go to the root's, in our format.
            **{
                name: {"handlers": [], "level": level.upper(), "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            # A line per plugin at every start-up; the migrations' own lines stay.
            "alembic.runtime.plugins": {"level": "WARNING"},
        },
    }
