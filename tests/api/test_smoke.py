from __future__ import annotations

from tests.conftest import ORIGIN


def test_flow(client, workspace):
    tour = {"key": "welcome", "name": "Welcome", "steps": [{"id": "s1", "kind": "modal", "title": {"ja": "ようこそ", "en": "Welcome"}}]}
    r = client.post("/api/v1/tours", json=tour, headers=workspace.auth)
    assert r.status_code == 201, r.text
    checklist = {"key": "setup", "title": "Setup", "items": [
        {"id": "import", "title": "Import", "completion": {"type": "event", "event": "employees_imported"}},
        {"id": "tour", "title": "Tour", "completion": {"type": "tour_completed", "tour": "welcome"}},
    ]}
    r = client.post("/api/v1/checklists", json=checklist, headers=workspace.auth)
    assert r.status_code == 201, r.text
    for kind, key in (("tours", "welcome"), ("checklists", "setup")):
        r = client.post(f"/api/v1/{kind}/{key}/publish", headers=workspace.auth)
        assert r.status_code == 200, r.text
    r = client.post("/api/v1/widget/session", json={"public_key": workspace.public_key, "user_id": "u1", "locale": "ja"}, headers={"Origin": ORIGIN})
    assert r.status_code == 200, r.text
    s = r.json()
    print(s)
    assert s["tours"][0]["steps"][0]["title"] == "ようこそ"
    r = client.post("/api/v1/events", json={"events": [{"id": "e1", "name": "employees_imported", "user_id": "u1"}]}, headers=workspace.auth)
    assert r.status_code == 200, r.text
    print(r.json())
    r = client.post("/api/v1/widget/events", json={"token": s["token"], "events": [{"id": "w1", "name": "$tour_completed", "properties": {"tour": "welcome"}}]}, headers={"Origin": ORIGIN})
    assert r.status_code == 200, r.text
    print(r.json())
    r = client.post("/api/v1/widget/session", json={"public_key": workspace.public_key, "user_id": "u1"}, headers={"Origin": ORIGIN})
    print(r.json()["checklists"][0]["progress"])
    assert r.json()["checklists"][0]["progress"]["completed"] == 2
