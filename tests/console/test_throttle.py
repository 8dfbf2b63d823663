"""Sign-in throttling (console/throttle.py): too many attempts per email and address, per
address or per email get a 429 before any password is checked; old attempts fall out of the
window; a successful sign-in clears its failures."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from shirube.services import sign_in_throttle as throttle
from shirube.storage import Database, tables
from shirube.timeutil import utcnow
from sqlalchemy import bindparam, select
from starlette.testclient import TestClient

from tests.console.conftest import PASSWORD, make_admin, sign_in

EMAIL = "ops@example.com"
# The address the in-process client connects from.
HERE = "testclient"


@pytest.fixture
def other_client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, client=("203.0.113.7", 4000)) as client:
        yield client


def _attempts(database: Database, email: str, address: str, count: int, age: timedelta) -> None:
    at = utcnow() - age
    rows = [{"email": email, "address": address, "at": at}] * count
    add = tables.sign_in_attempt.insert().values(
        email=bindparam("email"), address=bindparam("address"), at=bindparam("at")
    )
    database.run_sync(lambda conn: conn.many(add, rows))


def _stored(database: Database) -> list[tuple[str, str]]:
    rows = database.run_sync(lambda conn: conn.all(select(tables.sign_in_attempt)))
    return sorted((row.email, row.address) for row in rows)


def test_the_sixth_attempt_is_refused_before_the_password_is_checked(
    client: TestClient, database: Database, password_checks: list[tuple[str, str]]
) -> None:
    make_admin(database, EMAIL)
    for n in range(throttle.PER_EMAIL_AND_ADDRESS):
        assert sign_in(client, EMAIL, f"guess {n}").status_code == 400
    refused = sign_in(client, EMAIL)  # even the right password
    assert refused.status_code == 429
    assert "Too many sign-in attempts. Try again in 15 minutes." in refused.text
    assert 14 * 60 < int(refused.headers["retry-after"]) <= 15 * 60
    assert PASSWORD not in [password for password, _ in password_checks]
    assert len(password_checks) == throttle.PER_EMAIL_AND_ADDRESS
    # The refused attempt is not kept: hammering a locked account does not keep it locked.
    assert len(_stored(database)) == throttle.PER_EMAIL_AND_ADDRESS


def test_unknown_emails_are_throttled_alike(client: TestClient, database: Database) -> None:
    for n in range(throttle.PER_EMAIL_AND_ADDRESS):
        assert sign_in(client, "nobody@example.com", f"guess {n}").status_code == 400
    assert sign_in(client, "nobody@example.com").status_code == 429


def test_another_address_may_still_sign_in(
    client: TestClient, other_client: TestClient, database: Database
) -> None:
    make_admin(database, EMAIL)
    _attempts(database, EMAIL, HERE, throttle.PER_EMAIL_AND_ADDRESS, timedelta(minutes=1))
    assert sign_in(client, EMAIL).status_code == 429
    assert sign_in(other_client, EMAIL).status_code == 303


def test_attempts_older_than_the_window_do_not_count(
    client: TestClient, database: Database
) -> None:
    make_admin(database, EMAIL)
    _attempts(database, EMAIL, HERE, 50, throttle.WINDOW + timedelta(seconds=5))
    assert sign_in(client, EMAIL).status_code == 303
    # and are cleared away by the next attempt
    assert _stored(database) == []


def test_the_wait_ends_when_the_oldest_attempt_leaves_the_window(
    client: TestClient, database: Database
) -> None:
    make_admin(database, EMAIL)
    _attempts(database, EMAIL, HERE, throttle.PER_EMAIL_AND_ADDRESS, timedelta(minutes=14))
    refused = sign_in(client, EMAIL)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "Try again in 1 minute." in refused.text


def test_a_successful_sign_in_clears_its_failures(
    client: TestClient, other_client: TestClient, database: Database
) -> None:
    make_admin(database, EMAIL)
    for n in range(throttle.PER_EMAIL_AND_ADDRESS - 1):
        assert sign_in(client, EMAIL, f"guess {n}").status_code == 400
    assert sign_in(other_client, EMAIL, "typo").status_code == 400
    assert sign_in(client, EMAIL).status_code == 303
    # Only the failures of this email from this address.
    assert _stored(database) == [(EMAIL, "203.0.113.7")]


def test_one_address_trying_many_accounts_is_refused(
    client: TestClient, database: Database
) -> None:
    make_admin(database, EMAIL)
    for n in range(throttle.PER_ADDRESS):
        _attempts(database, f"user{n}@example.com", HERE, 1, timedelta(minutes=1))
    assert sign_in(client, EMAIL).status_code == 429


def test_many_addresses_on_one_account_are_not_refused_for_it(
    client: TestClient, database: Database
) -> None:
    """No limit per email alone: anyone could lock an admin out from everywhere with it."""
    make_admin(database, EMAIL)
    for n in range(200):
        _attempts(database, EMAIL, f"198.51.100.{n}", 1, timedelta(minutes=1))
    assert sign_in(client, EMAIL).status_code == 303


def test_an_ipv6_host_counts_by_its_64_block(app: Any, database: Database) -> None:
    make_admin(database, EMAIL)
    for n, host in enumerate(["2001:db8:0:1::1", "2001:db8:0:1::2", "2001:db8:0:1:ffff::9"] * 2):
        with TestClient(app, raise_server_exceptions=False, client=(host, 4000)) as client:
            expected = 400 if n < throttle.PER_EMAIL_AND_ADDRESS else 429
            assert sign_in(client, EMAIL, f"guess {n}").status_code == expected
    with TestClient(app, raise_server_exceptions=False, client=("2001:db8:0:2::1", 1)) as client:
        assert sign_in(client, EMAIL).status_code == 303


@pytest.mark.parametrize(
    ("host", "counted_as"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8::1", "2001:db8::/64"),
        ("2001:DB8:0:0:abcd::1", "2001:db8::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("testclient", "testclient"),
        ("", ""),
    ],
)
def test_client_address(host: str, counted_as: str) -> None:
    assert throttle.client_address(host) == counted_as


def test_an_email_too_long_to_store_is_throttled_by_its_first_characters(
    client: TestClient, database: Database
) -> None:
    long_email = "a" * 400 + "@example.com"
    assert sign_in(client, long_email, "guess").status_code == 400
    assert _stored(database) == [(long_email[:320], HERE)]
