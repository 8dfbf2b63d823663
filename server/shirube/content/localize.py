"""What the widget receives: content with every text resolved to one locale and defaults filled in.

The widget never sees audiences (targeting is decided on the server) nor a tour's internal
name, and never has to know a default value.
"""

from __future__ import annotations

from typing import Any

from shirube.content.checklist import ChecklistDoc, ChecklistItem
from shirube.content.resource_center import ResourceCenterDoc
from shirube.content.target import target_json
from shirube.content.text import Text
from shirube.content.tour import Step, TourDoc


def _normalize(locale: str) -> str:
    # Browsers and SDKs send "en-US", "en_us" or "EN"; stored codes are compared the same way.
    return locale.replace("_", "-").lower()


def resolve_text(text: Text, locale: str | None, default_locale: str) -> str:
    """Pick one string: the locale, its language, the default locale, its language, the first."""
    if isinstance(text, str):
        return text
    by_code = {_normalize(code): value for code, value in text.items()}
    for wanted in (locale, default_locale):
        if not wanted:
            continue
        code = _normalize(wanted)
        if code in by_code:
            return by_code[code]
        language = code.partition("-")[0]
        if language in by_code:
            return by_code[language]
    return next(iter(text.values()))


class _Resolver:
    def __init__(self, locale: str | None, default_locale: str) -> None:
        self.locale = locale
        self.default_locale = default_locale

    def put(self, out: dict[str, Any], name: str, text: Text | None) -> None:
        if text is not None:
            out[name] = resolve_text(text, self.locale, self.default_locale)


def _step(step: Step, r: _Resolver) -> dict[str, Any]:
    out: dict[str, Any] = {"id": step.id, "kind": step.kind}
    if step.target is not None:
        out["target"] = target_json(step.target)
    out["placement"] = step.placement
    if step.page is not None:
        out["page"] = step.page
    r.put(out, "title", step.title)
    r.put(out, "body", step.body)
    out["advance"] = step.advance.model_dump(mode="json", exclude_none=True)
    if step.cta is not None:
        cta: dict[str, Any] = {}
        r.put(cta, "label", step.cta.label)
        cta["url"] = step.cta.url
        out["cta"] = cta
    out["if_missing"] = step.if_missing
    out["wait_ms"] = step.wait_ms
    return out


def localize_tour(tour: TourDoc, locale: str | None, default_locale: str) -> dict[str, Any]:
    r = _Resolver(locale, default_locale)
    return {
        "key": tour.key,
        "trigger": tour.trigger.model_dump(mode="json", exclude_none=True),
        "pages": list(tour.pages),
        "frequency": tour.frequency,
        "steps": [_step(step, r) for step in tour.steps],
    }


def _item(item: ChecklistItem, r: _Resolver) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item.id}
    r.put(out, "title", item.title)
    r.put(out, "description", item.description)
    if item.action is not None:
        out["action"] = item.action.model_dump(mode="json", exclude_none=True)
    out["completion"] = item.completion.model_dump(mode="json", exclude_none=True)
    r.put(out, "success_message", item.success_message)
    return out


def localize_checklist(
    checklist: ChecklistDoc, locale: str | None, default_locale: str
) -> dict[str, Any]:
    r = _Resolver(locale, default_locale)
    out: dict[str, Any] = {"key": checklist.key}
    r.put(out, "title", checklist.title)
    r.put(out, "description", checklist.description)
    out["items"] = [_item(item, r) for item in checklist.items]
    r.put(out, "completion_message", checklist.completion_message)
    if checklist.survey is not None:
        survey: dict[str, Any] = {}
        r.put(survey, "question", checklist.survey.question)
        r.put(survey, "comment_label", checklist.survey.comment_label)
        out["survey"] = survey
    return out


def localize_resource_center(
    center: ResourceCenterDoc, locale: str | None, default_locale: str
) -> dict[str, Any]:
    r = _Resolver(locale, default_locale)
    out: dict[str, Any] = {"key": center.key}
    r.put(out, "title", center.title)
    sections = []
    for section in center.sections:
        entries = []
        for entry in section.entries:
            part: dict[str, Any] = {"id": entry.id, "type": entry.type}
            r.put(part, "title", entry.title)
            r.put(part, "body", entry.body)
            for name in ("url", "tour", "checklist"):
                if getattr(entry, name) is not None:
                    part[name] = getattr(entry, name)
            entries.append(part)
        localized: dict[str, Any] = {"id": section.id}
        r.put(localized, "title", section.title)
        localized["entries"] = entries
        sections.append(localized)
    out["sections"] = sections
    if center.contact is not None:
        contact: dict[str, Any] = {}
        r.put(contact, "label", center.contact.label)
        contact["url"] = center.contact.url
        out["contact"] = contact
    return out
