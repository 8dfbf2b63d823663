"""What request handlers share: settings, the database and the caches keyed by stored
revisions (published content, users' progress)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from shirube.db import Database
from shirube.services.progress_cache import ProgressCache
from shirube.services.published import PublishedCache
from shirube.settings import Settings


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    db: Database
    published: PublishedCache
    progress: ProgressCache


def get_context(request: Request) -> AppContext:
    context = request.app.state.shirube
    assert isinstance(context, AppContext), "create_app() must build the application"
    return context
