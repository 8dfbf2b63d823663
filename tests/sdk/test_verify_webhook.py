"""`verify_webhook`: the Standard Webhooks test vector, the server's own signatures (two during
a rotation), and every way a request fails, each with its reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from shirube.security.webhook_signing import new_webhook_secret, sign, webhook_headers
from shirube_sdk import ShirubeError, WebhookVerificationError, verify_webhook

# The test vector of the Standard Webhooks reference libraries (standard-webhooks/
# standard-webhooks, libraries/*/tests): this secret, id, timestamp and payload sign to this.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_PAYLOAD = '{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def vector_headers(signature: str = VECTOR_SIGNATURE) -> dict[str, str]:
    return {
        "webhook-id": VECTOR_ID,
        "webhook-timestamp": str(VECTOR_TIMESTAMP),
        "webhook-signature": signature,
    }


def test_the_specs_vector_verifies_and_the_server_signs_it_the_same() -> None:
    for secret in (VECTOR_SECRET, VECTOR_SECRET.removeprefix("whsec_")):
        payload = verify_webhook(VECTOR_PAYLOAD, vector_headers(), secret, now=VECTOR_TIMESTAMP)
        assert payload == {"test": 2432232314}
    signed = sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_PAYLOAD.encode())
    assert signed == VECTOR_SIGNATURE


def test_a_server_signature_verifies_with_either_live_secret_during_a_rotation() -> None:
    old, new = new_webhook_secret(), new_webhook_secret()
    body = json.dumps({"type": "tour.completed", "data": {"user_id": "u1"}}).encode()
    headers = webhook_headers([new, old], "msg_abc", 1_700_000_000, body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new, [new], ["whsec_" + base64.b64encode(b"x" * 32).decode(), old]):
        assert verify_webhook(body, headers, secret, now=1_700_000_100)["data"]["user_id"] == "u1"
    with pytest.raises(WebhookVerificationError) as refused:
        verify_webhook(body, headers, new_webhook_secret(), now=1_700_000_100)
    assert refused.value.reason == "no_matching_signature"


def test_the_payload_may_be_bytes_text_or_a_view_and_headers_any_case() -> None:
    headers = {key.title(): value for key, value in vector_headers().items()}
    for payload in (VECTOR_PAYLOAD, VECTOR_PAYLOAD.encode(), memoryview(VECTOR_PAYLOAD.encode())):
        assert (
            verify_webhook(payload, headers, VECTOR_SECRET, now=VECTOR_TIMESTAMP)["test"]
            == 2432232314
        )


def test_other_schemes_and_wrong_signatures_beside_a_right_one_are_ignored() -> None:
    signature = " ".join(
        [
            "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==",
            VECTOR_SIGNATURE,
            "garbage",
        ]
    )
    assert verify_webhook(
        VECTOR_PAYLOAD, vector_headers(signature), VECTOR_SECRET, now=VECTOR_TIMESTAMP
    )


def _reason(
    payload: Any, headers: dict[str, str], secret: Any = VECTOR_SECRET, **kwargs: Any
) -> str:
    with pytest.raises(WebhookVerificationError) as refused:
        verify_webhook(payload, headers, secret, **kwargs)
    assert isinstance(refused.value, ShirubeError)
    return refused.value.reason


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_refused(missing: str) -> None:
    headers = {k: v for k, v in vector_headers().items() if k != missing}
    assert _reason(VECTOR_PAYLOAD, headers, now=VECTOR_TIMESTAMP) == "missing_header"


def test_timestamps_outside_the_tolerance_are_refused() -> None:
    payload, headers = VECTOR_PAYLOAD, vector_headers()
    assert _reason(payload, headers, now=VECTOR_TIMESTAMP + 301) == "timestamp_too_old"
    assert _reason(payload, headers, now=VECTOR_TIMESTAMP - 301) == "timestamp_in_future"
    assert verify_webhook(payload, headers, VECTOR_SECRET, now=VECTOR_TIMESTAMP + 300)
    assert verify_webhook(
        payload, headers, VECTOR_SECRET, now=VECTOR_TIMESTAMP + 3000, tolerance=3600
    )
    for bad in ("hello", "-5", "1.5", "", "１６１４２６５３３０"):
        headers = {**vector_headers(), "webhook-timestamp": bad}
        assert _reason(payload, headers, now=VECTOR_TIMESTAMP) == "invalid_timestamp"


def test_a_changed_body_id_or_timestamp_breaks_the_signature() -> None:
    now = VECTOR_TIMESTAMP
    assert _reason(VECTOR_PAYLOAD + " ", vector_headers(), now=now) == "no_matching_signature"
    assert (
        _reason(VECTOR_PAYLOAD, {**vector_headers(), "webhook-id": "msg_other"}, now=now)
        == "no_matching_signature"
    )
    moved = {**vector_headers(), "webhook-timestamp": str(now + 1)}
    assert _reason(VECTOR_PAYLOAD, moved, now=now) == "no_matching_signature"
    assert _reason(
        VECTOR_PAYLOAD, vector_headers(), "whsec_" + base64.b64encode(b"k" * 24).decode(), now=now
    ) == ("no_matching_signature")


def test_a_malformed_secret_or_body_is_said_so() -> None:
    now = VECTOR_TIMESTAMP
    secrets: list[Any] = ["", "whsec_not base64!", []]
    for secret in secrets:
        assert _reason(VECTOR_PAYLOAD, vector_headers(), secret, now=now) == "invalid_secret"
    body = b"not json"
    key = base64.b64decode(VECTOR_SECRET.removeprefix("whsec_"))
    digest = hmac.new(key, f"{VECTOR_ID}.{now}.".encode() + body, hashlib.sha256).digest()
    signature = "v1," + base64.b64encode(digest).decode()
    assert _reason(body, vector_headers(signature), now=now) == "invalid_payload"
