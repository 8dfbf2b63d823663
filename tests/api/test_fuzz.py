"""Both APIs fuzzed against their own OpenAPI document (schemathesis, in-process over ASGI).

For every operation of `GET /api/v1/openapi.json`, schemathesis generates requests that fit the
document (positive) and requests that break it (negative), sends them to the app with a real
workspace's keys, and checks each answer: no server error; the status, content type, headers and
body are among those documented (errors: the one Error shape); a request that breaks the
document is refused with a 4xx, a 422 naming its fields; an operation that needs the secret key
refuses a request without it; a method the document does not list is a 405. Where the document
says everything the server checks of a request, a request that fits it must also be accepted.

Path parameters are drawn from the seeded tour, checklist, user, company and version as often
as they are generated, so that the fuzzer gets past 404s. Half of the valid widget requests get
the workspace's public key or a live session token; widget requests come from the allowed
Origin half the time, from another one or none otherwise.

Bounded and reproducible: `derandomize=True`, no example database. SHIRUBE_FUZZ_EXAMPLES sets
the examples per operation (default: FULL on SQLite, SMALL on PostgreSQL, which runs the same
code over slower round trips); docs/api.md has the longer run to do by hand.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from schemathesis import Case, CheckContext, GenerationMode, Response
from shirube.api.openapi import build_openapi

from tests.api.helpers import checklist_doc, open_session, publish, tour_doc, tour_item
from tests.conftest import ORIGIN

FULL = 30
SMALL = 15
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, methods in build_openapi()["paths"].items()
    for method in methods
]

# Where the server checks more of a request than the document can say, a request that fits the
# document may still be refused (422): there alone valid requests need not be accepted.
CHECKED_BEYOND_THE_DOCUMENT = {
    "POST /api/v1/events": "properties' size and depth; reserved $ events and their properties",
    "POST /api/v1/widget/events": "properties' size and depth; reserved $ events and their "
    "properties",
    **{
        f"{method} /api/v1/{kind}{item}": "content rules across fields (a tooltip's target, a "
        "robust target's selector syntax, a rule's event, a goal's rule ids, a help centre's entry ids) and references between "
        "tours, checklists, goals and help centres (docs/content-format.md, docs/kpis.md)"
        for kind in ("tours", "checklists", "goals", "resource_centers")
        for method, item in (("POST", ""), ("PUT", "/{key}"))
    },
    "POST /api/v1/content/import": "the content rules of tours, checklists, goals and help centres",
    "GET /api/v1/analytics/activity": "from must not be after to, nor more than 366 days before",
    "PATCH /api/v1/workspace": "allowed_origins are read as URLs (scheme, host, port)",
    **{
        f"{method} /api/v1/webhooks{item}": "the endpoint url is read as a URL (https unless "
        "allowed, no credentials, no invisible characters: docs/webhooks.md)"
        for method, item in (("POST", ""), ("PATCH", "/{endpoint_id}"))
    },
}

# The checks every answer gets (schemathesis's names). positive_data_acceptance is added where
# the document says all the server checks; U+0000, which no string may hold (docs/api.md), is
# then left out of the valid requests.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "ignored_auth",
    "unsupported_method",
    "allow_header_conformance",
]


def examples(engine: str) -> int:
    configured = os.environ.get("SHIRUBE_FUZZ_EXAMPLES")
    if configured:
        return int(configured)
    return FULL if engine == "sqlite" else SMALL


def config(secret_key: str, *, accept_valid: bool) -> schemathesis.Config:
    checks: dict[str, Any] = {"enabled": False}
    for name in CHECKS + (["positive_data_acceptance"] if accept_valid else []):
        checks[name] = {"enabled": True}
    return schemathesis.Config.from_dict(
        {
            "auth": {"openapi": {"secretKey": {"bearer": secret_key}}},
            "checks": checks,
            "generation": {"allow-x00": not accept_valid},
        }
    )


def a_422_names_its_fields(ctx: CheckContext, response: Response, case: Case) -> None:
    """The house rule schemathesis does not know: a refused body says where it is wrong."""
    if response.status_code == 422:
        fields = response.json()["error"]["fields"]
        assert fields and all(field["path"] or field["message"] for field in fields), (
            f"a 422 without the fields it refuses: {response.text}"
        )


@pytest.fixture(scope="module", autouse=True)
def hypothesis_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hypothesis's caches in a temporary directory rather than the work tree."""
    set_hypothesis_home_dir(tmp_path_factory.mktemp("hypothesis"))
    yield
    set_hypothesis_home_dir(None)


def seed(client: Any, workspace: Any) -> dict[str, Any]:
    """A published tour and checklist, a user in a company, and a widget session token."""
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(client, workspace, "checklist", checklist_doc("setup", [tour_item("t", "welcome")]))
    put = client.put("/api/v1/users/u1", json={"company_ids": ["c1"]}, headers=workspace.auth)
    assert put.status_code == 201, put.text
    return {"token": open_session(client, workspace, "u1")["token"]}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_answer_is_documented(app, client, workspace, database_url, operation):
    seeded = seed(client, workspace)
    method, path = operation.split(" ", 1)
    known = {
        "key": "welcome"
        if path.startswith(("/api/v1/tours", "/api/v1/analytics/tours"))
        else "setup",
        "kind": "checklists",
        "user_id": "u1",
        "company_id": "c1",
        "version": 1,
    }
    known = {name: value for name, value in known.items() if f"{{{name}}}" in path}

    def loaded(accept_valid: bool) -> Any:
        schema = schemathesis.openapi.from_asgi(
            "/api/v1/openapi.json",
            app,
            config=config(workspace.secret_key, accept_valid=accept_valid),
        )
        return schema[path][method]

    robust = loaded(accept_valid=False)
    strategies = [
        robust.as_strategy(generation_mode=mode, path_parameters=fixed)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        for fixed in ([None, known] if known else [None])
    ]
    if operation not in CHECKED_BEYOND_THE_DOCUMENT:
        exact = loaded(accept_valid=True)
        strategies += [
            exact.as_strategy(generation_mode=GenerationMode.POSITIVE, path_parameters=fixed)
            for fixed in ([None, known] if known else [None])
        ]
    widget = path.startswith("/api/v1/widget/")

    @settings(
        max_examples=examples(database_url.split(":")[0].split("+")[0]),
        derandomize=True,
        database=None,
        deadline=None,
        # What these say is how costly the document's schemas are to generate (and how busy
        # the machine is), not whether the server is right.
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
    @given(case=st.one_of(strategies), data=st.data())
    def answers_as_documented(case: Case, data: st.DataObject) -> None:
        headers = None
        if widget:
            if (
                case.meta.generation.mode.is_positive
                and isinstance(case.body, dict)
                and data.draw(st.booleans(), "with the workspace's credentials")
            ):
                credentials = {"public_key": workspace.public_key, "token": seeded["token"]}
                case.body.update({k: v for k, v in credentials.items() if k in case.body})
            origin = data.draw(st.sampled_from([ORIGIN, ORIGIN, "https://elsewhere.example", None]))
            headers = {"Origin": origin} if origin else None
        case.call_and_validate(headers=headers, additional_checks=[a_422_names_its_fields])

    answers_as_documented()
