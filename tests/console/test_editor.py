"""The content editor's routes (#14), on both engines: a tour and a checklist created and
edited through the form, row operations, validation errors next to their field (in Japanese
too), draft revision conflicts (form and autosave), viewers read only (403 on every POST),
CSRF refused, user text inert."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.console.conftest import CSRF, make_admin, sign_in
from tests.console.editor_forms import form_fields

EDITOR = "editor@example.com"
VIEWER = "viewer@example.com"
AUTOSAVE = {"X-Shirube-Autosave": "1"}


def _signed_in(client: TestClient, database: Any, workspace: Any, role: str = "editor") -> str:
    email = EDITOR if role == "editor" else VIEWER
    make_admin(database, email, {workspace.id: role})
    assert sign_in(client, email).status_code == 303
    return f"/console/workspaces/{workspace.id}"


def _token(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found is not None
    return found.group(1)


def _create(client: TestClient, base: str, plural: str, key: str, name: str) -> Any:
    token = _token(client, f"{base}/{plural}/new")
    return client.post(
        f"{base}/{plural}/new",
        data={"csrf_token": token, "key": key, "name": name},
        follow_redirects=False,
    )


def _fields(client: TestClient, path: str) -> dict[str, str]:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return form_fields(page.text)


def test_a_tour_is_created_and_edited_through_the_form(client, database, workspace):
    base = _signed_in(client, database, workspace)
    created = _create(client, base, "tours", "welcome", "Welcome <b>tour</b>")
    assert created.status_code == 303
    assert created.headers["location"] == f"{base}/tours/welcome"
    fields = _fields(client, f"{base}/tours/welcome")
    assert fields["name"] == "Welcome <b>tour</b>"
    fields.update(
        {
            "steps.0.title.ja": "ようこそ",
            "steps.0.title.en": "Welcome",
            "steps.0.body.en": "<img src=x onerror=alert(1)>",
            "trigger.type": "auto",
            "pages": "/employees\n/employees/*",
            "op": "add",
        }
    )
    added = client.post(f"{base}/tours/welcome", data=fields, follow_redirects=False)
    assert added.status_code == 303, added.text
    assert added.headers["location"].endswith("?focus=steps-1-edit")
    fields = _fields(client, f"{base}/tours/welcome")
    fields.update({"steps.1.kind": "tooltip", "steps.1.target": "#import", "op": "up:1"})
    moved = client.post(f"{base}/tours/welcome", data=fields, follow_redirects=False)
    assert moved.headers["location"].endswith("?focus=steps-0-up")
    draft = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()
    assert [s["kind"] for s in draft["draft"]["steps"]] == ["tooltip", "modal"]
    assert draft["draft"]["steps"][1]["title"] == {"ja": "ようこそ", "en": "Welcome"}
    assert draft["draft"]["pages"] == ["/employees", "/employees/*"]
    assert draft["draft_revision"] == 3
    page = client.get(f"{base}/tours/welcome?focus=steps-0-up").text
    assert 'id="steps-0-up" data-row-op="up" autofocus' in page
    # User text is inert wherever it is shown.
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    listed = client.get(f"{base}/tours").text
    assert "Welcome &lt;b&gt;tour&lt;/b&gt;" in listed and 'data-unpublished="yes"' in listed
    assert 'data-unpublished="yes"' in page
    assert client.post("/api/v1/tours/welcome/publish", headers=workspace.auth).status_code == 200
    assert 'data-unpublished="no"' in client.get(f"{base}/tours").text
    assert 'data-unpublished="no" hidden' in client.get(f"{base}/tours/welcome").text


def test_errors_are_shown_next_to_their_field_in_the_admins_language(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "tours", "welcome", "Welcome")
    fields = _fields(client, f"{base}/tours/welcome")
    fields.update({"steps.0.kind": "tooltip", "steps.0.wait_ms": "soon"})
    refused = client.post(f"{base}/tours/welcome", data=fields)
    assert refused.status_code == 422
    assert (
        'data-errors-for="steps.0.target" id="err-steps-0-target"><p class="error">'
        "is required when kind is &#39;tooltip&#39;</p>" in refused.text
    )
    assert 'data-errors-for="steps.0.wait_ms"' in refused.text
    # What was typed stays in the form.
    assert 'value="soon"' in refused.text
    client.cookies.set("shirube_console_lang", "ja")
    japanese = client.post(f"{base}/tours/welcome", data=fields)
    assert "種類が &#39;tooltip&#39; のときは必須です" in japanese.text
    assert "整数を入力してください" in japanese.text
    # Autosave gets the same as JSON.
    saved = client.post(f"{base}/tours/welcome", data=fields, headers=AUTOSAVE)
    assert saved.status_code == 422
    by_field = {e["field"]: e["messages"] for e in saved.json()["errors"]}
    assert set(by_field) == {"steps.0.target", "steps.0.wait_ms"}


def test_a_stale_save_is_refused_never_written_over(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "tours", "welcome", "Welcome")
    first = _fields(client, f"{base}/tours/welcome")
    second = dict(first)
    first["name"] = "First editor"
    done = client.post(f"{base}/tours/welcome", data=first, headers=AUTOSAVE)
    assert done.status_code == 200 and done.json() == {
        "saved": True,
        "conflict": False,
        "draft_revision": 2,
        "unpublished_changes": True,
        "errors": [],
    }
    second["name"] = "Second editor"
    stale = client.post(f"{base}/tours/welcome", data=second, headers=AUTOSAVE)
    assert stale.status_code == 409 and stale.json()["conflict"] is True
    page = client.post(f"{base}/tours/welcome", data=second)
    assert page.status_code == 409
    assert 'id="editor-conflict" class="conflict" role="alert">' in page.text
    # Even an invalid stale form is a conflict first.
    second["name"] = ""
    assert client.post(f"{base}/tours/welcome", data=second).status_code == 409
    draft = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()
    assert draft["draft"]["name"] == "First editor"


def test_a_checklist_item_starts_a_tour_and_waits_for_an_event(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "tours", "welcome", "Welcome")
    assert _create(client, base, "checklists", "setup", "Setup").status_code == 303
    fields = _fields(client, f"{base}/checklists/setup")
    assert '<option value="welcome">Welcome</option>' in client.get(f"{base}/checklists/setup").text
    fields.update(
        {
            "items.0.action.type": "tour",
            "items.0.action.tour": "welcome",
            "items.0.completion.type": "event",
            "items.0.completion.event": "",
            "survey.question.en": "How was it?",
            "audience.mode": "all",
            "audience.0.scope": "user",
            "audience.0.trait": "role",
            "audience.0.op": "in",
            "audience.0.value": "admin, hr",
        }
    )
    refused = client.post(f"{base}/checklists/setup", data=fields)
    assert refused.status_code == 422
    assert 'data-errors-for="items.0.completion.event" id="err-items-0-completion-event"><p' in (
        refused.text
    )
    fields["items.0.completion.event"] = "employees.imported"
    fields["items.0.completion.min_count"] = "2"
    saved = client.post(f"{base}/checklists/setup", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    draft = client.get("/api/v1/checklists/setup", headers=workspace.auth).json()["draft"]
    assert draft["items"][0]["action"] == {"type": "tour", "tour": "welcome"}
    assert draft["items"][0]["completion"] == {
        "type": "event",
        "event": "employees.imported",
        "min_count": 2,
    }
    assert draft["audience"] == {
        "all": [{"attribute": "user.role", "op": "in", "value": ["admin", "hr"]}]
    }
    assert draft["survey"] == {"question": {"en": "How was it?"}}


def test_viewers_read_and_every_post_is_refused(client, database, workspace):
    base = _signed_in(client, database, workspace, role="viewer")
    client.put(
        "/api/v1/tours/welcome",
        json={"key": "welcome", "name": "W", "steps": [{"id": "a", "kind": "modal", "title": "x"}]},
        headers=workspace.auth,
    )
    page = client.get(f"{base}/tours/welcome")
    assert page.status_code == 200 and '<fieldset class="plain" disabled>' in page.text
    assert 'id="content-new"' not in client.get(f"{base}/tours").text
    fields = form_fields(page.text)
    fields["name"] = "Changed"
    assert client.post(f"{base}/tours/welcome", data=fields).status_code == 403
    assert client.post(f"{base}/tours/welcome", data=fields, headers=AUTOSAVE).status_code == 403
    token = fields["csrf_token"]
    new = {"csrf_token": token, "key": "other", "name": "Other"}
    assert client.post(f"{base}/tours/new", data=new).status_code == 403
    assert client.post(f"{base}/checklists/new", data=new).status_code == 403
    assert (
        client.post(f"{base}/tours/welcome/delete", data={"csrf_token": token}).status_code == 403
    )
    draft = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()["draft"]
    assert draft["name"] == "W"


def test_forms_and_scripts_without_the_csrf_token_are_refused(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "tours", "welcome", "Welcome")
    fields = _fields(client, f"{base}/tours/welcome")
    token = fields.pop("csrf_token")
    assert client.post(f"{base}/tours/welcome", data=fields).status_code == 403
    assert client.post(f"{base}/tours/new", data={"key": "x", "name": "X"}).status_code == 403
    # The scripts' header is accepted in place of the field.
    with_header = client.post(
        f"{base}/tours/welcome", data=fields, headers={**AUTOSAVE, "X-CSRF-Token": token}
    )
    assert with_header.status_code == 200
    count = f"{base}/audience/count"
    assert client.post(count, json={"audience": None}).status_code == 403
    assert (
        client.post(count, json={"audience": None}, headers={"X-CSRF-Token": "nope"}).status_code
        == 403
    )
    assert (
        client.post(count, json={"audience": None}, headers={"X-CSRF-Token": token}).status_code
        == 200
    )


def test_new_refuses_a_taken_or_invalid_key_next_to_the_field(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "tours", "welcome", "Welcome")
    taken = _create(client, base, "tours", "welcome", "Again")
    assert taken.status_code == 422
    assert 'id="err-key"><p class="error">already exists</p>' in taken.text
    bad = _create(client, base, "tours", "Not A Key", "X")
    assert bad.status_code == 422 and 'id="err-key"><p class="error">' in bad.text
    blank = _create(client, base, "checklists", "c1", "  ")
    assert blank.status_code == 422 and 'id="err-name"><p class="error">' in blank.text


def test_the_language_control_sets_the_console_language(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "tours", "welcome", "Welcome")
    assert "<h1>Tours" in client.get(f"{base}/tours").text
    assert "<h1>ツアー" in client.get(f"{base}/tours", headers={"Accept-Language": "ja"}).text
    token = _token(client, f"{base}/tours")
    chosen = client.post(
        "/console/language",
        data={"csrf_token": token, "lang": "ja", "next": f"{base}/tours"},
        follow_redirects=False,
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == f"{base}/tours"
    assert (
        f'name="next" value="{base}/tours/welcome?focus=steps-0-up"'
        in client.get(f"{base}/tours/welcome?focus=steps-0-up").text
    )
    assert "<h1>ツアー" in client.get(f"{base}/tours").text
    elsewhere = client.post(
        "/console/language",
        data={"csrf_token": token, "lang": "en", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/console/"
    assert client.post("/console/language", data={"lang": "en"}).status_code == 403


def _seed_people(client: TestClient, workspace: Any, prefix: str, roles: list[str]) -> None:
    plan = client.put(
        f"/api/v1/companies/{prefix}-co", json={"traits": {"plan": "pro"}}, headers=workspace.auth
    )
    assert plan.status_code in (200, 201), plan.text
    for n, role in enumerate(roles):
        user = f"{prefix}-{n}"
        answer = client.put(
            f"/api/v1/users/{user}",
            json={
                "traits": {"role": role, f"{prefix}_only": "<script>x</script>"},
                **({"company_ids": [f"{prefix}-co"]} if n == 0 else {}),
            },
            headers=workspace.auth,
        )
        assert answer.status_code in (200, 201), answer.text
    events = [
        {"id": f"{prefix}-e{n}", "name": f"{prefix}.done", "user_id": f"{prefix}-0"}
        for n in range(3)
    ]
    sent = client.post("/api/v1/events", json={"events": events}, headers=workspace.auth)
    assert sent.status_code in (200, 202), sent.text


def test_suggestions_and_counts_stay_in_their_workspace(
    client, database, workspace, other_workspace
):
    _seed_people(client, workspace, "a", ["admin", "admin", "member"])
    _seed_people(client, other_workspace, "b", ["admin"])
    base = _signed_in(client, database, workspace)
    events = client.get(f"{base}/suggest/events")
    assert events.status_code == 200 and events.json() == {"events": ["a.done"]}
    traits = client.get(f"{base}/suggest/traits").json()
    by_name = {t["name"]: t["values"] for t in traits["user"]}
    assert set(by_name) == {"role", "a_only"}
    assert by_name["role"] == ["admin", "member"]
    # The other workspace's pages are not this admin's: 404, the same as absent.
    other = f"/console/workspaces/{other_workspace.id}"
    assert client.get(f"{other}/suggest/events").status_code == 404
    assert client.get(f"{other}/suggest/traits").status_code == 404
    token = _token(client, f"{base}/tours")
    audience = {"all": [{"attribute": "user.role", "op": "equals", "value": "admin"}]}
    counted = client.post(
        f"{base}/audience/count", json={"audience": audience}, headers={"X-CSRF-Token": token}
    )
    assert counted.status_code == 200, counted.text
    assert counted.json() == {"matched": 2, "seen": 3, "sampled": 3, "exact": True, "days": 30}
    pro = {"all": [{"attribute": "company.plan", "op": "equals", "value": "pro"}]}
    in_pro = client.post(
        f"{base}/audience/count", json={"audience": pro}, headers={"X-CSRF-Token": token}
    )
    assert in_pro.json()["matched"] == 1
    assert client.get(f"{base}/suggest/traits").json()["company"] == [
        {"name": "plan", "values": ["pro"]}
    ]
    everyone = client.post(
        f"{base}/audience/count", json={"audience": None}, headers={"X-CSRF-Token": token}
    )
    assert everyone.json()["matched"] == 3
    bad = client.post(
        f"{base}/audience/count",
        json={"audience": {"all": [{"attribute": "role", "op": "equals", "value": "x"}]}},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "audience.0.trait"
    assert (
        client.post(
            f"{other}/audience/count", json={"audience": None}, headers={"X-CSRF-Token": token}
        ).status_code
        == 404
    )


def _example(name: str) -> dict[str, Any]:
    """A full example of docs/content-format.md (every field the format has)."""
    import json
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "content-format.md").read_text()
    blocks = re.findall(r"```json\n(.*?)```", text, re.DOTALL)
    found = [json.loads(b) for b in blocks if f'"key": "{name}"' in b.split("\n", 2)[1]]
    assert found, name
    doc: dict[str, Any] = found[0]
    return doc


def test_every_field_of_the_format_survives_the_form_unchanged(client, database, workspace):
    base = _signed_in(client, database, workspace)
    tour = _example("import-employees")
    tour["steps"][0]["title"]["pt-BR"] = "Importe sua equipe"  # a third language is kept
    tour["audience"]["all"].append({"attribute": "user.seats", "op": "gt", "value": 3})
    tour["audience"]["all"].append({"attribute": "user.invited", "op": "exists", "value": False})
    welcome = {
        "key": "welcome",
        "name": "Welcome",
        "steps": [{"id": "hello", "kind": "modal", "title": "Welcome"}],
    }
    for doc in (tour, welcome):
        answer = client.put(f"/api/v1/tours/{doc['key']}", json=doc, headers=workspace.auth)
        assert answer.status_code == 201, answer.text
    checklist = _example("setup")
    checklist["items"][1]["completion"]["where"] = {"seats": {"gte": 3}}
    checklist["items"][1]["completion"]["within_days"] = 14
    answer = client.put("/api/v1/checklists/setup", json=checklist, headers=workspace.auth)
    assert answer.status_code == 201, answer.text
    for plural, key in (("tours", "import-employees"), ("checklists", "setup")):
        before = client.get(f"/api/v1/{plural}/{key}", headers=workspace.auth).json()
        fields = _fields(client, f"{base}/{plural}/{key}")
        saved = client.post(f"{base}/{plural}/{key}", data=fields, headers=AUTOSAVE)
        assert saved.status_code == 200, saved.text
        after = client.get(f"/api/v1/{plural}/{key}", headers=workspace.auth).json()
        assert after["draft"] == before["draft"]
        assert after["draft_revision"] == before["draft_revision"] + 1


def test_a_nested_audience_is_edited_as_json(client, database, workspace):
    base = _signed_in(client, database, workspace)
    doc = _example("import-employees")
    doc["audience"] = {
        "any": [
            {"attribute": "user.role", "op": "equals", "value": "admin"},
            {"all": [{"attribute": "company.plan", "op": "equals", "value": "pro"}]},
        ]
    }
    client.put("/api/v1/tours/import-employees", json=doc, headers=workspace.auth)
    fields = _fields(client, f"{base}/tours/import-employees")
    assert '"company.plan"' in fields["audience.json"]
    fields["audience.json"] = '{"any": [}'
    refused = client.post(f"{base}/tours/import-employees", data=fields, headers=AUTOSAVE)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "audience", "messages": ["is not valid JSON"]}]


def test_labels_have_the_same_keys_in_both_languages() -> None:
    from shirube.console.editor_labels import EDITOR
    from shirube.console.labels import CHROME

    assert set(EDITOR["en"]) == set(EDITOR["ja"])
    assert set(CHROME["en"]) == set(CHROME["ja"])


def test_a_tour_in_use_is_not_deleted_and_a_free_one_is(client, database, workspace):
    base = _signed_in(client, database, workspace)
    _create(client, base, "tours", "welcome", "Welcome")
    _create(client, base, "tours", "spare", "Spare")
    _create(client, base, "checklists", "setup", "Setup")
    fields = _fields(client, f"{base}/checklists/setup")
    fields.update({"items.0.action.type": "tour", "items.0.action.tour": "welcome"})
    assert client.post(f"{base}/checklists/setup", data=fields, headers=AUTOSAVE).status_code == 200
    token = fields["csrf_token"]
    used = client.post(f"{base}/tours/welcome/delete", data={"csrf_token": token})
    assert used.status_code == 409 and "checklist setup" in used.text
    gone = client.post(
        f"{base}/tours/spare/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303 and gone.headers["location"] == f"{base}/tours"
    assert client.get(f"{base}/tours/spare").status_code == 404
    assert client.post(f"{base}/tours/welcome/delete", data={}).status_code == 403


def test_a_script_body_nested_past_the_json_limit_is_a_400(client, database, workspace):
    """json.loads raises RecursionError, not ValueError, past ~1,000 levels of brackets."""
    base = _signed_in(client, database, workspace)
    token = _token(client, f"{base}/tours")
    answer = client.post(
        f"{base}/audience/count",
        content=b'{"audience":' + b"[" * 20_000,
        headers={"X-CSRF-Token": token, "Content-Type": "application/json"},
    )
    assert answer.status_code == 400


def test_console_edits_are_audited_as_the_admin(client, database, workspace):
    """Creating, saving and deleting content in the console's editor are the admin's changes
    in the audit log, not the server API key's."""
    from shirube.services import audit

    base = _signed_in(client, database, workspace)
    assert _create(client, base, "tours", "welcome", "Welcome").status_code == 303
    fields = _fields(client, f"{base}/tours/welcome")
    fields["name"] = "Welcome again"
    assert client.post(f"{base}/tours/welcome", data=fields, follow_redirects=False).is_redirect
    token = _token(client, f"{base}/tours/welcome")
    deleted = client.post(
        f"{base}/tours/welcome/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert deleted.status_code == 303, deleted.text
    page = database.run_sync(lambda conn: audit.entries(conn, workspace.id, limit=10))
    found = [(e.action, e.actor) for e in reversed(page.entries) if e.subject_kind == "tour"]
    assert found == [
        ("created", EDITOR),
        ("draft_saved", EDITOR),
        ("deleted", EDITOR),
    ], found
