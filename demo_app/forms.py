"""Validation of the settings forms: each problem names its field, as an i18n message key."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from demo_app.csv_import import EMAIL
from demo_app.db import WorkRules

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
INVITABLE_ROLES = ("manager", "employee")
# 末日 (the last day of the month) is the usual alternative to a fixed closing day.
LAST_DAY = 31


@dataclass(frozen=True)
class FieldErrors:
    errors: dict[str, str]

    def __bool__(self) -> bool:
        return bool(self.errors)


def _integer(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        return None
    return int(raw)


def check_work_rules(form: Mapping[str, str]) -> tuple[WorkRules | None, FieldErrors]:
    errors: dict[str, str] = {}
    start, end = form.get("start_time", "").strip(), form.get("end_time", "").strip()
    if not TIME.match(start):
        errors["start_time"] = "rules.bad_time"
    if not TIME.match(end):
        errors["end_time"] = "rules.bad_time"
    elif "start_time" not in errors and end <= start:
        errors["end_time"] = "rules.end_before_start"
    break_minutes = _integer(form.get("break_minutes", ""), 0, 180)
    if break_minutes is None:
        errors["break_minutes"] = "rules.bad_break"
    closing_day = _integer(form.get("closing_day", ""), 1, LAST_DAY)
    if closing_day is None or 28 < closing_day < LAST_DAY:
        errors["closing_day"] = "rules.bad_closing_day"
    if errors or break_minutes is None or closing_day is None:
        return None, FieldErrors(errors)
    return WorkRules(start, end, break_minutes, closing_day), FieldErrors({})


def check_invitation(form: Mapping[str, str]) -> tuple[str, str, FieldErrors]:
    email = form.get("email", "").strip()
    role = form.get("role", "")
    errors: dict[str, str] = {}
    if not email:
        errors["email"] = "form.required"
    elif len(email) > 254 or not EMAIL.match(email):
        errors["email"] = "members.bad_email"
    if role not in INVITABLE_ROLES:
        errors["role"] = "members.bad_role"
    return email, role, FieldErrors(errors)


def check_new_company(form: Mapping[str, str]) -> tuple[str, str, FieldErrors]:
    company, name = form.get("company_name", "").strip(), form.get("admin_name", "").strip()
    errors: dict[str, str] = {}
    for key, value in (("company_name", company), ("admin_name", name)):
        if not value:
            errors[key] = "form.required"
        elif len(value) > 100:
            errors[key] = "form.too_long"
    return company, name, FieldErrors(errors)
