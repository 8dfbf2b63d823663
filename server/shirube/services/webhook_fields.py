"""What a webhook endpoint may be: its URL (by the operator's outbound rules, security/
outbound.py), the kinds it receives (services/webhook_kinds.py), its description. Shared by the
server API and the console, which report the problems by field."""

from __future__ import annotations

import unicodedata

from shirube.errors import FieldError, ValidationFailed
from shirube.security.outbound import OutboundRefused, OutboundRules
from shirube.services.webhook_kinds import in_declared_order, kind_problem

DESCRIPTION_MAX = 200


def checked_url(url: str, rules: OutboundRules) -> str:
    try:
        return rules.check_url(url)
    except OutboundRefused as exc:
        raise ValidationFailed([FieldError("url", str(exc))]) from None


def checked_kinds(kinds: list[str]) -> list[str]:
    problems = [
        FieldError(f"kinds[{index}]", problem)
        for index, name in enumerate(kinds)
        if (problem := kind_problem(name)) is not None
    ]
    if problems:
        raise ValidationFailed(problems)
    if not kinds:
        raise ValidationFailed([FieldError("kinds", "name at least one kind")])
    return in_declared_order(kinds)


def checked_description(description: str | None) -> str | None:
    if description is None or not description.strip():
        return None
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(
            [FieldError("description", f"must be at most {DESCRIPTION_MAX} characters")]
        )
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in description):
        raise ValidationFailed(
            [FieldError("description", "must not contain control or formatting characters")]
        )
    return description.strip()
