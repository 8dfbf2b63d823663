"""An application with its metrics served (`SHIRUBE_METRICS_TOKEN` set), on each engine."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from shirube.app import create_app
from shirube.settings import Settings
from shirube.storage import Database
from starlette.testclient import TestClient

TOKEN = "metrics-token-" + "m" * 20
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def metrics_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, metrics_token=TOKEN)


@pytest.fixture
def app(metrics_settings: Settings, database: Database) -> Any:
    return create_app(metrics_settings, database)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def scrape(client: TestClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of `/metrics`, parsed by prometheus_client's own parser: name -> sorted
    labels -> value."""
    response = client.get("/metrics", headers=BEARER)
    assert response.status_code == 200, response.text
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return float(samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0))
