"""Content as code through the API: export, import (all or nothing), idempotent re-import."""

from __future__ import annotations

import json
from pathlib import Path

from shirube.storage import tables

from tests.api.helpers import assert_error, count, open_session

EXAMPLE = json.loads(
    (Path(__file__).resolve().parents[2] / "examples" / "kintai-content.json").read_text()
)


def test_import_publishes_and_reimport_changes_nothing(client, workspace):
    first = client.post("/api/v1/content/import", json=EXAMPLE, headers=workspace.auth)
    assert first.status_code == 200, first.text
    assert len(first.json()["created"]) == 5 and len(first.json()["published"]) == 5
    second = client.post("/api/v1/content/import", json=EXAMPLE, headers=workspace.auth).json()
    assert second["published"] == [] and len(second["unchanged"]) == 5
    session = open_session(client, workspace, "u-1", traits={"role": "admin"}, locale="ja")
    assert {c["key"] for c in session["checklists"]} == {"admin-setup"}
    assert session["checklists"][0]["title"] == "はじめてのセットアップ"


def test_export_round_trips_through_import(client, workspace, other_workspace):
    client.post("/api/v1/content/import", json=EXAMPLE, headers=workspace.auth)
    exported = client.get("/api/v1/content/export", headers=workspace.auth).json()
    assert exported["format"] == "shirube.content/1"
    copied = client.post("/api/v1/content/import", json=exported, headers=other_workspace.auth)
    assert copied.status_code == 200
    assert client.get("/api/v1/content/export", headers=other_workspace.auth).json() == exported


def test_import_without_publish_only_updates_drafts(client, workspace):
    response = client.post(
        "/api/v1/content/import?publish=false", json=EXAMPLE, headers=workspace.auth
    )
    assert response.json()["published"] == []
    assert open_session(client, workspace, "u-1", traits={"role": "admin"})["tours"] == []
    assert_error(
        client.post("/api/v1/content/import?publish=maybe", json=EXAMPLE, headers=workspace.auth),
        400,
        "bad_request",
    )


def test_a_bad_document_imports_nothing(client, workspace, database):
    broken = json.loads(json.dumps(EXAMPLE))
    broken["checklists"][0]["items"][0]["action"]["tour"] = "no-such-tour"
    response = client.post("/api/v1/content/import", json=broken, headers=workspace.auth)
    assert_error(response, 422, "validation_error", ["checklists[0].items[0].action.tour"])
    assert count(database, tables.content_item) == 0
    wrong_format = dict(EXAMPLE, format="shirube.content/9")
    assert_error(
        client.post("/api/v1/content/import", json=wrong_format, headers=workspace.auth),
        422,
        "validation_error",
    )


ROBUST_TOUR = {
    "key": "robust",
    "name": "Robust targets",
    "steps": [
        {"id": "plain", "kind": "tooltip", "target": "#import", "title": "Plain"},
        {
            "id": "robust",
            "kind": "hotspot",
            "title": "Robust",
            "target": {
                "css": "#clock-in",
                "fallbacks": [
                    {"by": "testid", "css": "[data-testid=clock-in]"},
                    {"by": "aria", "css": "button,[role=button]", "name": "Clock in"},
                ],
                "text": "Clock in",
            },
        },
    ],
}


def test_robust_targets_round_trip_and_reach_the_widget(client, workspace, other_workspace):
    """Both target forms (#14): imported, exported unchanged, imported again elsewhere, and in
    the session answer as written; a bad strategy refuses the whole document at its path."""
    document = {"format": "shirube.content/1", "tours": [ROBUST_TOUR]}
    assert (
        client.post("/api/v1/content/import", json=document, headers=workspace.auth).status_code
        == 200
    )
    exported = client.get("/api/v1/content/export", headers=workspace.auth).json()
    (tour,) = exported["tours"]
    assert [s["target"] for s in tour["steps"]] == [s["target"] for s in ROBUST_TOUR["steps"]]
    copied = client.post("/api/v1/content/import", json=exported, headers=other_workspace.auth)
    assert copied.status_code == 200
    assert client.get("/api/v1/content/export", headers=other_workspace.auth).json() == exported
    session = open_session(client, workspace, "u-1")
    (served,) = session["tours"]
    assert [s["target"] for s in served["steps"]] == [s["target"] for s in ROBUST_TOUR["steps"]]

    bad = json.loads(json.dumps(document))
    bad["tours"][0]["key"] = "other"
    bad["tours"][0]["steps"][1]["target"]["fallbacks"][0]["by"] = "xpath"
    response = client.post("/api/v1/content/import", json=bad, headers=workspace.auth)
    assert_error(response, 422, "validation_error", ["tours[0].steps[1].target.fallbacks[0].by"])
