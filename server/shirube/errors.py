"""What can go wrong, in the domain's words: services and content validation raise these and
know nothing of HTTP; the API maps each kind to a status in one place (api/errors.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    path: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}


@dataclass
class DomainError(Exception):
    """A refusal the caller can act on: a stable machine `code` and a human `message`, with
    the fields it concerns (paths like `steps[2].target`)."""

    code: str
    message: str
    fields: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class ValidationFailed(DomainError):
    """Input breaks a rule; `fields` say where."""

    def __init__(self, fields: list[FieldError], message: str | None = None) -> None:
        if message is None:
            first = fields[0]
            message = f"{first.path}: {first.message}" if first.path else first.message
            if len(fields) > 1:
                message += f" (and {len(fields) - 1} more)"
        super().__init__("validation_error", message, fields)


class NotFound(DomainError):
    """Absent, or another workspace's: the same answer, so it tells nothing about others."""

    def __init__(self, what: str = "object") -> None:
        super().__init__("not_found", f"{what} not found")


class Conflict(DomainError):
    """The request contradicts what is stored (a key taken, a tour still in use)."""

    def __init__(self, message: str, fields: list[FieldError] | None = None) -> None:
        super().__init__("conflict", message, fields or [])


class NotAuthenticated(DomainError):
    """The caller is not who it must be: an unknown key, a missing or invalid identity
    token, an expired session."""


class NotAllowed(DomainError):
    """The caller is known but may not do this (an origin the workspace does not allow)."""


class Unavailable(DomainError):
    """Not now: the request could not be served in time (the database busy with a lock held
    elsewhere). Nothing of it was stored; the same request can be sent again after
    `retry_after` seconds."""

    def __init__(self, code: str, message: str, *, retry_after: int = 1) -> None:
        super().__init__(code, message)
        self.retry_after = retry_after
