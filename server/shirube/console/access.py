"""Which workspaces an admin may see, and with which role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from shirube.models import Workspace, WorkspaceAdmin


@dataclass(frozen=True)
class WorkspaceRole:
    workspace: Workspace
    role: str


def admin_workspaces(session: Session, admin_id: int) -> list[WorkspaceRole]:
    rows = session.exec(
        select(Workspace, WorkspaceAdmin.role)
        .join(WorkspaceAdmin, col(WorkspaceAdmin.workspace_id) == col(Workspace.id))
        .where(WorkspaceAdmin.admin_id == admin_id)
        .order_by(col(Workspace.name), col(Workspace.id))
    ).all()
    return [WorkspaceRole(workspace, role) for workspace, role in rows]


def workspace_role(session: Session, admin_id: int, workspace_id: int) -> WorkspaceRole | None:
    """The workspace if the admin has a role in it; None for a workspace that does not exist
    and for one of someone else's alike, so the answer reveals nothing about other tenants."""
    row = session.exec(
        select(Workspace, WorkspaceAdmin.role)
        .join(WorkspaceAdmin, col(WorkspaceAdmin.workspace_id) == col(Workspace.id))
        .where(WorkspaceAdmin.admin_id == admin_id, col(Workspace.id) == workspace_id)
    ).first()
    return WorkspaceRole(row[0], row[1]) if row is not None else None
