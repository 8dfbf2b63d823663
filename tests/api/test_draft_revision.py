"""Draft revisions (#14): every draft save moves `draft_revision`; a PUT with
`?draft_revision=N` saves only over revision N (409 otherwise), one without saves as before."""

from __future__ import annotations

from typing import Any

from shirube.services import content_store as store

from tests.api.helpers import assert_error, tour_doc


def _put(client: Any, workspace: Any, doc: dict[str, Any], query: str = "") -> Any:
    return client.put(f"/api/v1/tours/{doc['key']}{query}", json=doc, headers=workspace.auth)


def test_each_save_moves_the_revision_and_a_stale_one_is_refused(client, workspace):
    created = _put(client, workspace, tour_doc("welcome"))
    assert created.status_code == 201
    assert created.json()["draft_revision"] == 1
    again = _put(client, workspace, tour_doc("welcome", ("a",)), "?draft_revision=1")
    assert again.status_code == 200, again.text
    assert again.json()["draft_revision"] == 2
    # A second editor who loaded revision 1 is refused; nothing is overwritten.
    stale = _put(client, workspace, tour_doc("welcome", ("b",)), "?draft_revision=1")
    assert_error(stale, 409, "conflict")
    assert stale.json()["error"]["fields"][0]["path"] == "draft_revision"
    read = client.get("/api/v1/tours/welcome", headers=workspace.auth).json()
    assert [s["id"] for s in read["draft"]["steps"]] == ["a"]
    assert read["draft_revision"] == 2
    # Without the parameter the PUT works as it always did.
    plain = _put(client, workspace, tour_doc("welcome", ("c",)))
    assert plain.status_code == 200
    assert plain.json()["draft_revision"] == 3
    # A stale revision is reported before the document's own errors.
    broken = {**tour_doc("welcome"), "steps": []}
    assert_error(_put(client, workspace, broken, "?draft_revision=1"), 409, "conflict")
    assert_error(
        _put(client, workspace, tour_doc("welcome"), "?draft_revision=x"), 400, "bad_request"
    )


def test_the_store_compares_and_moves_in_one_statement(database, workspace):
    ws = workspace.id

    def work(conn: Any) -> None:
        store.save_draft(conn, ws, "tour", tour_doc("t"))
        item = store.get(conn, ws, "tour", "t")
        assert item.draft_revision == 1
        saved = store.save_draft(
            conn, ws, "tour", tour_doc("t", ("x",)), key="t", expected_revision=1
        )
        assert saved.item.draft_revision == 2
        try:
            store.save_draft(conn, ws, "tour", tour_doc("t", ("y",)), key="t", expected_revision=1)
        except store.StaleDraft as exc:
            assert exc.stored_revision == 2
        else:
            raise AssertionError("a stale save was accepted")

    database.run_sync(work)
