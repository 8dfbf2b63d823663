"""Shirube's server-side SDK: sign identities, render the widget snippet, send users,
companies and events, read progress, import and export content, verify webhooks."""

from __future__ import annotations

__version__ = "0.1.0"

from shirube_sdk.client import Client
from shirube_sdk.errors import (
    ApiError,
    AuthenticationError,
    ClientClosedError,
    FieldError,
    InvalidEventError,
    NetworkError,
    NotFoundError,
    QueueFullError,
    ShirubeError,
    ValidationError,
)
from shirube_sdk.webhooks import WebhookVerificationError, verify_webhook

__all__ = [
    "ApiError",
    "AuthenticationError",
    "Client",
    "ClientClosedError",
    "FieldError",
    "InvalidEventError",
    "NetworkError",
    "NotFoundError",
    "QueueFullError",
    "ShirubeError",
    "ValidationError",
    "WebhookVerificationError",
    "__version__",
    "verify_webhook",
]
