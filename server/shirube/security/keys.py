"""Workspace keys: a public key for the snippet, a secret key for host backends, an identity
secret for signing user identity. Secret keys are stored only as a hash and shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PUBLIC_PREFIX = "pk_"
SECRET_PREFIX = "sk_"
IDENTITY_PREFIX = "idsec_"


def new_public_key() -> str:
    return PUBLIC_PREFIX + secrets.token_urlsafe(18)


def new_secret_key() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def new_identity_secret() -> str:
    return IDENTITY_PREFIX + secrets.token_urlsafe(32)


def hash_secret_key(secret_key: str) -> str:
    # 256 bits of randomness: a slow password hash would add nothing but latency on every call.
    return hashlib.sha256(secret_key.encode()).hexdigest()


def secret_key_hint(secret_key: str) -> str:
    return f"{SECRET_PREFIX}…{secret_key[-4:]}"


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
