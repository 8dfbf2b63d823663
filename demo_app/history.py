"""The demo's past: eight weeks of Kintai Cloud users in the three seeded companies, so that
Shirube's dashboard shows real curves the first time it is opened.

`build_history` is pure: the same companies, end time and seed give the same people and the
same events (ids included), which `demo_app.history_send` sends through the event API with
the SDK, as any host backend would import its past. Later cohorts do better (the content got
better), high-touch customers better than tech-touch ones, and some users get stuck: never
started, an import tour whose button was not found, an invitation of an employee instead of
a manager, employees who stop clocking in.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from demo_app.db import TOKYO, Company
from demo_app.seed import TIER_OF_PLAN

SEED = 13
WEEKS = 8
# Users per week and company tier: (admins, managers, employees).
PER_WEEK = {"high-touch": (4, 2, 12), "low-touch": (3, 1, 8), "tech-touch": (3, 1, 6)}
# How well a tier's users do before the content improved (cohort 0); +0.25 by the last week.
BASE_QUALITY = {"high-touch": 0.7, "low-touch": 0.55, "tech-touch": 0.4}
ORIGIN = "http://127.0.0.1:8001"  # the demo's own address: page views as the widget sends them
NAMESPACE = uuid.UUID("9b0e6a43-0d5e-4c4e-9d3a-13d3a0c0e513")

FAMILY = [
    ("田中", "tanaka"), ("中村", "nakamura"), ("小林", "kobayashi"), ("加藤", "kato"),
    ("吉田", "yoshida"), ("山本", "yamamoto"), ("佐々木", "sasaki"), ("山口", "yamaguchi"),
    ("木村", "kimura"), ("林", "hayashi"), ("斎藤", "saito"), ("清水", "shimizu"),
    ("森", "mori"), ("池田", "ikeda"), ("橋本", "hashimoto"), ("石川", "ishikawa"),
]  # fmt: skip
GIVEN = [
    ("美咲", "misaki"), ("大輔", "daisuke"), ("陽菜", "hina"), ("翔太", "shota"),
    ("結衣", "yui"), ("健太", "kenta"), ("彩", "aya"), ("拓海", "takumi"), ("さくら", "sakura"),
    ("蓮", "ren"), ("愛", "ai"), ("悠斗", "yuto"), ("真由", "mayu"), ("直樹", "naoki"),
]  # fmt: skip
COMMENTS = {
    "good": [
        "CSV の取り込みがすぐ見つかりました",
        "チェックリストのおかげで迷いませんでした",
        "マネージャーの招待が簡単でした",
        "Setup was quick, thanks!",
    ],
    "fair": [
        "就業ルールの項目が多くて少し迷いました",
        "締め日の意味が分かりにくかったです",
        "It took a while to find the invite form.",
    ],
    "poor": [
        "従業員の取り込みボタンが見つからず、最初は手入力しました",
        "招待が届いたのか分かりませんでした",
        "初期設定に時間がかかりすぎます",
    ],
}


@dataclass(frozen=True)
class Person:
    id: str
    company_id: str
    role: str
    name: str
    email: str
    first_seen: datetime


@dataclass(frozen=True)
class PastEvent:
    id: str
    user_id: str
    company_id: str
    name: str
    at: datetime
    properties: dict[str, Any] | None


@dataclass
class History:
    people: list[Person] = field(default_factory=list)
    events: list[PastEvent] = field(default_factory=list)


class _Journey:
    """One person's events, in time order; nothing after `end` (it has not happened yet)."""

    def __init__(self, person: Person, end: datetime, rng: random.Random, quality: float):
        self.person, self.end, self.rng, self.quality = person, end, rng, quality
        self.now = person.first_seen
        self.events: list[PastEvent] = []

    def later(self, mean_hours: float) -> bool:
        """Move on by a random delay; False once past the end of the history."""
        self.now += timedelta(hours=self.rng.expovariate(1 / mean_hours))
        return self.now <= self.end

    def emit(self, name: str, properties: dict[str, Any] | None = None, gap: int = 20) -> None:
        self.now += timedelta(seconds=gap)
        if self.now > self.end:
            return
        ident = str(uuid.uuid5(NAMESPACE, f"{self.person.id}/{len(self.events)}"))
        person = self.person
        event = PastEvent(ident, person.id, person.company_id, name, self.now, properties)
        self.events.append(event)

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def page(self, path: str) -> None:
        self.emit("$page_viewed", {"url": f"{ORIGIN}{path}", "title": "Kintai Cloud"})

    def tour(self, key: str, steps: list[str], dismiss: float, missing: str | None = None) -> bool:
        """Steps seen in order, maybe dismissed at one, or stopped at `missing` whose target
        was not on the page; True when the tour was completed."""
        selector = "#import-csv"  # the only target the demo's past ever missed
        self.emit("$tour_started", {"tour": key})
        for step in steps:
            if step == missing:
                self.emit("$target_missing", {"tour": key, "step": step, "selector": selector})
                return False
            self.emit("$tour_step_seen", {"tour": key, "step": step}, gap=8)
            if self.chance(dismiss):
                self.emit("$tour_dismissed", {"tour": key, "step": step}, gap=5)
                return False
        self.emit("$tour_completed", {"tour": key}, gap=5)
        return True

    def workdays(self, days: int, attendance: float, quits: float) -> None:
        """Clock-ins (and outs) on the weekdays from today on, in Tokyo hours."""
        start = self.now.astimezone(TOKYO).date()
        for offset in range(days):
            day = start + timedelta(days=offset)
            if day.weekday() >= 5 or not self.chance(attendance):
                continue
            if self.chance(quits):
                return  # stopped using it: a stuck user
            minute = self.rng.randint(-30, 45)
            at = datetime(day.year, day.month, day.day, 9, tzinfo=TOKYO)
            self.now = max(self.now, at + timedelta(minutes=minute))
            self.emit("clock_in", gap=1)
            self.now += timedelta(hours=9, minutes=self.rng.randint(0, 90))
            self.emit("clock_out", gap=1)


def _admin(j: _Journey, cohort: int) -> None:
    q, p = j.quality, 0.4 + 0.6 * j.quality
    j.page("/dashboard")
    j.tour("welcome", ["hello"], dismiss=0.3 * (1 - q))
    # Step 1, the cautionary tale: early cohorts met an import button the tour could not find.
    if not j.later(2 + 30 * (1 - q)):
        return
    j.page("/employees")
    missing = "import-button" if cohort < 3 and j.chance(0.35) else None
    steps = ["open-employees", "import-button", "file-field"]
    guided = j.tour("import-employees", steps, dismiss=0.12 * (1 - q), missing=missing)
    # Without the tour to the end, fewer find the import (some type the list in instead).
    if not j.chance(p if guided else 0.5 * p):
        return
    j.emit("employees_imported", {"count": j.rng.randint(5, 120)}, gap=90)
    if not (j.chance(p) and j.later(4 + 40 * (1 - q))):
        return
    j.page("/settings/work-rules")
    j.emit("work_rules_saved", gap=60)
    if not j.later(6 + 50 * (1 - q)):
        return
    j.page("/members")
    if j.chance(0.5 * (1 - q)):
        j.emit("member_invited", {"role": "employee"}, gap=40)  # not the item's manager
    if not j.chance(p):
        return
    j.emit("member_invited", {"role": "manager"}, gap=40)
    if not (j.chance(p) and j.later(3 + 24 * (1 - q))):
        return
    j.page("/time-clock")
    j.tour("clock-in-hotspot", ["clock-in"], dismiss=0.1)
    j.emit("clock_in", gap=5)
    if j.now <= j.end and j.chance(0.6 + 0.3 * q):
        _survey(j)
    j.later(20)
    j.workdays(21, attendance=0.6, quits=0.02)


def _survey(j: _Journey) -> None:
    rating = max(1, min(5, round(1.2 + 4 * j.quality + j.rng.gauss(0, 0.8))))
    properties: dict[str, Any] = {"checklist": "admin-setup", "rating": rating}
    if j.chance(0.6):
        band = "good" if rating >= 4 else "fair" if rating == 3 else "poor"
        properties["comment"] = j.rng.choice(COMMENTS[band])
    j.emit("$survey_answered", properties, gap=30)


def _member(j: _Journey, cohort: int) -> None:
    """Managers and employees: the clock-in hotspot, then (mostly) clocking in every workday."""
    q = j.quality
    j.page("/dashboard")
    if not j.chance(0.5 + 0.5 * q):
        return  # signed in once, did nothing more: "never started"
    if not j.later(1 + 20 * (1 - q)):
        return
    j.page("/time-clock")
    j.tour("clock-in-hotspot", ["clock-in"], dismiss=0.25 * (1 - q))
    j.emit("clock_in", gap=10)
    if j.chance(0.4 + 0.5 * q):
        j.page("/timesheet")
    j.later(12)
    j.workdays(21, attendance=0.25 + 0.65 * q, quits=0.2 * (1 - q))


def _people(
    company: Company, tier: str, domain: str, end: datetime, rng: random.Random
) -> Iterator[tuple[int, Person]]:
    counts = PER_WEEK[tier]
    number = 0
    for cohort in range(WEEKS):
        week_start = end - timedelta(weeks=WEEKS - cohort)
        for role, count in zip(("admin", "manager", "employee"), counts, strict=True):
            for _ in range(count):
                number += 1
                (family, f_roman), (given, g_roman) = rng.choice(FAMILY), rng.choice(GIVEN)
                first_seen = week_start + timedelta(
                    days=rng.randint(0, 6), hours=rng.randint(0, 9), minutes=rng.randint(0, 59)
                )
                person = Person(
                    id=f"{company.id}-h{number:03d}",
                    company_id=company.id,
                    role=role,
                    name=f"{family} {given}",
                    email=f"{g_roman}.{f_roman}{number}@{domain}",
                    first_seen=first_seen,
                )
                yield cohort, person


def build_history(companies: list[tuple[Company, str]], end: datetime, seed: int = SEED) -> History:
    """`companies`: each with its e-mail domain. Every event is no later than `end`."""
    history = History()
    for company, domain in companies:
        tier = TIER_OF_PLAN.get(company.plan, "tech-touch")
        rng = random.Random(f"{seed}/{company.id}")
        for cohort, person in _people(company, tier, domain, end, rng):
            if person.first_seen > end:
                continue
            quality = BASE_QUALITY[tier] + 0.25 * cohort / (WEEKS - 1) + rng.gauss(0, 0.1)
            journey = _Journey(person, end, rng, max(0.05, min(0.98, quality)))
            (_admin if person.role == "admin" else _member)(journey, cohort)
            history.people.append(person)
            history.events += journey.events
    return history
