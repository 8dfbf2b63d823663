"""Kintai Cloud's own SQLite database (stdlib sqlite3: a handful of tables, no ORM needed)."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

# The app's customers are in Japan: "today" on the dashboard is a Tokyo day.
TOKYO = ZoneInfo("Asia/Tokyo")

SCHEMA = """
CREATE TABLE IF NOT EXISTS companies (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, plan TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY, company_id TEXT NOT NULL REFERENCES companies(id),
    name TEXT NOT NULL, email TEXT NOT NULL, role TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS employees (
    id INTEGER PRIMARY KEY, company_id TEXT NOT NULL REFERENCES companies(id),
    code TEXT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, department TEXT NOT NULL,
    hired_on TEXT NOT NULL, UNIQUE (company_id, code));
CREATE TABLE IF NOT EXISTS work_rules (
    company_id TEXT PRIMARY KEY REFERENCES companies(id), start_time TEXT NOT NULL,
    end_time TEXT NOT NULL, break_minutes INTEGER NOT NULL, closing_day INTEGER NOT NULL,
    updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invitations (
    id INTEGER PRIMARY KEY, company_id TEXT NOT NULL REFERENCES companies(id),
    email TEXT NOT NULL, role TEXT NOT NULL, invited_by TEXT NOT NULL, created_at TEXT NOT NULL,
    UNIQUE (company_id, email));
CREATE TABLE IF NOT EXISTS punches (
    id INTEGER PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
    company_id TEXT NOT NULL, clock_in TEXT NOT NULL, clock_out TEXT);
"""

ROLES = ("admin", "manager", "employee")


def now() -> datetime:
    return datetime.now(UTC)


def today_in_tokyo() -> date:
    return now().astimezone(TOKYO).date()


def tokyo_time(moment: datetime) -> str:
    return moment.astimezone(TOKYO).strftime("%H:%M")


def new_id(prefix: str) -> str:
    # Random, not sequential: ids are shared with Shirube, whose database may outlive this one.
    return f"{prefix}-{secrets.token_hex(5)}"


@dataclass(frozen=True)
class Company:
    id: str
    name: str
    plan: str
    created_at: str


@dataclass(frozen=True)
class User:
    id: str
    company_id: str
    name: str
    email: str
    role: str
    created_at: str


@dataclass(frozen=True)
class EmployeeRow:
    code: str
    name: str
    email: str
    department: str
    hired_on: str


@dataclass(frozen=True)
class WorkRules:
    start_time: str
    end_time: str
    break_minutes: int
    closing_day: int


@dataclass(frozen=True)
class Punch:
    id: int
    user_id: str
    user_name: str
    clock_in: datetime
    clock_out: datetime | None


def _punch(row: sqlite3.Row) -> Punch:
    out = row["clock_out"]
    return Punch(
        id=row["id"],
        user_id=row["user_id"],
        user_name=row["name"],
        clock_in=datetime.fromisoformat(row["clock_in"]).astimezone(TOKYO),
        clock_out=datetime.fromisoformat(out).astimezone(TOKYO) if out else None,
    )


class Store:
    """One short-lived connection per operation: cheap with SQLite, and safe across threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as conn:
            conn.executescript(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            with conn:  # one transaction: commit on success, roll back on any error
                yield conn

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._connect() as conn:
            return conn.execute(sql, params).fetchall()

    # Companies and users

    def create_company(self, name: str, plan: str, admin_name: str, admin_email: str) -> User:
        company = Company(new_id("c"), name, plan, now().isoformat())
        admin = User(new_id("u"), company.id, admin_name, admin_email, "admin", company.created_at)
        with self._connect() as conn:
            conn.execute("INSERT INTO companies VALUES (?, ?, ?, ?)", _values(company))
            conn.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", _values(admin))
        return admin

    def add_user(self, company_id: str, name: str, email: str, role: str) -> User:
        user = User(new_id("u"), company_id, name, email, role, now().isoformat())
        with self._connect() as conn:
            conn.execute("INSERT INTO users VALUES (?, ?, ?, ?, ?, ?)", _values(user))
        return user

    def has_companies(self) -> bool:
        return bool(self._all("SELECT 1 FROM companies LIMIT 1"))

    def companies(self) -> list[Company]:
        return [Company(*r) for r in self._all("SELECT * FROM companies ORDER BY created_at")]

    def company(self, company_id: str) -> Company | None:
        rows = self._all("SELECT * FROM companies WHERE id = ?", (company_id,))
        return Company(*rows[0]) if rows else None

    def user(self, user_id: str) -> User | None:
        rows = self._all("SELECT * FROM users WHERE id = ?", (user_id,))
        return User(*rows[0]) if rows else None

    def users(self, company_id: str | None = None) -> list[User]:
        if company_id is None:
            return [User(*r) for r in self._all("SELECT * FROM users ORDER BY created_at")]
        rows = self._all(
            "SELECT * FROM users WHERE company_id = ? ORDER BY created_at", (company_id,)
        )
        return [User(*r) for r in rows]

    # Employees (the roster a company imports)

    def employees(self, company_id: str) -> list[EmployeeRow]:
        rows = self._all(
            "SELECT code, name, email, department, hired_on FROM employees"
            " WHERE company_id = ? ORDER BY code",
            (company_id,),
        )
        return [EmployeeRow(*r) for r in rows]

    def employee_codes(self, company_id: str) -> set[str]:
        rows = self._all("SELECT code FROM employees WHERE company_id = ?", (company_id,))
        return {r["code"] for r in rows}

    def add_employees(self, company_id: str, rows: Sequence[EmployeeRow]) -> None:
        """All rows or none: the import is one transaction."""
        with self._connect() as conn:
            conn.executemany(
                "INSERT INTO employees (company_id, code, name, email, department, hired_on)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(company_id, *_values(row)) for row in rows],
            )

    # Work rules

    def work_rules(self, company_id: str) -> WorkRules | None:
        rows = self._all(
            "SELECT start_time, end_time, break_minutes, closing_day FROM work_rules"
            " WHERE company_id = ?",
            (company_id,),
        )
        return WorkRules(*rows[0]) if rows else None

    def save_work_rules(self, company_id: str, rules: WorkRules) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO work_rules VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (company_id) DO"
                " UPDATE SET start_time = excluded.start_time, end_time = excluded.end_time,"
                " break_minutes = excluded.break_minutes, closing_day = excluded.closing_day,"
                " updated_at = excluded.updated_at",
                (company_id, *_values(rules), now().isoformat()),
            )

    # Invitations

    def invitations(self, company_id: str) -> list[sqlite3.Row]:
        return self._all(
            "SELECT email, role, created_at FROM invitations WHERE company_id = ? ORDER BY id",
            (company_id,),
        )

    def invite(self, company_id: str, email: str, role: str, invited_by: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO invitations (company_id, email, role, invited_by, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (company_id, email, role, invited_by, now().isoformat()),
            )

    def is_member_or_invited(self, company_id: str, email: str) -> bool:
        rows = self._all(
            "SELECT 1 FROM users WHERE company_id = ? AND lower(email) = ?"
            " UNION SELECT 1 FROM invitations WHERE company_id = ? AND lower(email) = ?",
            (company_id, email.lower(), company_id, email.lower()),
        )
        return bool(rows)

    # Time clock

    def _punches(self, where: str, key: str, limit: int) -> list[Punch]:
        rows = self._all(
            "SELECT p.*, u.name FROM punches p JOIN users u ON u.id = p.user_id"
            f" WHERE {where} ORDER BY p.clock_in DESC, p.id DESC LIMIT {limit:d}",
            (key,),
        )
        return [_punch(r) for r in rows]

    def open_punch(self, user_id: str) -> Punch | None:
        found = self._punches("p.user_id = ? AND p.clock_out IS NULL", user_id, 1)
        return found[0] if found else None

    def clock_in(self, user: User, at: datetime) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO punches (user_id, company_id, clock_in) VALUES (?, ?, ?)",
                (user.id, user.company_id, at.isoformat()),
            )

    def clock_out(self, punch_id: int, at: datetime) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE punches SET clock_out = ? WHERE id = ? AND clock_out IS NULL",
                (at.isoformat(), punch_id),
            )

    def punches_of_company_on(self, company_id: str, day: date) -> list[Punch]:
        recent = self._punches("p.company_id = ?", company_id, 500)
        return [p for p in recent if p.clock_in.date() == day]

    def punches_of_user(self, user_id: str) -> list[Punch]:
        return self._punches("p.user_id = ?", user_id, 100)


def _values(record: Any) -> tuple[Any, ...]:
    return tuple(record.__dict__.values())
