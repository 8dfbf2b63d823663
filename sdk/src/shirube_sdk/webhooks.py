"""Verifying the webhooks Shirube sends (Standard Webhooks): `webhook-id`, `webhook-timestamp`
and `webhook-signature` headers; the signature is HMAC-SHA256, with the endpoint's secret, of
`{webhook-id}.{webhook-timestamp}.{body}`, sent as `v1,<base64>` (several, separated by
spaces, while the endpoint's secret is being rotated).

Standard library only (hmac, hashlib, base64, json), like the rest of the SDK.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

from shirube_sdk.errors import ShirubeError

SECRET_PREFIX = "whsec_"
# How far the timestamp may be from this machine's clock, either way: a captured request
# cannot be replayed later than this.
DEFAULT_TOLERANCE_SECONDS = 5 * 60


class WebhookVerificationError(ShirubeError):
    """The request is not a webhook Shirube signed with this secret (or it is too old to
    trust). `reason` is one of `missing_header`, `invalid_timestamp`, `timestamp_too_old`,
    `timestamp_in_future`, `invalid_secret`, `no_matching_signature`, `invalid_payload`.
    Answer such a request with 4xx and ignore it."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _key(secret: str) -> bytes:
    if not isinstance(secret, str) or not secret:
        raise WebhookVerificationError("invalid_secret", "the secret must be a non-empty string")
    encoded = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            "invalid_secret", "the secret is not whsec_ followed by base64"
        ) from None


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    raise WebhookVerificationError("missing_header", f"the request has no {name} header")


def verify_webhook(
    payload: bytes | bytearray | memoryview | str,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    *,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> Any:
    """Check that `payload` (the request's raw body, exactly as received: never a parsed and
    re-encoded copy) with these `headers` was signed with `secret` (the endpoint's
    `whsec_…`, or several secrets while you roll yours over) less than `tolerance` seconds
    from now; return the decoded JSON payload. Raises `WebhookVerificationError` otherwise.

    Deduplicate on the `webhook-id` header: a webhook is delivered at least once, and a retry
    or a resend carries the same id."""
    body = payload.encode("utf-8") if isinstance(payload, str) else bytes(payload)
    message_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp").strip()
    signatures = _header(headers, "webhook-signature")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise WebhookVerificationError(
            "invalid_timestamp", "webhook-timestamp is not a number of seconds"
        )
    current = time.time() if now is None else now
    if int(timestamp) < current - tolerance:
        raise WebhookVerificationError("timestamp_too_old", "webhook-timestamp is too old")
    if int(timestamp) > current + tolerance:
        raise WebhookVerificationError(
            "timestamp_in_future", "webhook-timestamp is too far in the future"
        )
    keys = [_key(secret)] if isinstance(secret, str) else [_key(s) for s in secret]
    if not keys:
        raise WebhookVerificationError("invalid_secret", "no secret given")
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = [base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()) for key in keys]
    matched = False
    for candidate in signatures.split():
        version, _, value = candidate.partition(",")
        if version != "v1":
            continue  # another scheme (v1a: asymmetric), not ours
        sent = value.encode("ascii", errors="replace")
        for wanted in expected:
            # Every comparison is made, in constant time: no early exit tells which failed.
            matched |= hmac.compare_digest(sent, wanted)
    if not matched:
        raise WebhookVerificationError(
            "no_matching_signature", "no signature of the request matches the secret"
        )
    try:
        return json.loads(body)
    except ValueError:
        raise WebhookVerificationError("invalid_payload", "the body is not JSON") from None
