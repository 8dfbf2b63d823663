"""The goal editor (#13): a goal ("onboarding complete") created and edited in the console
like a checklist, on both engines: its rules with the rule fields checklists use (no manual
rule), ALL or ANY, the company rule, errors next to their field in the admin's language, every
field of docs/kpis.md's example kept through the form, viewers read only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.console.conftest import make_admin, sign_in
from tests.console.test_editor import AUTOSAVE, _create, _fields, _signed_in, _token


def _draft(client: Any, workspace: Any, key: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/goals/{key}", headers=workspace.auth)
    assert answer.status_code == 200, answer.text
    draft: dict[str, Any] = answer.json()["draft"]
    return draft


def test_a_goal_is_created_and_edited_through_the_form(client, database, workspace):
    base = _signed_in(client, database, workspace)
    listing = client.get(f"{base}/goals")
    assert listing.status_code == 200 and 'id="content-new"' in listing.text
    assert 'data-link="goals"' in client.get(base).text
    created = _create(client, base, "goals", "admin-onboarded", "Admin onboarded")
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"{base}/goals/admin-onboarded"
    # It starts valid: one rule, an hour of use in the first 14 days.
    assert _draft(client, workspace, "admin-onboarded")["rules"] == [
        {"id": "rule-1", "rule": {"type": "active_time", "minutes": 60, "within_days": 14}}
    ]
    page = client.get(f"{base}/goals/admin-onboarded").text
    assert 'value="manual"' not in page  # a goal cannot use a manual rule
    fields = _fields(client, f"{base}/goals/admin-onboarded")
    fields.update(
        {
            "op": "add",
            "rules.0.title.en": "Invited a manager",
            "rules.0.rule.type": "event",
            "rules.0.rule.event": "member_invited",
            "rules.0.rule.where": '{"role": "manager"}',
            "rules.0.rule.min_count": "2",
            "match": "any",
            "company.type": "share",
            "company.percent": "80",
            "audience.mode": "all",
            "audience.0.scope": "user",
            "audience.0.trait": "role",
            "audience.0.op": "equals",
            "audience.0.value": "admin",
        }
    )
    added = client.post(f"{base}/goals/admin-onboarded", data=fields, follow_redirects=False)
    assert added.status_code == 303, added.text
    assert added.headers["location"].endswith("?focus=rules-1-edit")
    draft = _draft(client, workspace, "admin-onboarded")
    assert draft["match"] == "any"
    assert draft["company"] == {"type": "share", "percent": 80}
    assert draft["audience"] == {
        "all": [{"attribute": "user.role", "op": "equals", "value": "admin"}]
    }
    assert draft["rules"] == [
        {
            "id": "rule-1",
            "title": {"en": "Invited a manager"},
            "rule": {
                "type": "event",
                "event": "member_invited",
                "where": {"role": "manager"},
                "min_count": 2,
                "within_days": 14,  # the field the active time rule had filled in
            },
        },
        {"id": "rule-2", "rule": {"type": "active_time", "minutes": 60, "within_days": 14}},
    ]
    # Every admin of a company, instead of a share; the second rule deleted.
    fields = _fields(client, f"{base}/goals/admin-onboarded")
    fields.update({"op": "del:1", "company.type": "role", "company.value": "admin"})
    assert client.post(f"{base}/goals/admin-onboarded", data=fields).status_code == 200
    draft = _draft(client, workspace, "admin-onboarded")
    assert draft["company"] == {"type": "role", "trait": "role", "value": "admin"}
    assert [rule["id"] for rule in draft["rules"]] == ["rule-1"]
    # Published from the editor's page: the dashboard offers it.
    token = _token(client, f"{base}/goals/admin-onboarded")
    published = client.post(
        f"{base}/goals/admin-onboarded/publish",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert published.status_code == 303, published.text
    answer = client.get("/api/v1/goals/admin-onboarded", headers=workspace.auth).json()
    assert answer["published_version"] == 1


def test_errors_are_shown_next_to_their_field_in_japanese(client, database, workspace):
    base = _signed_in(client, database, workspace)
    client.headers["Accept-Language"] = "ja"
    _create(client, base, "goals", "setup-done", "初期設定の完了")
    page = client.get(f"{base}/goals/setup-done")
    assert "ゴール" in page.text and "ルールを追加" in page.text
    fields = _fields(client, f"{base}/goals/setup-done")
    fields.update(
        {
            "rules.0.rule.type": "tour_completed",
            "rules.0.rule.tour": "no-such-tour",
            "company.type": "share",
            "company.percent": "0",
        }
    )
    refused = client.post(f"{base}/goals/setup-done", data=fields, headers=AUTOSAVE)
    assert refused.status_code == 422
    by_field = {error["field"]: error["messages"] for error in refused.json()["errors"]}
    assert set(by_field) == {"rules.0.rule.tour", "company.percent"}, by_field
    shown = client.post(f"{base}/goals/setup-done", data=fields)
    assert 'data-errors-for="company.percent" id="err-company-percent"><p' in shown.text
    assert _draft(client, workspace, "setup-done")["rules"][0]["rule"]["type"] == "active_time"


def _kpis_example() -> dict[str, Any]:
    text = (Path(__file__).parents[2] / "docs" / "kpis.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, re.DOTALL)
    found = [json.loads(b) for b in blocks if '"key": "admin-onboarded"' in b]
    assert found
    doc: dict[str, Any] = found[0]
    return doc


def test_every_field_of_the_goal_format_survives_the_form_unchanged(client, database, workspace):
    base = _signed_in(client, database, workspace)
    goal = _kpis_example()
    goal["description"] = {"ja": "説明", "en": "What it means", "pt-BR": "Significado"}
    goal["rules"][0]["title"] = "Imported"  # a plain string stays one
    goal["rules"].append(
        {"id": "hour", "rule": {"type": "active_time", "minutes": 90, "within_days": 7}}
    )
    # Spaces are part of a value (kept as typed).
    goal["company"] = {"type": "role", "trait": "position", "value": " owner "}
    answer = client.put(f"/api/v1/goals/{goal['key']}", json=goal, headers=workspace.auth)
    assert answer.status_code == 201, answer.text
    before = _draft(client, workspace, goal["key"])
    fields = _fields(client, f"{base}/goals/{goal['key']}")
    saved = client.post(f"{base}/goals/{goal['key']}", data=fields, headers=AUTOSAVE)
    assert saved.status_code == 200, saved.text
    assert _draft(client, workspace, goal["key"]) == before


def test_viewers_read_goals_and_cannot_change_them(client, database, workspace):
    goal = _kpis_example()
    client.put(f"/api/v1/goals/{goal['key']}", json=goal, headers=workspace.auth)
    make_admin(database, "viewer@example.com", {workspace.id: "viewer"})
    assert sign_in(client, "viewer@example.com").status_code == 303
    base = f"/console/workspaces/{workspace.id}"
    page = client.get(f"{base}/goals/{goal['key']}")
    assert page.status_code == 200 and '<fieldset class="plain" disabled>' in page.text
    fields = _fields(client, f"{base}/goals/{goal['key']}")
    assert client.post(f"{base}/goals/{goal['key']}", data=fields).status_code == 403
    token = _token(client, f"{base}/goals")
    for path in (f"{base}/goals/new", f"{base}/goals/{goal['key']}/delete"):
        assert client.post(path, data={"csrf_token": token, "key": "x"}).status_code == 403


def test_a_goal_is_deleted_from_the_console(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "goals", "gone", "Gone")
    token = _token(client, f"{base}/goals/gone")
    deleted = client.post(f"{base}/goals/gone/delete", data={"csrf_token": token})
    assert deleted.status_code == 200
    assert client.get("/api/v1/goals/gone", headers=workspace.auth).status_code == 404
