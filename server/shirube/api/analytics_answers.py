"""The shapes of the analytics API's answers (api/analytics_json.py builds them), for the
OpenAPI document, as api/answers.py does for the rest of the API."""

from __future__ import annotations

from shirube.api.answers import INTEGER, STRING, TIME, Schema, array, listing, nullable, shape

NUMBER: Schema = {"type": "number"}
DAY: Schema = {"type": "string", "format": "date"}
RATE = nullable({"type": "number", "minimum": 0, "maximum": 1})
SECONDS = nullable({"type": "number", "minimum": 0})
KIND: Schema = {"enum": ["goal", "checklist", "tour"]}
CONTACT: Schema = {"type": "object", "additionalProperties": STRING}

OBJECTIVE = shape(kind=KIND, key=STRING, name=STRING, version=INTEGER)
WEEK = shape(week_start=DAY, users=INTEGER, completed=INTEGER, rate=RATE)
SUMMARY = shape(
    objective=OBJECTIVE,
    audience=INTEGER,
    started=INTEGER,
    never_started=INTEGER,
    completed=INTEGER,
    rate=RATE,
    p50_seconds=SECONDS,
    p90_seconds=SECONDS,
    incomplete_after=shape(**{"7": RATE, "14": RATE, "30": RATE}),
    this_week=WEEK,
    last_week=WEEK,
    companies=INTEGER,
    companies_onboarded=INTEGER,
)
COMPANY = shape(
    company_id=STRING,
    name=nullable(STRING),
    users=INTEGER,
    completed=INTEGER,
    share=RATE,
    onboarded={"type": "boolean"},
    onboarded_at=nullable(TIME),
    median_seconds=SECONDS,
    last_activity_at=nullable(TIME),
)
COMPANIES = shape(
    data=array(COMPANY),
    total=INTEGER,
    page=INTEGER,
    per_page=INTEGER,
    sort=STRING,
    order={"enum": ["asc", "desc"]},
    q=nullable(STRING),
)
COHORT = shape(week_start=DAY, users=INTEGER, completed_by_week=array(INTEGER))
FUNNEL_STEP = shape(
    step_id=STRING,
    title=STRING,
    shown=INTEGER,
    advanced=INTEGER,
    dismissed=INTEGER,
    target_missing=INTEGER,
)
ITEM = shape(item_id=STRING, title=STRING, completed=INTEGER, audience=INTEGER, rate=RATE)
ACTIVITY = shape(start=DAY, active_users=INTEGER, known_users=INTEGER)
USAGE = shape(event=STRING, users=INTEGER, of_users=INTEGER, rate=RATE)
COMMENT = shape(
    user_id=STRING,
    company_id=nullable(STRING),
    company_name=nullable(STRING),
    rating=INTEGER,
    comment=STRING,
    answered_at=TIME,
)
SURVEY = shape(
    checklist=STRING,
    title=STRING,
    answers=INTEGER,
    mean=nullable(NUMBER),
    distribution={"type": "object", "additionalProperties": INTEGER},
    comments=array(COMMENT),
)
STUCK_USER = shape(
    user_id=STRING,
    company_id=nullable(STRING),
    company_name=nullable(STRING),
    parts_done=INTEGER,
    last_progress_at=TIME,
    contact=CONTACT,
)
STUCK_COMPANY = shape(
    company_id=STRING,
    name=nullable(STRING),
    users=INTEGER,
    completed=INTEGER,
    last_activity_at=nullable(TIME),
    contact=CONTACT,
)
BACKFILL = shape(
    kind=KIND,
    key=STRING,
    version=INTEGER,
    state=STRING,
    done_users=INTEGER,
    total_users=INTEGER,
    created_at=TIME,
    finished_at=nullable(TIME),
)

_BASE = "/api/v1/analytics"
_OBJECTIVE = _BASE + "/{kind}/{key}"
ANSWERS: dict[tuple[str, str], Schema] = {
    ("get", _BASE + "/objectives"): listing(OBJECTIVE),
    ("get", _OBJECTIVE + "/summary"): SUMMARY,
    ("get", _OBJECTIVE + "/companies"): COMPANIES,
    ("get", _OBJECTIVE + "/cohorts"): listing(COHORT),
    ("get", _OBJECTIVE + "/items"): listing(ITEM),
    ("get", _OBJECTIVE + "/stuck-users"): listing(STUCK_USER),
    ("get", _OBJECTIVE + "/stuck-companies"): listing(STUCK_COMPANY),
    ("get", _BASE + "/tours/{key}/funnel"): listing(FUNNEL_STEP),
    ("get", _BASE + "/activity"): listing(ACTIVITY),
    ("get", _BASE + "/feature-usage"): listing(USAGE),
    ("get", _BASE + "/surveys"): listing(SURVEY),
    ("get", _BASE + "/backfills"): listing(BACKFILL),
}
