"""What request handlers share: settings, the database, the metrics, and the per-process caches
and hints keyed by stored revisions (published content, users' progress, rows known to
exist)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shirube.observability.metrics import Metrics
from shirube.services.known_rows import KnownRows
from shirube.services.progress_cache import ProgressCache
from shirube.services.published import PublishedCache
from shirube.settings import Settings
from shirube.storage import Database


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    db: Database
    published: PublishedCache
    progress: ProgressCache
    metrics: Metrics
    # Rows this process has seen committed, per database (services/known_rows.py).
    known: KnownRows = field(default_factory=KnownRows)

    @classmethod
    def build(cls, settings: Settings, db: Database) -> AppContext:
        return cls(
            settings=settings,
            db=db,
            published=PublishedCache(settings.content_cache_size),
            progress=ProgressCache(settings.progress_cache_size),
            metrics=Metrics(db),
        )
