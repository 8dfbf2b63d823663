"""Tours and checklists: an editable draft plus immutable, numbered published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from shirube.models.types import JSONType, UTCDateTime
from shirube.timeutil import utcnow

CONTENT_KINDS = ("tour", "checklist")


class ContentItem(SQLModel, table=True):
    __tablename__ = "content_item"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    workspace_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    kind: str = Field(max_length=16)
    key: str = Field(max_length=64)
    draft: dict[str, Any] = Field(sa_type=JSONType)
    # The version end users see; None while unpublished.
    published_version: int | None = Field(default=None)
    # Highest version number ever used, so numbers are never reused after a rollback.
    latest_version: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ContentVersion(SQLModel, table=True):
    __tablename__ = "content_version"
    __table_args__ = (UniqueConstraint("content_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    content_id: int = Field(
        sa_column=Column(Integer, ForeignKey("content_item.id", ondelete="CASCADE"), nullable=False)
    )
    version: int
    document: dict[str, Any] = Field(sa_type=JSONType)
    published_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Set when this version republishes an earlier one (a rollback).
    restored_from: int | None = Field(default=None)
