"""End users, companies and who belongs to which company (keyed by the host's external ids)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Field, SQLModel

from shirube.models.types import JSONType, UTCDateTime
from shirube.timeutil import utcnow


class EndUser(SQLModel, table=True):
    __tablename__ = "end_user"

    workspace_id: int = Field(primary_key=True)
    external_id: str = Field(primary_key=True, max_length=255)
    traits: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    locale: str | None = Field(default=None, max_length=35)
    first_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Moved on with every change to what a session shows of this user's progress
    # (services/progress_cache.py).
    progress_rev: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Company(SQLModel, table=True):
    workspace_id: int = Field(primary_key=True)
    external_id: str = Field(primary_key=True, max_length=255)
    traits: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    workspace_id: int = Field(primary_key=True)
    user_id: str = Field(primary_key=True, max_length=255)
    company_id: str = Field(primary_key=True, max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
