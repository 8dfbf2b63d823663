"""Webhook signatures as Standard Webhooks defines them (docs/webhooks.md): a secret per endpoint,
`whsec_` and the base64 of random bytes; HMAC-SHA256 of `{id}.{timestamp}.{body}` with the
decoded secret; the header `webhook-signature: v1,<base64>`, one signature per live secret,
separated by spaces (two during a rotation)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

SECRET_PREFIX = "whsec_"
# The spec asks for 24 to 64 bytes; 32 is a SHA-256 block's worth of key.
SECRET_BYTES = 32
SIGNATURE_VERSION = "v1"


def new_webhook_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key_bytes(secret: str) -> bytes:
    """The key a secret stands for (the prefix is optional, as the spec's libraries allow)."""
    encoded = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    return base64.b64decode(encoded, validate=True)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One signature, `v1,<base64>`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key_bytes(secret), signed, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_header(
    secrets_in_use: Iterable[str], message_id: str, timestamp: int, body: bytes
) -> str:
    """The `webhook-signature` value: a signature by each live secret, newest first."""
    return " ".join(sign(secret, message_id, timestamp, body) for secret in secrets_in_use)


def webhook_headers(
    secrets_in_use: Iterable[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_in_use, message_id, timestamp, body),
    }
