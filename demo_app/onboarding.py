"""Kintai Cloud's side of Shirube: the widget snippet on every page and server-side events."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from markupsafe import Markup
from shirube_sdk import Client

from demo_app.db import Company, User
from demo_app.seed import PastEvent, company_traits
from demo_app.settings import DemoSettings

log = logging.getLogger("demo_app.onboarding")
# A page never waits longer than this for Shirube; the widget's polling catches up later.
FLUSH_WAIT_SECONDS = 3.0


class Onboarding:
    def __init__(self, settings: DemoSettings) -> None:
        self.public_key = settings.public_key
        self.client = Client(
            settings.shirube_url,
            settings.secret_key,
            identity_secret=settings.identity_secret or None,
        )

    def snippet(self, user: User, company: Company, locale: str) -> Markup:
        """The SDK escapes every value it writes into the HTML, so it is safe as Markup."""
        html = self.client.snippet(
            self.public_key,
            user.id,
            # Name and e-mail: the dashboard's stuck users come with whom to contact.
            traits={
                "role": user.role,
                "name": user.name,
                "email": user.email,
                "signed_up_at": user.created_at[:10],
            },
            company={"id": company.id, "traits": company_traits(company)},
            locale=locale,
        )
        return Markup(html)

    async def event(self, user: User, name: str, properties: dict[str, Any] | None = None) -> None:
        """Record that something real happened. `track` only queues; the flush makes the page
        the user lands on next already show the checklist item done. Flushing runs in a thread
        because Shirube may share this process's event loop (the launcher runs both)."""
        self.client.track(user.id, name, properties, company_id=user.company_id)
        delivered = await asyncio.to_thread(self.client.flush, FLUSH_WAIT_SECONDS)
        if not delivered:
            log.warning("Shirube did not acknowledge %s in time; it will be sent later", name)

    def replay(self, past: list[PastEvent]) -> None:
        for event in past:
            self.client.track(
                event.user.id, event.name, event.properties, company_id=event.user.company_id
            )

    async def close(self) -> None:
        await asyncio.to_thread(self.client.shutdown, FLUSH_WAIT_SECONDS)
