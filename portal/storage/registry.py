"""The explicit registry of storage implementations: ``ATTACHMENT_STORAGE`` names one.

Implementations register themselves from their modules (:mod:`portal.storage.local`,
:mod:`portal.storage.s3`), which are imported on first use so that reading the configuration does not load
boto3. The chosen storage is built once at start and handed to whoever stores or reads attachments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.storage.base import Storage


@dataclass(frozen=True)
class StorageConfig:
    """The configured storage; each implementation reads the keys it needs."""

    backend: str
    directory: Path  # local
    bucket: str = ""  # s3
    prefix: str = ""  # s3: "" or ending in "/"
    endpoint_url: str | None = None  # s3: an S3-compatible service; None is AWS itself


Factory = Callable[[StorageConfig], "Storage"]

_FACTORIES: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Register ``factory(config) -> Storage`` under ``name``; twice is a programming error."""

    def add(factory: Factory) -> Factory:
        if name in _FACTORIES:
            raise ValueError(f"storage {name!r} is already registered")
        _FACTORIES[name] = factory
        return factory

    return add


def storage_names() -> frozenset[str]:
    _load_builtin_storages()
    return frozenset(_FACTORIES)


def build_storage(config: StorageConfig) -> Storage:
    """The configured storage; KeyError names an unknown one and the known ones."""
    _load_builtin_storages()
    try:
        factory = _FACTORIES[config.backend]
    except KeyError:
        raise KeyError(f"unknown storage {config.backend!r}; known storages: {', '.join(sorted(_FACTORIES))}") from None
    return factory(config)


def _load_builtin_storages() -> None:
    from portal.storage import local, s3  # noqa: F401  (they register themselves)
