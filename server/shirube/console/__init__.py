"""The admin console: server-rendered HTML pages under /console for the admins that
`shirube admin create` makes (sign-in, the workspaces an admin has a role in, each
workspace's setup, content and onboarding figures). Read-only for now."""

from shirube.console.mount import CONSOLE_PATH, console_mount

__all__ = ["CONSOLE_PATH", "console_mount"]
