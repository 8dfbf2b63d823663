"""Hand-built rows for KPI tests: what the KPI worker and ingestion would have stored (users,
companies, memberships, `kpi_user`/`kpi_company`, step views, progress, events, answers),
written straight into the tables so that each figure can be checked against rows a reader can
count by eye. Shared by tests/services/test_kpis_*.py and tests/api/test_analytics_api.py.
"""

from __future__ import annotations

import itertools
import zlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shirube.storage import Database, insert
from shirube.storage.tables import (
    checklist_item_progress,
    company,
    content_item,
    content_version,
    end_user,
    event,
    kpi_company,
    kpi_job,
    kpi_user,
    membership,
    survey_answer,
    tour_progress,
    tour_step_seen,
    user_active_day,
    user_active_week,
)
from sqlalchemy import select

# A Wednesday: its ISO week starts on Monday 2026-03-02.
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


def days_ago(days: float, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


class KpiRows:
    """`rows = KpiRows(database, workspace_id)`, then `rows.user(...)`, `rows.kpi_user(...)`…
    Each call writes at once."""

    def __init__(self, database: Database, workspace_id: int) -> None:
        self.database = database
        self.workspace_id = workspace_id
        self._ids = itertools.count(1)

    def _insert(self, table: Any, **values: Any) -> None:
        row = {"workspace_id": self.workspace_id, **values}

        def work(conn: Any) -> None:
            if "user_key" in table.c and table is not end_user:
                key = conn.scalar(
                    select(end_user.c.user_key).where(
                        end_user.c.workspace_id == self.workspace_id,
                        end_user.c.external_id == row["user_id"],
                    )
                )
                # A user written without a row of their own (events alone): a key no stored
                # user has, the same for each id.
                row["user_key"] = key if key is not None else -zlib.crc32(row["user_id"].encode())
            conn.run(table.insert().values(**row))

        self.database.run_sync(work)

    def publish(self, kind: str, document: dict[str, Any], version: int = 1) -> None:
        """A published goal, checklist or tour, stored as is (no validation: goals' format
        belongs to another module)."""
        now = NOW

        def work(conn: Any) -> None:
            content_id = conn.scalar(
                content_item.insert()
                .values(
                    workspace_id=self.workspace_id,
                    kind=kind,
                    key=document["key"],
                    draft=document,
                    published_version=version,
                    latest_version=version,
                    created_at=now,
                    updated_at=now,
                )
                .returning(content_item.c.id)
            )
            conn.run(
                content_version.insert().values(
                    content_id=content_id, version=version, document=document, published_at=now
                )
            )

        self.database.run_sync(work)

    def user(
        self,
        user_id: str,
        first_seen: datetime,
        *,
        last_seen: datetime | None = None,
        companies: tuple[str, ...] = (),
        **traits: Any,
    ) -> None:
        self._insert(
            end_user,
            external_id=user_id,
            traits=traits,
            locale=None,
            first_seen_at=first_seen,
            last_seen_at=last_seen or first_seen,
        )
        for company_id in companies:
            self._insert(membership, user_id=user_id, company_id=company_id, created_at=first_seen)

    def company(self, company_id: str, **traits: Any) -> None:
        self._insert(company, external_id=company_id, traits=traits, created_at=NOW, updated_at=NOW)

    def kpi_user(
        self,
        kind: str,
        key: str,
        user_id: str,
        *,
        started: datetime | None = None,
        completed: datetime | None = None,
        parts: int = 0,
        last_progress: datetime | None = None,
        in_audience: bool = True,
        version: int = 1,
    ) -> None:
        self._insert(
            kpi_user,
            kind=kind,
            key=key,
            user_id=user_id,
            version=version,
            in_audience=in_audience,
            started_at=started,
            completed_at=completed,
            parts_done=parts,
            last_progress_at=last_progress if last_progress is not None else (completed or started),
            updated_at=NOW,
        )

    def kpi_company(
        self,
        kind: str,
        key: str,
        company_id: str,
        *,
        users: int,
        completed: int,
        onboarded: datetime | None = None,
        median: float | None = None,
        last_activity: datetime | None = None,
    ) -> None:
        self._insert(
            kpi_company,
            kind=kind,
            key=key,
            company_id=company_id,
            users=users,
            completed=completed,
            onboarded_at=onboarded,
            median_seconds=median,
            last_activity_at=last_activity,
            updated_at=NOW,
        )

    def step_seen(self, user_id: str, tour: str, step: str, at: datetime = NOW) -> None:
        self._insert(tour_step_seen, user_id=user_id, tour_key=tour, step_id=step, first_seen_at=at)

    def tour_progress(
        self, user_id: str, tour: str, status: str, completed: datetime | None = None
    ) -> None:
        self._insert(
            tour_progress,
            user_id=user_id,
            tour_key=tour,
            status=status,
            current_step=None,
            current_step_at=None,
            version=1,
            started_at=completed,
            completed_at=completed,
            dismissed_at=None,
            updated_at=NOW,
        )

    def active(self, user_id: str, day: str, seconds: int = 60) -> None:
        """Active time on a UTC day (`YYYY-MM-DD`), as `$active` heartbeats leave it."""
        self._insert(user_active_day, user_id=user_id, day=day, seconds=seconds)
        # And its week's row, as services/active_time.py writes it with the day's.
        monday = date.fromisoformat(day) - timedelta(days=date.fromisoformat(day).weekday())
        week = {"workspace_id": self.workspace_id, "week": monday.isoformat(), "user_id": user_id}
        self.database.run_sync(
            lambda conn: conn.run(insert(user_active_week).values(week).on_conflict_do_nothing())
        )

    def event(
        self, user_id: str, name: str, properties: dict[str, Any] | None = None, at: datetime = NOW
    ) -> None:
        self._insert(
            event,
            id=f"e{next(self._ids)}",
            name=name,
            properties=properties or {},
            user_id=user_id,
            company_id=None,
            timestamp=at,
            received_at=at,
            source="server",
        )

    def item_done(self, user_id: str, checklist: str, item: str, at: datetime = NOW) -> None:
        self._insert(
            checklist_item_progress,
            user_id=user_id,
            checklist_key=checklist,
            item_id=item,
            completed_at=at,
            completed_by="event",
            event_id=None,
        )

    def survey(
        self, user_id: str, checklist: str, rating: int, comment: str | None, at: datetime = NOW
    ) -> None:
        self._insert(
            survey_answer,
            event_id=f"s{next(self._ids)}",
            user_id=user_id,
            checklist_key=checklist,
            rating=rating,
            comment=comment,
            answered_at=at,
        )

    def job(
        self,
        kind: str,
        key: str,
        *,
        version: int = 1,
        state: str = "done",
        done: int = 0,
        total: int = 0,
        created: datetime = NOW,
        finished: datetime | None = None,
    ) -> None:
        self._insert(
            kpi_job,
            kind=kind,
            key=key,
            version=version,
            state=state,
            cursor=None,
            done_users=done,
            total_users=total,
            created_at=created,
            started_at=created,
            finished_at=finished,
            error=None,
        )


SETUP = {
    "key": "setup",
    "title": {"en": "Set up", "ja": "初期設定"},
    "items": [
        {"id": "import", "title": "Import employees", "completion": {"type": "manual"}},
        {"id": "rules", "title": "Set work rules", "completion": {"type": "manual"}},
    ],
    "survey": {"question": {"en": "Did setup go well?", "ja": "初期設定は問題なく完了しましたか?"}},
}
WELCOME = {
    "key": "welcome",
    "name": "Welcome tour",
    "steps": [
        {"id": "s1", "kind": "modal", "title": "Hello"},
        {"id": "s2", "kind": "modal", "title": "Menu"},
        {"id": "s3", "kind": "modal", "title": "Done"},
    ],
}


def onboarding(rows: KpiRows) -> None:
    """The scenario most KPI tests read (figures worked out in tests/services/test_kpis_*.py):
    checklist `setup` (items import, rules) and tour `welcome` (s1, s2, s3) published; five
    audience users in companies c1 (plan pro) and c2 (plan free), one user outside the
    audience, company c3 without users."""
    rows.publish("checklist", SETUP)
    rows.publish("tour", WELCOME)
    rows.company("c1", name="Acme 勤怠", plan="pro", email="ops@acme.example")
    rows.company("c2", name="=Bobco", plan="free", seats=3)
    rows.company("c3", name="Cleo")
    rows.user("u1", days_ago(20), companies=("c1",), role="admin", email="u1@acme.example")
    rows.user("u2", days_ago(20), last_seen=days_ago(3), companies=("c1",), role="member")
    rows.user("u3", days_ago(2), companies=("c2",), role="admin", phone="+81 3 0000")
    rows.user("u4", days_ago(8), companies=("c2",), role="member", name="Yui")
    rows.user("u5", days_ago(20), role="admin")
    rows.user("u6", days_ago(9), role="admin", beta=True)
    rows.kpi_user("checklist", "setup", "u1", started=days_ago(15), completed=days_ago(10), parts=2)
    rows.kpi_user("checklist", "setup", "u2", started=days_ago(19), parts=1)
    rows.kpi_user("checklist", "setup", "u3", started=days_ago(1.5), completed=days_ago(1), parts=2)
    rows.kpi_user("checklist", "setup", "u4")
    rows.kpi_user("checklist", "setup", "u5", in_audience=False)
    rows.kpi_user(
        "checklist",
        "setup",
        "u6",
        started=days_ago(9) + timedelta(minutes=30),
        completed=days_ago(9) + timedelta(hours=1),
        parts=2,
    )
    rows.kpi_company(
        "checklist",
        "setup",
        "c1",
        users=2,
        completed=1,
        median=864000.0,
        last_activity=days_ago(3),
    )
    rows.kpi_company(
        "checklist",
        "setup",
        "c2",
        users=2,
        completed=1,
        onboarded=days_ago(1),
        median=86400.0,
        last_activity=days_ago(1),
    )
    for user, item, at in (
        ("u1", "import", 15),
        ("u1", "rules", 10),
        ("u2", "import", 19),
        ("u3", "import", 1.5),
        ("u3", "rules", 1),
        ("u5", "import", 5),
        ("u6", "import", 9),
        ("u6", "rules", 9),
    ):
        rows.item_done(user, "setup", item, days_ago(at))
