"""Helpers for the console tests, which run the real app in-process (the `client` fixture of
tests/conftest.py, API included, so tests seed through it): admins, signing in through the form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from shirube.console import auth
from shirube.services.admins import create_admin
from shirube.storage import Database
from starlette.testclient import TestClient

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_admin(
    database: Database, email: str, roles: dict[int, str] | None = None, password: str = PASSWORD
) -> int:
    admin_id: int | None = database.run_sync(
        lambda conn: create_admin(conn, email, password, roles).id
    )
    assert admin_id is not None
    return admin_id


def csrf_from(client: TestClient, path: str = "/console/login") -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    token = csrf_from(client)
    return client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": token},
        follow_redirects=False,
    )


def signed_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Signs `client` in; the CSRF token of the new session, for the console's forms."""
    assert sign_in(client, email, password).status_code == 303
    return csrf_from(client, "/console/")


def as_role(client: TestClient, database: Database, workspace_id: int, role: str) -> str:
    """Signs `client` in as a new admin `<role>@example.com` holding `role` in the workspace;
    the CSRF token of the session."""
    make_admin(database, f"{role}@example.com", {workspace_id: role})
    return signed_in(client, f"{role}@example.com")


def post_form(client: TestClient, path: str, token: str, **fields: Any) -> Any:
    """A console form posted with the session's CSRF token; the redirect is not followed."""
    return client.post(path, data={"csrf_token": token, **fields}, follow_redirects=False)


@pytest.fixture
def password_checks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(password, stored hash) of every password check the sign-in makes."""
    checked: list[tuple[str, str]] = []
    real = auth.verify_password

    def spy(password: str, stored: str) -> bool:
        checked.append((password, stored))
        return real(password, stored)

    monkeypatch.setattr(auth, "verify_password", spy)
    return checked


# The KPI queries' stand-in, for the dashboard's tests (tests/console/kpi_fake.py).
from tests.console.kpi_fake import fake_kpis  # noqa: E402, F401
