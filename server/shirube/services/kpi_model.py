"""The KPI figures as values: what the analytics API returns and the dashboard draws.

Every figure's definition (numerator, denominator, which time) is in docs/kpis.md; the
queries that compute them live in services/kpi_*.py. Times are UTC; durations are exact
seconds (the console shows readable units).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

ObjectiveKind = Literal["goal", "checklist", "tour"]
# Days after first seen at which the share of users still incomplete is reported.
INCOMPLETE_AFTER_DAYS = (7, 14, 30)


@dataclass(frozen=True)
class KpiFilter:
    """Which users the figures cover: first seen within [first_seen_from, first_seen_to]
    (dates, UTC, both inclusive) and whose traits equal the given segment values."""

    first_seen_from: date | None = None
    first_seen_to: date | None = None
    user_traits: dict[str, str | int | float | bool] = field(default_factory=dict)
    company_traits: dict[str, str | int | float | bool] = field(default_factory=dict)
    # The users `user_traits` and `company_traits` keep, read once for a page's or an
    # endpoint's statements (`kpi_segment.resolve_segment`, SQLite; set only with user
    # traits): then no statement evaluates the traits again. Not a
    # part of the filter's identity (equal filters, resolved or not, keep the same users).
    trait_users: tuple[str, ...] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Objective:
    """A published goal, checklist or tour whose completion is measured."""

    kind: ObjectiveKind
    key: str
    name: str
    version: int


@dataclass(frozen=True)
class WeekFigure:
    """Users first seen in the week starting `week_start` (Monday) and how many completed."""

    week_start: date
    users: int
    completed: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.users if self.users else None


@dataclass(frozen=True)
class Summary:
    objective: Objective
    audience: int
    started: int
    completed: int
    p50_seconds: float | None
    p90_seconds: float | None
    # {7: share of audience users first seen at least 7 days ago who had not completed 7 days
    # after their first seen, ...}; None where no user is old enough.
    incomplete_after: dict[int, float | None]
    this_week: WeekFigure
    last_week: WeekFigure
    companies: int
    companies_onboarded: int

    @property
    def never_started(self) -> int:
        return self.audience - self.started

    @property
    def rate(self) -> float | None:
        return self.completed / self.audience if self.audience else None


@dataclass(frozen=True)
class CompanyRow:
    company_id: str
    name: str | None
    users: int
    completed: int
    onboarded_at: datetime | None
    median_seconds: float | None
    last_activity_at: datetime | None

    @property
    def share(self) -> float | None:
        return self.completed / self.users if self.users else None

    @property
    def onboarded(self) -> bool:
        return self.onboarded_at is not None


CompanySort = Literal["name", "users", "completed", "share", "onboarded_at", "median", "activity"]


@dataclass(frozen=True)
class CompanyPage:
    rows: list[CompanyRow]
    total: int
    page: int
    per_page: int
    sort: CompanySort
    descending: bool
    search: str | None


@dataclass(frozen=True)
class CohortRow:
    """Users first seen in the week of `week_start`; `completed_by_week[n]` is how many of them
    had completed by the end of their week n (n = 0 is the week they were first seen), for the
    weeks that have ended or are under way."""

    week_start: date
    users: int
    completed_by_week: list[int]


@dataclass(frozen=True)
class FunnelStep:
    """A tour step: users who were shown it, advanced past it, dismissed the tour on it, and
    for whom its target was missing."""

    step_id: str
    title: str
    shown: int
    advanced: int
    dismissed: int
    target_missing: int


@dataclass(frozen=True)
class ItemRate:
    """A checklist item (or a goal's rule): audience users who completed it."""

    item_id: str
    title: str
    completed: int
    audience: int

    @property
    def rate(self) -> float | None:
        return self.completed / self.audience if self.audience else None


@dataclass(frozen=True)
class ActivityPoint:
    """Users active (an event, a session or active time) on the day or in the week starting
    `start`, out of the users known by then."""

    start: date
    active_users: int
    known_users: int


@dataclass(frozen=True)
class FeatureUsage:
    """Users who sent `event` at least once (in the filter's users), out of those users."""

    event: str
    users: int
    of_users: int


@dataclass(frozen=True)
class SurveyComment:
    user_id: str
    company_id: str | None
    company_name: str | None
    rating: int
    comment: str
    answered_at: datetime


@dataclass(frozen=True)
class SurveyResult:
    checklist: str
    title: str
    answers: int
    mean: float | None
    # rating -> answers
    distribution: dict[int, int]
    comments: list[SurveyComment]


@dataclass(frozen=True)
class StuckUser:
    """A user in the audience, not completed, with no progress for at least the asked days
    (progress: a part done; since first seen when nothing was done)."""

    user_id: str
    company_id: str | None
    company_name: str | None
    parts_done: int
    last_progress_at: datetime
    contact: dict[str, str]


@dataclass(frozen=True)
class StuckCompany:
    company_id: str
    name: str | None
    users: int
    completed: int
    last_activity_at: datetime | None
    contact: dict[str, str]


@dataclass(frozen=True)
class BackfillState:
    """The recomputation of every user's figures after a publish (services/kpi_jobs.py)."""

    kind: ObjectiveKind
    key: str
    version: int
    state: str
    done_users: int
    total_users: int
    created_at: datetime
    finished_at: datetime | None
