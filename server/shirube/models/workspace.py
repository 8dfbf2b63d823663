"""Workspaces, their admins and admin roles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from shirube.models.types import JSONType, UTCDateTime
from shirube.timeutil import utcnow

IDENTITY_MODES = ("off", "observe", "enforce")
ADMIN_ROLES = ("owner", "editor", "viewer")


class Workspace(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    public_key: str = Field(max_length=64, unique=True, index=True)
    # sha256 of the secret key: keys are 256-bit random, so a fast hash is enough to look them up.
    secret_key_hash: str = Field(max_length=64, unique=True, index=True)
    secret_key_hint: str = Field(max_length=16)
    identity_secret: str = Field(max_length=128)
    # Kept valid next to the new secret while host backends roll over to it.
    identity_secret_previous: str | None = Field(default=None, max_length=128)
    identity_mode: str = Field(default="off", max_length=16)
    allowed_origins: list[str] = Field(default_factory=list, sa_type=JSONType)
    default_locale: str = Field(default="en", max_length=35)
    theme: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # Bumped by every publish, rollback or delete: caches of published content key on it.
    content_revision: int = Field(default=0)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Admin(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    password_hash: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Part of every console session's fingerprint: sign-out moves it on, ending them all.
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class WorkspaceAdmin(SQLModel, table=True):
    __tablename__ = "workspace_admin"

    workspace_id: int = Field(
        sa_column=Column(Integer, ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True)
    )
    admin_id: int = Field(
        sa_column=Column(Integer, ForeignKey("admin.id", ondelete="CASCADE"), primary_key=True)
    )
    role: str = Field(max_length=16)


class SignInAttempt(SQLModel, table=True):
    """A console sign-in under way or failed, in the last minutes (console/throttle.py)."""

    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_email", "email", "at"),
        Index("ix_sign_in_attempt_address", "address", "at"),
        Index("ix_sign_in_attempt_at", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320)
    address: str = Field(max_length=64)
    at: datetime = Field(sa_type=UTCDateTime)
