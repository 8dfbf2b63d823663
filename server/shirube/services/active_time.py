"""Active time: the `$active` heartbeats of the widget (and of host backends, through the SDK)
kept as seconds per user and UTC day, with each user's first and last active days.

Projected from the batch's new events in its transaction (services/ingest.py), so a retried
batch, whose events are already stored, adds nothing again. Each batch writes one upsert per
(user, day) into `user_active_day` and one per user into `user_active`; the latter changes its
row only when a day moves (the first heartbeat of a day), so the heartbeats of one day cost
one row update each, not two. First and last days are not columns of `end_user`: that row is
what every session reads and every batch upserts already (services/people.py), and a second
write to it per heartbeat would be a second row version of it on PostgreSQL.

Read side for the KPIs: a user's seconds in the N days from a date (their first seen day, for
"active minutes in the first week"), the same for every user at once, and daily and weekly
active users over a range of days, each answered from an index (`user_active_day`'s primary
key by user, `ix_user_active_day_day` by day).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Integer, String, and_, bindparam, case, cast, func, or_, select

from shirube.storage import ByEngine, Connection, array_rows, in_values, insert
from shirube.storage.tables import end_user, user_active, user_active_day, user_active_week

ACTIVE_EVENT = "$active"
# A day holds no more: heartbeats of several devices at once are not more time.
SECONDS_PER_DAY = 86_400

_day = user_active_day.c
_new_day = insert(user_active_day).values(
    workspace_id=bindparam("workspace_id"),
    user_id=bindparam("user_id"),
    day=bindparam("day"),
    seconds=bindparam("seconds"),
)
_summed = _day.seconds + _new_day.excluded.seconds
_ADD_SECONDS = _new_day.on_conflict_do_update(
    index_elements=["workspace_id", "user_id", "day"],
    set_={"seconds": case((_summed > SECONDS_PER_DAY, SECONDS_PER_DAY), else_=_summed)},
)
_ADD_WEEK = (
    insert(user_active_week)
    .values(
        workspace_id=bindparam("workspace_id"), week=bindparam("week"), user_id=bindparam("user_id")
    )
    .on_conflict_do_nothing()
)
# PostgreSQL: the batch's weeks in one statement (arrays; an executemany costs the client a
# round of conversions per row, 10 µs a heartbeat).
_WEEK_ROWS = array_rows("w", week=String(), user_id=String())
_ADD_WEEKS_POSTGRES = (
    insert(user_active_week)
    .from_select(
        ["workspace_id", "week", "user_id"],
        select(
            bindparam("workspace_id", type_=Integer), _WEEK_ROWS.c.week, _WEEK_ROWS.c.user_id
        ).order_by(_WEEK_ROWS.c.n),
    )
    .on_conflict_do_nothing()
)
_span = user_active.c
_new_span = insert(user_active).values(
    workspace_id=bindparam("workspace_id"),
    user_id=bindparam("user_id"),
    first_day=bindparam("first_day"),
    last_day=bindparam("last_day"),
)
_first, _last = _new_span.excluded.first_day, _new_span.excluded.last_day
_WIDEN_SPAN = _new_span.on_conflict_do_update(
    index_elements=["workspace_id", "user_id"],
    set_={
        "first_day": case((_first < _span.first_day, _first), else_=_span.first_day),
        "last_day": case((_last > _span.last_day, _last), else_=_span.last_day),
    },
    # Most heartbeats fall on a day already inside the span: then the row is left as it is.
    where=or_(_first < _span.first_day, _last > _span.last_day),
)


def _utc_day(at: datetime) -> str:
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    return at.date().isoformat()


def _monday(day: str) -> str:
    """The Monday of a day's ISO week (both `YYYY-MM-DD`)."""
    parsed = date.fromisoformat(day)
    return (parsed - timedelta(days=parsed.weekday())).isoformat()


def record_active(conn: Connection, workspace_id: int, rows: list[dict[str, Any]]) -> None:
    """Add the active seconds of the batch's new `$active` events (inside its transaction;
    `rows` are only the events stored now, so a retry adds nothing)."""
    seconds: dict[tuple[str, str], int] = {}
    for row in rows:
        if row["name"] == ACTIVE_EVENT:
            key = (row["user_id"], _utc_day(row["timestamp"]))
            seconds[key] = seconds.get(key, 0) + row["properties"]["seconds"]
    if not seconds:
        return
    # Sorted so that concurrent batches lock rows in the same order (no deadlocks on PostgreSQL).
    keys = sorted(seconds)
    conn.many(
        _ADD_SECONDS,
        [
            {
                "workspace_id": workspace_id,
                "user_id": user_id,
                "day": day,
                "seconds": min(seconds[user_id, day], SECONDS_PER_DAY),
            }
            for user_id, day in keys
        ],
    )
    # A user's week row is written with their day rows (not derived at read time): weekly
    # active users then count one week's rows, not every user-day of the range (a distinct
    # count over 600,000 user-days for 12 weeks took 0.35-0.65 s at 100,000 users).
    weeks = sorted({(_monday(day), user_id) for user_id, day in keys})
    if conn.is_sqlite:
        conn.many(
            _ADD_WEEK,
            [
                {"workspace_id": workspace_id, "week": week, "user_id": user_id}
                for week, user_id in weeks
            ],
        )
    else:
        conn.run(
            _ADD_WEEKS_POSTGRES,
            {
                "workspace_id": workspace_id,
                "week": [week for week, _ in weeks],
                "user_id": [user_id for _, user_id in weeks],
            },
        )
    spans: dict[str, tuple[str, str]] = {}
    for user_id, day in keys:  # in day order within each user
        first, _ = spans.get(user_id, (day, day))
        spans[user_id] = (first, day)
    conn.many(
        _WIDEN_SPAN,
        [
            {"workspace_id": workspace_id, "user_id": user_id, "first_day": first, "last_day": last}
            for user_id, (first, last) in spans.items()
        ],
    )


# Reads --------------------------------------------------------------------------------------

_IN_WORKSPACE = _day.workspace_id == bindparam("workspace_id")
_FROM_DAY = _day.day >= bindparam("first")
_TO_DAY = _day.day <= bindparam("last")

_USER_SECONDS = select(func.coalesce(func.sum(_day.seconds), 0)).where(
    _IN_WORKSPACE, _day.user_id == bindparam("user_id"), _FROM_DAY, _TO_DAY
)
_FIRST_SEEN = select(end_user.c.first_seen_at).where(
    end_user.c.workspace_id == bindparam("workspace_id"),
    end_user.c.external_id == bindparam("user_id"),
)
_SPAN_OF_USER = select(_span.first_day, _span.last_day).where(
    _span.workspace_id == bindparam("workspace_id"), _span.user_id == bindparam("user_id")
)
_DAILY = select(_day.day, func.count()).where(_IN_WORKSPACE, _FROM_DAY, _TO_DAY).group_by(_day.day)
_DISTINCT_USERS = select(func.count(func.distinct(_day.user_id))).where(
    _IN_WORKSPACE, _FROM_DAY, _TO_DAY
)


def _early_days(first_day: Any, last_day: Any) -> Any:
    """Every user's seconds on the days from `first_day` to `last_day` (expressions of
    `end_user.first_seen_at`), joined by the primary keys of both tables."""
    joined = and_(
        _day.workspace_id == end_user.c.workspace_id,
        _day.user_id == end_user.c.external_id,
        _day.day >= first_day,
        _day.day <= last_day,
    )
    return (
        select(_day.user_id, func.sum(_day.seconds))
        .select_from(end_user.join(user_active_day, joined))
        .where(end_user.c.workspace_id == bindparam("workspace_id"))
        .group_by(_day.user_id)
    )


# The day of first_seen_at as ISO text, and that day plus `:after` days: SQLite stores the
# time as text beginning with the day; PostgreSQL adds days to a date.
_EARLY_SQLITE = _early_days(
    func.substr(end_user.c.first_seen_at, 1, 10),
    func.date(end_user.c.first_seen_at, bindparam("modifier")),
)
_first_date = cast(end_user.c.first_seen_at, Date)
_EARLY_POSTGRES = _early_days(
    func.to_char(_first_date, "YYYY-MM-DD"),
    func.to_char(_first_date + bindparam("after", type_=Integer), "YYYY-MM-DD"),
)
_EARLY = ByEngine(sqlite=_EARLY_SQLITE, postgresql=_EARLY_POSTGRES)
_EARLY_OF = ByEngine(
    sqlite=_EARLY_SQLITE.where(in_values(end_user.c.external_id, "users")),
    postgresql=_EARLY_POSTGRES.where(in_values(end_user.c.external_id, "users")),
)


def _check_days(days: int) -> None:
    if days < 1:
        raise ValueError("days must be at least 1")


def user_active_seconds(
    conn: Connection, workspace_id: int, user_id: str, start: date, days: int
) -> int:
    """A user's active seconds on the `days` UTC days from `start` (`start` included)."""
    _check_days(days)
    last = start + timedelta(days=days - 1)
    params = {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "first": start.isoformat(),
        "last": last.isoformat(),
    }
    return int(conn.scalar(_USER_SECONDS, params))


def seconds_since_first_seen(conn: Connection, workspace_id: int, user_id: str, days: int) -> int:
    """A user's active seconds in their first `days` UTC days: from the day they were first
    seen (`end_user.first_seen_at`, that day included). 0 for an unknown user."""
    first_seen = conn.scalar(_FIRST_SEEN, {"workspace_id": workspace_id, "user_id": user_id})
    if first_seen is None:
        return 0
    return user_active_seconds(conn, workspace_id, user_id, first_seen.date(), days)


def early_active_seconds(
    conn: Connection, workspace_id: int, days: int, user_ids: Collection[str] | None = None
) -> dict[str, int]:
    """Every user's (or those of `user_ids`) active seconds in their first `days` UTC days, as
    `seconds_since_first_seen` counts them, in one statement. Users without any are absent."""
    _check_days(days)
    params: dict[str, Any] = {
        "workspace_id": workspace_id,
        "modifier": f"+{days - 1} days",
        "after": days - 1,
    }
    statement = _EARLY
    if user_ids is not None:
        statement, params["users"] = _EARLY_OF, list(user_ids)
    return {user_id: int(seconds) for user_id, seconds in conn.all(statement, params)}


def active_span(conn: Connection, workspace_id: int, user_id: str) -> tuple[date, date] | None:
    """A user's first and last active days (UTC), or None when they never were."""
    row = conn.one(_SPAN_OF_USER, {"workspace_id": workspace_id, "user_id": user_id})
    if row is None:
        return None
    return date.fromisoformat(row.first_day), date.fromisoformat(row.last_day)


def daily_active_users(
    conn: Connection, workspace_id: int, first: date, last: date
) -> dict[date, int]:
    """Users with active time on each UTC day from `first` to `last` (both included; days
    without any are 0)."""
    params = {"workspace_id": workspace_id, "first": first.isoformat(), "last": last.isoformat()}
    counts = {day: count for day, count in conn.all(_DAILY, params)}
    return {day: counts.get(day.isoformat(), 0) for day in _days(first, last)}


def active_users(conn: Connection, workspace_id: int, first: date, last: date) -> int:
    """Distinct users with active time on any UTC day from `first` to `last` (both included)."""
    params = {"workspace_id": workspace_id, "first": first.isoformat(), "last": last.isoformat()}
    return int(conn.scalar(_DISTINCT_USERS, params))


def weekly_active_users(
    conn: Connection, workspace_id: int, first: date, last: date
) -> dict[date, int]:
    """Distinct users active in each ISO week (Monday to Sunday, whole weeks) that has a day
    from `first` to `last`, by the week's Monday."""
    monday = first - timedelta(days=first.weekday())
    weeks: dict[date, int] = {}
    while monday <= last:
        weeks[monday] = active_users(conn, workspace_id, monday, monday + timedelta(days=6))
        monday += timedelta(days=7)
    return weeks


def _days(first: date, last: date) -> Sequence[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
