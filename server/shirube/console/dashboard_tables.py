"""The dashboard's tables, built once from the figures and used twice: as the HTML table next
to each chart and as its CSV download, so the two always hold the same rows and numbers.

A cell has the text shown and, where it differs, the plain value the CSV gets: 45.0 for
"45.0 %", 273600 for "3 d 4 h" (the CSV header says the unit)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from shirube.console.dashboard_data import Dashboard, Part
from shirube.console.render import duration, when
from shirube.services.kpi_model import Summary


@dataclass(frozen=True)
class Cell:
    text: str
    value: str | None = None

    @property
    def csv(self) -> str:
        return self.text if self.value is None else self.value


@dataclass(frozen=True)
class Column:
    label: str
    unit: str = ""  # "%" or "s": the CSV's values are in it


@dataclass(frozen=True)
class Table:
    key: str
    columns: list[Column]
    rows: list[list[Cell]]


# Each table and the data it is made of (a CSV download loads only that).
TABLE_PARTS: dict[str, Part] = {
    "summary": "summary",
    "trend": "cohorts",
    "cohorts": "cohorts",
    "steps": "steps",
    "companies": "companies",
    "activity": "activity",
    "features": "features",
    "survey_scores": "surveys",
    "survey_comments": "surveys",
    "stuck_users": "stuck_users",
    "stuck_companies": "stuck_companies",
    "backfills": "backfills",
}


class Cells:
    """Cell makers in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def count(self, n: int | None) -> Cell:
        return Cell("—", "") if n is None else Cell(f"{n:,}", str(n))

    def rate(self, share: float | None) -> Cell:
        if share is None or not math.isfinite(share):
            return Cell("—", "")
        pct = f"{share * 100:.1f}"
        return Cell(f"{pct} %", pct)

    def ratio(self, part: int, whole: int) -> Cell:
        return self.rate(part / whole if whole else None)

    def seconds(self, value: float | None) -> Cell:
        if value is None or not math.isfinite(value):
            return Cell("—", "")
        return Cell(duration(value, self.lang), str(int(value)))

    def day(self, value: date | None) -> Cell:
        return Cell("—", "") if value is None else Cell(value.isoformat())

    def time(self, value: datetime | None) -> Cell:
        return Cell(when(value), "" if value is None else None)

    def text(self, value: str | None) -> Cell:
        return Cell("—", "") if value is None else Cell(value)


def contact_text(contact: dict[str, str]) -> str:
    return "; ".join(f"{key}: {value}" for key, value in sorted(contact.items()))


def summary_rows(s: Summary, t: dict[str, str], c: Cells) -> list[list[Cell]]:
    """Figure and value; the CSV's figure names the unit of its value."""
    rows: list[tuple[str, str, Cell]] = [
        (t["audience"], "", c.count(s.audience)),
        (t["started"], "", c.count(s.started)),
        (t["completed"], "", c.count(s.completed)),
        (t["completion_rate"], "%", c.rate(s.rate)),
        (t["never_started"], "", c.count(s.never_started)),
        (t["p50"], "s", c.seconds(s.p50_seconds)),
        (t["p90"], "s", c.seconds(s.p90_seconds)),
    ]
    for days in sorted(s.incomplete_after):
        label = t["incomplete_after"].format(days=days)
        rows.append((label, "%", c.rate(s.incomplete_after[days])))
    for name, week in ((t["this_week"], s.this_week), (t["last_week"], s.last_week)):
        rows.append((f"{name}: {t['users']}", "", c.count(week.users)))
        rows.append((f"{name}: {t['completed']}", "", c.count(week.completed)))
        rows.append((f"{name}: {t['completion_rate']}", "%", c.rate(week.rate)))
    rows.append((t["companies"], "", c.count(s.companies)))
    rows.append((t["companies_onboarded"], "", c.count(s.companies_onboarded)))
    return [[Cell(label, unit_header(label, unit, t)), cell] for label, unit, cell in rows]


def unit_header(label: str, unit: str, t: dict[str, str]) -> str:
    """A CSV header: the label and the unit its values are in."""
    return f"{label} ({t['unit_' + unit]})" if unit else label


def build_tables(board: Dashboard, t: dict[str, str], lang: str) -> dict[str, Table]:
    c = Cells(lang)
    tables: dict[str, Table] = {}

    def add(key: str, columns: list[Column], rows: list[list[Cell]]) -> None:
        tables[key] = Table(key, columns, rows)

    L = Column
    if board.summary is not None:
        add("summary", [L(t["figure"]), L(t["value_col"])], summary_rows(board.summary, t, c))
    add(
        "trend",
        [L(t["week_of"]), L(t["users"]), L(t["completed"]), L(t["completion_rate"], "%")],
        [
            [c.day(r.week_start), c.count(r.users), c.count(done), c.ratio(done, r.users)]
            for r in board.cohorts
            for done in [r.completed_by_week[-1] if r.completed_by_week else 0]
        ],
    )
    weeks = max((len(r.completed_by_week) for r in board.cohorts), default=0)
    add(
        "cohorts",
        [L(t["cohort"]), L(t["users"])]
        + [L(t["week_n"].format(n=n), "%") for n in range(weeks)],
        [
            [c.day(r.week_start), c.count(r.users)]
            + [c.ratio(r.completed_by_week[n], r.users) if n < len(r.completed_by_week)
               else Cell("", "") for n in range(weeks)]
            for r in board.cohorts
        ],
    )  # fmt: skip
    if board.objective is not None and board.objective.kind == "tour":
        add(
            "steps",
            [L(t["step"]), L(t["shown"]), L(t["advanced"]), L(t["dismissed"]),
             L(t["target_missing"]), L(t["advanced_rate"], "%")],
            [
                [c.text(f.title or f.step_id), c.count(f.shown), c.count(f.advanced),
                 c.count(f.dismissed), c.count(f.target_missing), c.ratio(f.advanced, f.shown)]
                for f in board.funnel
            ],
        )  # fmt: skip
    else:
        add(
            "steps",
            [L(t["item"]), L(t["completed"]), L(t["audience"]), L(t["completion_rate"], "%")],
            [
                [c.text(i.title or i.item_id), c.count(i.completed), c.count(i.audience),
                 c.rate(i.rate)]
                for i in board.items
            ],
        )  # fmt: skip
    page = board.companies
    add(
        "companies",
        [L(t["company"]), L(t["company_id"]), L(t["users"]), L(t["completed"]),
         L(t["share"], "%"), L(t["onboarded_at"]), L(t["median_time"], "s"),
         L(t["last_activity"])],
        [
            [c.text(r.name or r.company_id), c.text(r.company_id), c.count(r.users),
             c.count(r.completed), c.rate(r.share), c.time(r.onboarded_at),
             c.seconds(r.median_seconds), c.time(r.last_activity_at)]
            for r in (page.rows if page else [])
        ],
    )  # fmt: skip
    add(
        "activity",
        [L(t["period_start"]), L(t["active_users"]), L(t["known_users"]), L(t["active_rate"], "%")],
        [
            [c.day(p.start), c.count(p.active_users), c.count(p.known_users),
             c.ratio(p.active_users, p.known_users)]
            for p in board.activity
        ],
    )  # fmt: skip
    add(
        "features",
        [L(t["event"]), L(t["users"]), L(t["of_users"]), L(t["usage_rate"], "%")],
        [[c.text(f.event), c.count(f.users), c.count(f.of_users), c.ratio(f.users, f.of_users)]
         for f in board.features],
    )  # fmt: skip
    add(
        "survey_scores",
        [L(t["survey"]), L(t["rating"]), L(t["answers"]), L(t["share"], "%")],
        [
            [c.text(s.title or s.checklist), c.count(rating), c.count(n), c.ratio(n, s.answers)]
            for s in board.surveys
            for rating in range(1, 6)
            for n in [s.distribution.get(rating, 0)]
        ],
    )  # fmt: skip
    add(
        "survey_comments",
        [L(t["survey"]), L(t["rating"]), L(t["comment"]), L(t["user"]), L(t["company"]),
         L(t["answered_at"])],
        [
            [c.text(s.title or s.checklist), c.count(m.rating), c.text(m.comment),
             c.text(m.user_id), c.text(m.company_name or m.company_id), c.time(m.answered_at)]
            for s in board.surveys
            for m in s.comments
        ],
    )  # fmt: skip
    now = board.now
    add(
        "stuck_users",
        [L(t["user"]), L(t["company"]), L(t["parts_done"]), L(t["last_progress"]),
         L(t["idle_for"], "s"), L(t["contact"])],
        [
            [c.text(u.user_id), c.text(u.company_name or u.company_id), c.count(u.parts_done),
             c.time(u.last_progress_at), c.seconds((now - u.last_progress_at).total_seconds()),
             c.text(contact_text(u.contact))]
            for u in board.stuck_users
        ],
    )  # fmt: skip
    add(
        "stuck_companies",
        [L(t["company"]), L(t["company_id"]), L(t["users"]), L(t["completed"]),
         L(t["last_activity"]), L(t["contact"])],
        [
            [c.text(s.name or s.company_id), c.text(s.company_id), c.count(s.users),
             c.count(s.completed), c.time(s.last_activity_at), c.text(contact_text(s.contact))]
            for s in board.stuck_companies
        ],
    )  # fmt: skip
    add(
        "backfills",
        [L(t["objective"]), L(t["version"]), L(t["state"]), L(t["done_users"]),
         L(t["total_users"]), L(t["progress"], "%"), L(t["queued_at"]), L(t["finished_at"])],
        [
            [c.text(f"{b.kind}:{b.key}"), c.count(b.version), c.text(b.state),
             c.count(b.done_users), c.count(b.total_users), c.ratio(b.done_users, b.total_users),
             c.time(b.created_at), c.time(b.finished_at)]
            for b in board.backfills
        ],
    )  # fmt: skip
    return tables
