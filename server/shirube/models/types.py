"""Column types shared by the tables."""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

from shirube.timeutil import UTCDateTime

# JSONB on PostgreSQL (indexable, compact); JSON text on SQLite.
JSONType = JSON().with_variant(JSONB(), "postgresql")

__all__ = ["JSONType", "UTCDateTime"]
