"""The analytics API: authentication, workspaces kept apart, refused parameters named, JSON
figures and the same rows as CSV (tests/services/kpi_rows.onboarding)."""

from __future__ import annotations

import csv
import io

import pytest
from shirube.csv_export import cell, csv_bytes

from tests.services.kpi_rows import KpiRows, onboarding

A = "/api/v1/analytics"


@pytest.fixture
def seeded(database, workspace):
    onboarding(KpiRows(database, workspace.id))
    return workspace


def _csv(response) -> list[dict[str, str]]:
    assert response.headers["content-type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_needs_the_secret_key(client, seeded):
    assert client.get(A + "/objectives").status_code == 401
    bad = {"Authorization": "Bearer sk_nope"}
    assert client.get(A + "/checklists/setup/summary", headers=bad).status_code == 401


def test_objectives_and_summary(client, seeded):
    listed = client.get(A + "/objectives", headers=seeded.auth).json()["data"]
    assert [(o["kind"], o["key"]) for o in listed] == [("checklist", "setup"), ("tour", "welcome")]
    s = client.get(A + "/checklists/setup/summary", headers=seeded.auth).json()
    assert (s["audience"], s["completed"], s["never_started"]) == (5, 3, 1)
    assert s["p90_seconds"] == 864000.0
    admins = client.get(
        A + "/checklists/setup/summary?user[role]=admin&first_seen_to=2099-12-31",
        headers=seeded.auth,
    ).json()
    assert admins["audience"] == 3


def test_other_workspaces_see_nothing(client, seeded, other_workspace):
    assert client.get(A + "/objectives", headers=other_workspace.auth).json() == {"data": []}
    response = client.get(A + "/checklists/setup/summary", headers=other_workspace.auth)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("first_seen_from=2026-13-01", "first_seen_from"),
        ("first_seen_to=yesterday", "first_seen_to"),
        ("page=0", "page"),
        ("sort=size", "sort"),
        ("order=up", "order"),
        ("user[]=x", "user[]"),
        ("user.role=admin", "user.role"),
        ("format=xml", "format"),
        ("q=", "q"),
    ],
)
def test_bad_parameters_are_named(client, seeded, query, named):
    response = client.get(f"{A}/checklists/setup/companies?{query}", headers=seeded.auth)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["fields"][0]["path"] == named


def test_required_and_unknown_objectives(client, seeded):
    response = client.get(A + "/feature-usage", headers=seeded.auth)
    assert response.status_code == 400 and "events" in response.text
    assert client.get(A + "/widgets/setup/summary", headers=seeded.auth).status_code == 404
    assert client.get(A + "/tours/nope/funnel", headers=seeded.auth).status_code == 404


def test_companies_csv_matches_json(client, seeded):
    url = A + "/checklists/setup/companies?sort=name&order=asc"
    data = client.get(url, headers=seeded.auth).json()["data"]
    rows = _csv(client.get(url + "&format=csv", headers=seeded.auth))
    assert [r["company_id"] for r in rows] == [d["company_id"] for d in data]
    # "=Bobco" is written as text, not as a formula.
    assert rows[0]["name"] == "'=Bobco" and data[0]["name"] == "=Bobco"
    assert rows[1]["name"] == "Acme 勤怠"
    assert rows[1]["median_seconds"] == "864000.0" and rows[1]["onboarded"] == "false"
    by_accept = client.get(url, headers={**seeded.auth, "Accept": "text/csv"})
    assert _csv(by_accept) == rows


@pytest.mark.parametrize(
    "path",
    [
        "/objectives",
        "/checklists/setup/cohorts",
        "/checklists/setup/items",
        "/checklists/setup/stuck-users?days=7",
        "/checklists/setup/stuck-companies?days=2",
        "/tours/welcome/funnel",
        "/feature-usage?events=shift.created,$tour_dismissed",
        "/activity?period=week",
        "/backfills",
    ],
)
def test_every_table_as_csv(client, seeded, path):
    joined = "&" if "?" in path else "?"
    data = client.get(A + path, headers=seeded.auth).json()["data"]
    rows = _csv(client.get(A + path + joined + "format=csv", headers=seeded.auth))
    assert len(rows) == len(data)


def test_stuck_users_contacts_flattened_in_csv(client, seeded):
    rows = _csv(
        client.get(A + "/checklists/setup/stuck-users?days=7&format=csv", headers=seeded.auth)
    )
    assert [(r["user_id"], r.get("contact.name", "")) for r in rows] == [("u2", ""), ("u4", "Yui")]


def test_csv_cells_are_safe():
    assert [cell(v) for v in ("=1+1", "+81", "-x", "@SUM", "\tx", "ok", -3, 1.5, None, True)] == [
        "'=1+1",
        "'+81",
        "'-x",
        "'@SUM",
        "'\tx",
        "ok",
        "-3",
        "1.5",
        "",
        "true",
    ]
    assert csv_bytes([{"a": 1, "b": {"c": "x"}}]).decode("utf-8") == "\ufeffa,b.c\r\n1,x\r\n"
