"""What request handlers share: settings, the database, the metrics, the per-process caches and
hints keyed by stored revisions (published content, users' progress, rows known to exist), and
what webhooks need (where they may go, the worker's doorbell)."""

from __future__ import annotations

from dataclasses import dataclass, field

from shirube.observability.metrics import Metrics
from shirube.security.outbound import OutboundRules, parse_networks
from shirube.services.known_rows import KnownRows
from shirube.services.progress_cache import ProgressCache
from shirube.services.published import PublishedCache
from shirube.services.webhook_worker import Doorbell
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
    # Where webhooks may be sent (the operator's settings).
    outbound: OutboundRules = field(default_factory=OutboundRules)
    # Wakes this process's webhook worker when a batch has put messages in the outbox.
    webhook_bell: Doorbell = field(default_factory=Doorbell)

    @classmethod
    def build(cls, settings: Settings, db: Database) -> AppContext:
        return cls(
            settings=settings,
            db=db,
            published=PublishedCache(settings.content_cache_size),
            progress=ProgressCache(settings.progress_cache_size),
            metrics=Metrics(db),
            outbound=OutboundRules(
                allow_http=settings.webhook_allow_http,
                allowed_networks=parse_networks(",".join(settings.webhook_allow_networks)),
            ),
        )
