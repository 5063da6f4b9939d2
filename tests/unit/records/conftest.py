"""The stub core system for the http backend's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.records.stub_core import StubCore, serve_stub_core


@pytest.fixture
def stub_core() -> Iterator[StubCore]:
    with serve_stub_core() as stub:
        yield stub
