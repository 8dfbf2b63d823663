"""All tables; importing this module registers them on SQLModel.metadata."""

from __future__ import annotations

from sqlmodel import SQLModel

from shirube.models.activity import (
    ChecklistItemProgress,
    CountedEvent,
    CountedName,
    Event,
    IdentityStat,
    SurveyAnswer,
    TourProgress,
    TourStepSeen,
    UserEventCount,
)
from shirube.models.content import ContentItem, ContentVersion
from shirube.models.people import Company, EndUser, Membership
from shirube.models.workspace import Admin, SignInAttempt, Workspace, WorkspaceAdmin

metadata = SQLModel.metadata

__all__ = [
    "Admin",
    "ChecklistItemProgress",
    "Company",
    "ContentItem",
    "ContentVersion",
    "CountedEvent",
    "CountedName",
    "EndUser",
    "Event",
    "IdentityStat",
    "Membership",
    "SignInAttempt",
    "SurveyAnswer",
    "TourProgress",
    "TourStepSeen",
    "UserEventCount",
    "Workspace",
    "WorkspaceAdmin",
    "metadata",
]
