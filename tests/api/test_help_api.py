"""Help centres (#15) through the API: the one for the user in the session answer (audience,
locale), references that keep tours in place, the reserved `$help_*` events."""

from __future__ import annotations

from typing import Any

from tests.api.helpers import (
    assert_error,
    open_session,
    post_widget_events,
    publish,
    tour_doc,
    wev,
    widget_send,
)

ARTICLE = {
    "id": "csv",
    "type": "article",
    "title": {"ja": "従業員を CSV で取り込む", "en": "Import employees"},
    "body": {"ja": "**設定** から", "en": "From **Settings**"},
}


def center(key: str, role: str | None = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "key": key,
        "title": {"ja": "ヘルプ", "en": f"Help {key}"},
        "sections": [
            {
                "id": "start",
                "entries": [ARTICLE, {"id": "t", "type": "tour", "title": "T", "tour": "welcome"}],
            }
        ],
        **extra,
    }
    if role is not None:
        doc["audience"] = {"all": [{"attribute": "user.role", "op": "equals", "value": role}]}
    return doc


def test_the_session_carries_the_first_help_centre_whose_audience_takes_the_user(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome", trigger={"type": "manual"}))
    publish(client, workspace, "resource_center", center("a-admins", "admin"))
    publish(client, workspace, "resource_center", center("b-everyone"))

    admin = open_session(client, workspace, "u1", traits={"role": "admin"}, locale="ja")
    assert admin["help"] == {
        "key": "a-admins",
        "title": "ヘルプ",
        "sections": [
            {
                "id": "start",
                "entries": [
                    {
                        "id": "csv",
                        "type": "article",
                        "title": "従業員を CSV で取り込む",
                        "body": "**設定** から",
                    },
                    {"id": "t", "type": "tour", "title": "T", "tour": "welcome"},
                ],
            }
        ],
        "version": 1,
    }
    employee = open_session(client, workspace, "u2", traits={"role": "employee"}, locale="en")
    assert employee["help"]["key"] == "b-everyone"
    assert employee["help"]["sections"][0]["entries"][0]["title"] == "Import employees"


def test_no_help_centre_no_field(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(client, workspace, "resource_center", center("admins", "admin"))
    assert "help" not in open_session(client, workspace, "u1", traits={"role": "x"})


def test_a_tour_in_a_help_centre_cannot_go(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(client, workspace, "resource_center", center("help"))
    response = client.post("/api/v1/tours/welcome/unpublish", headers=workspace.auth)
    assert response.status_code == 409, response.text
    assert "resource_center help" in response.json()["error"]["message"]
    response = client.delete("/api/v1/tours/welcome", headers=workspace.auth)
    assert response.status_code == 409, response.text


def test_bad_help_centres_are_refused_naming_the_field(client, workspace):
    doc = center("help")
    doc["sections"][0]["entries"][1]["tour"] = "missing"
    response = client.post("/api/v1/resource_centers", json=doc, headers=workspace.auth)
    assert_error(response, 422, "validation_error", ["sections[0].entries[1].tour"])


def test_help_events_are_checked_and_stored(client, workspace):
    publish(client, workspace, "tour", tour_doc("welcome"))
    publish(client, workspace, "resource_center", center("help"))
    searched = {"center": "help", "query": "従業員", "matched": True, "results": 1}
    session = open_session(client, workspace, "u1")
    widget_send(
        client,
        session["token"],
        [
            wev("e1", "$help_opened", properties={"center": "help"}),
            wev("e2", "$help_article_opened", properties={"center": "help", "article": "csv"}),
            wev("e3", "$help_searched", properties=searched),
        ],
    )
    bad = {"center": "help", "query": "x", "matched": "yes"}
    response = post_widget_events(
        client, session["token"], [wev("e4", "$help_searched", properties=bad)]
    )
    assert_error(response, 422, "validation_error", ["events[0].properties.matched"])
