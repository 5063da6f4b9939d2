"""The exposition over several processes' files, and the render timing, without an app."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import REGISTRY, generate_latest

from portal import metrics


def test_an_empty_process_file_is_left_out_rather_than_failing_the_scrape(tmp_path: Path) -> None:
    (tmp_path / "counter_4242.db").touch()  # a process killed between creating its file and sizing it

    assert generate_latest(metrics.exposition_registry(tmp_path)) == b""


def test_a_render_is_timed_as_rendered_or_failed() -> None:
    def count(outcome: str) -> float:
        return REGISTRY.get_sample_value("madoguchi_certificate_render_seconds_count", {"outcome": outcome}) or 0

    rendered, failed = count("rendered"), count("failed")
    with metrics.rendering_timed():
        pass
    with pytest.raises(ValueError), metrics.rendering_timed():
        raise ValueError

    assert (count("rendered"), count("failed")) == (rendered + 1, failed + 1)
