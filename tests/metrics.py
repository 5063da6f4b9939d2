"""Reading what /metrics serves, as Prometheus does (prometheus-client's parser)."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "prometheus-scrapes-with-this-token-0123456789"  # METRICS_TOKEN of the tests' portals and workers
SCRAPE = {"Authorization": f"Bearer {TOKEN}"}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> Samples:
    """Every sample by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    """The sample with exactly these labels; 0 when there is none yet (a counter that never moved)."""
    return found.get((name, frozenset(labels.items())), 0.0)
