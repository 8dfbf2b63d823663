"""The shapes of the API's success answers, as JSON Schema for the OpenAPI document
(api/openapi.py), by operation (`ANSWERS`). Written out here rather than derived: the handlers
build plain dicts. The fuzz test (tests/api/test_fuzz.py) checks every answer against them, so
they cannot drift; an operation missing here is documented as answering an object.

Required properties are listed with their types; other properties are allowed, so that adding
one is not a breaking change for clients that read the document.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
BOOLEAN: Schema = {"type": "boolean"}
OBJECT: Schema = {"type": "object"}
TIME: Schema = {"type": "string", "format": "date-time"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


def shape(**properties: Schema) -> Schema:
    """An object with every one of `properties` required."""
    return {"type": "object", "required": list(properties), "properties": properties}


def listing(items: Schema) -> Schema:
    return shape(data=array(items))


ALIVE = shape(status={"enum": ["ok"]}, version=STRING)
READY = shape(status={"enum": ["ok", "unavailable"]}, database=BOOLEAN, version=STRING)

DOCUMENT = shape(openapi=STRING, info=OBJECT, paths=OBJECT)

INGESTED = shape(
    received=INTEGER,
    accepted=INTEGER,
    duplicates=INTEGER,
    completed_items=array(shape(user_id=STRING, checklist=STRING, item=STRING)),
)
# The widget's own user: no user_id in what it completed.
WIDGET_INGESTED = {
    **INGESTED,
    "properties": {
        **INGESTED["properties"],
        "completed_items": array(shape(checklist=STRING, item=STRING)),
    },
}

SESSION = shape(
    token=STRING,
    expires_in=INTEGER,
    user=shape(id=STRING, company_id=nullable(STRING), locale=nullable(STRING)),
    workspace=shape(default_locale=STRING, theme=OBJECT),
    revision=INTEGER,
    tours=array(shape(key=STRING, version=INTEGER, steps=array(OBJECT), progress=OBJECT)),
    checklists=array(shape(key=STRING, version=INTEGER, items=array(OBJECT), progress=OBJECT)),
)

USER = shape(
    id=STRING,
    traits=OBJECT,
    locale=nullable(STRING),
    company_ids=array(STRING),
    first_seen_at=nullable(TIME),
    last_seen_at=nullable(TIME),
)

COMPANY = shape(id=STRING, traits=OBJECT, created_at=TIME, updated_at=TIME)

# A tour the user has not started has only its status and current step.
TOUR_PROGRESS = shape(
    key=STRING,
    status={"enum": ["not_started", "in_progress", "dismissed", "completed"]},
    current_step=nullable(STRING),
    steps_seen={"type": "object", "additionalProperties": nullable(TIME)},
)
TOUR_PROGRESS["properties"] |= {
    "version": nullable(INTEGER),
    "started_at": nullable(TIME),
    "completed_at": nullable(TIME),
    "dismissed_at": nullable(TIME),
}

PROGRESS = shape(
    user_id=STRING,
    tours=array(TOUR_PROGRESS),
    checklists=array(
        shape(
            key=STRING,
            completed_items={"type": "object", "additionalProperties": nullable(TIME)},
            completed=INTEGER,
            total=INTEGER,
            completed_at=nullable(TIME),
            survey_answered=BOOLEAN,
        )
    ),
)

EXPORTED = shape(
    format={"const": "shirube.content/1"},
    tours=array(OBJECT),
    checklists=array(OBJECT),
    goals=array(OBJECT),
    resource_centers=array(OBJECT),
)

IMPORTED = shape(
    created=array(STRING),
    updated=array(STRING),
    unchanged=array(STRING),
    published=array(shape(content=STRING, version=INTEGER)),
)

WORKSPACE = shape(
    id=INTEGER,
    name=STRING,
    public_key=STRING,
    secret_key_hint=STRING,
    identity_mode={"enum": ["off", "observe", "enforce"]},
    identity_secret_rotating=BOOLEAN,
    unverified_company_writes=BOOLEAN,
    allowed_origins=array(STRING),
    default_locale=STRING,
    theme=OBJECT,
    content_revision=INTEGER,
)

# `identity_secret` only when a new one was issued (not when a rotation is finished).
ROTATED = {
    **shape(identity_secret_rotating=BOOLEAN),
    "properties": {"identity_secret_rotating": BOOLEAN, "identity_secret": STRING},
}

IDENTITY_STATS = shape(
    identity_mode={"enum": ["off", "observe", "enforce"]},
    days=array(
        shape(
            day={"type": "string", "format": "date"},
            signed=INTEGER,
            unsigned=INTEGER,
            invalid=INTEGER,
        )
    ),
    coverage=nullable({"type": "number", "minimum": 0, "maximum": 1}),
)

CONTENT_SUMMARY = shape(
    key=STRING,
    published_version=nullable(INTEGER),
    latest_version=INTEGER,
    has_unpublished_changes=BOOLEAN,
    draft_revision=INTEGER,
    created_at=TIME,
    updated_at=TIME,
)
CONTENT_ITEM = {
    **CONTENT_SUMMARY,
    "required": [*CONTENT_SUMMARY["required"], "draft"],
    "properties": {**CONTENT_SUMMARY["properties"], "draft": OBJECT},
}
PUBLISHED = shape(key=STRING, version=INTEGER, changed=BOOLEAN)
VERSIONS = listing(
    shape(version=INTEGER, published_at=TIME, restored_from=nullable(INTEGER), live=BOOLEAN)
)
VERSION = shape(key=STRING, version=INTEGER, document=OBJECT)
ROLLED_BACK = shape(key=STRING, version=INTEGER, restored_from=INTEGER)

# By (method, path) as api/openapi.py lists the operations.
ANSWERS: dict[tuple[str, str], Schema] = {
    ("get", "/healthz"): ALIVE,
    ("get", "/readyz"): READY,
    ("get", "/api/v1/openapi.json"): DOCUMENT,
    ("post", "/api/v1/events"): INGESTED,
    ("post", "/api/v1/widget/session"): SESSION,
    ("post", "/api/v1/widget/events"): WIDGET_INGESTED,
    ("get", "/api/v1/users/{user_id}"): USER,
    ("put", "/api/v1/users/{user_id}"): USER,
    ("get", "/api/v1/users/{user_id}/progress"): PROGRESS,
    ("get", "/api/v1/companies/{company_id}"): COMPANY,
    ("put", "/api/v1/companies/{company_id}"): COMPANY,
    ("get", "/api/v1/content/export"): EXPORTED,
    ("post", "/api/v1/content/import"): IMPORTED,
    ("get", "/api/v1/workspace"): WORKSPACE,
    ("patch", "/api/v1/workspace"): WORKSPACE,
    ("post", "/api/v1/workspace/identity-secret/rotate"): ROTATED,
    ("get", "/api/v1/workspace/identity-stats"): IDENTITY_STATS,
}
for _kind in ("tours", "checklists", "goals", "resource_centers"):
    _item = f"/api/v1/{_kind}/{{key}}"
    ANSWERS |= {
        ("get", f"/api/v1/{_kind}"): listing(CONTENT_SUMMARY),
        ("post", f"/api/v1/{_kind}"): CONTENT_ITEM,
        ("get", _item): CONTENT_ITEM,
        ("put", _item): CONTENT_ITEM,
        ("post", _item + "/publish"): PUBLISHED,
        ("post", _item + "/unpublish"): CONTENT_SUMMARY,
        ("get", _item + "/versions"): VERSIONS,
        ("get", _item + "/versions/{version}"): VERSION,
        ("post", _item + "/rollback"): ROLLED_BACK,
    }

WEBHOOK_ENDPOINT = shape(
    id=INTEGER,
    url=STRING,
    description=nullable(STRING),
    kinds=array(STRING),
    enabled=BOOLEAN,
    disabled=nullable(shape(at=TIME, reason=STRING, message=nullable(STRING))),
    failing_since=nullable(TIME),
    secret_rotating=BOOLEAN,
    previous_secret_expires_at=nullable(TIME),
    created_at=TIME,
    updated_at=TIME,
)
# Created or rotated: the secret, shown this once (rotate?finish=true answers without it).
WEBHOOK_WITH_SECRET = {
    **WEBHOOK_ENDPOINT,
    "required": [*WEBHOOK_ENDPOINT["required"], "secret"],
    "properties": {**WEBHOOK_ENDPOINT["properties"], "secret": STRING},
}
WEBHOOK_DELIVERY = shape(
    id=INTEGER,
    webhook_id=STRING,
    kind=STRING,
    state={"enum": ["pending", "succeeded", "failed", "paused"]},
    attempt_count=INTEGER,
    next_attempt_at=nullable(TIME),
    created_at=TIME,
    delivered_at=nullable(TIME),
    last_attempt=nullable(OBJECT),
)
WEBHOOK_DELIVERY_DETAIL = {
    **WEBHOOK_DELIVERY,
    "required": [*WEBHOOK_DELIVERY["required"], "payload", "attempts"],
    "properties": {
        **WEBHOOK_DELIVERY["properties"],
        "payload": shape(type=STRING, timestamp=TIME, data=OBJECT),
        "attempts": array(
            shape(
                number=INTEGER,
                at=TIME,
                status_code=nullable(INTEGER),
                duration_ms=INTEGER,
                error=nullable(STRING),
                response=nullable(STRING),
            )
        ),
    },
}
_hook = "/api/v1/webhooks/{endpoint_id}"
ANSWERS |= {
    ("get", "/api/v1/webhooks"): listing(WEBHOOK_ENDPOINT),
    ("post", "/api/v1/webhooks"): WEBHOOK_WITH_SECRET,
    ("get", _hook): WEBHOOK_ENDPOINT,
    ("patch", _hook): WEBHOOK_ENDPOINT,
    ("post", _hook + "/secret/rotate"): WEBHOOK_ENDPOINT,
    ("get", _hook + "/deliveries"): shape(
        data=array(WEBHOOK_DELIVERY), next_before=nullable(INTEGER)
    ),
    ("get", _hook + "/deliveries/{delivery_id}"): WEBHOOK_DELIVERY_DETAIL,
    ("post", _hook + "/deliveries/{delivery_id}/resend"): WEBHOOK_DELIVERY_DETAIL,
}
_builder = "/api/v1/widget/builder"
ANSWERS |= {
    ("post", _builder + "/draft"): CONTENT_ITEM,
    ("post", _builder + "/save"): CONTENT_ITEM,
}
