"""The explicit registry of records backends: configuration names one per municipality.

Backends register themselves from their modules (:mod:`portal.records.demo`, :mod:`portal.records.http`).
Each is built once at start from its :class:`RecordsSource`, then opened per unit of work with the
request's database session; services receive the opened backend and never look one up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from portal.records.backend import ResidentRecords


@dataclass(frozen=True)
class RecordsSource:
    """Where one municipality's records come from, as configured."""

    backend: str
    url: str = ""  # http only
    token: str = field(default="", repr=False)  # http only: the core system's bearer token


Opener = Callable[["Session"], "ResidentRecords"]
Factory = Callable[[str, RecordsSource], Opener]

_FACTORIES: dict[str, Factory] = {}


def register(name: str) -> Callable[[Factory], Factory]:
    """Register ``factory(municipality_code, source) -> opener`` under ``name``; twice is a programming error."""

    def add(factory: Factory) -> Factory:
        if name in _FACTORIES:
            raise ValueError(f"records backend {name!r} is already registered")
        _FACTORIES[name] = factory
        return factory

    return add


def backend_names() -> frozenset[str]:
    _load_builtin_backends()
    return frozenset(_FACTORIES)


class RecordsDirectory:
    """Every configured municipality's backend, built once; :meth:`open` binds one to a session."""

    def __init__(self, openers: Mapping[str, Opener]) -> None:
        self._openers = MappingProxyType(dict(openers))

    def open(self, municipality_code: str, session: Session) -> ResidentRecords | None:
        """The municipality's records, or None when it has no records backend."""
        opener = self._openers.get(municipality_code)
        return opener(session) if opener else None

    def open_all(self, session: Session) -> dict[str, ResidentRecords]:
        return {code: opener(session) for code, opener in sorted(self._openers.items())}


def build_directory(sources: Mapping[str, RecordsSource]) -> RecordsDirectory:
    """Build each municipality's backend; KeyError names an unknown backend and the known ones."""
    _load_builtin_backends()
    openers = {}
    for code, source in sources.items():
        try:
            factory = _FACTORIES[source.backend]
        except KeyError:
            known = ", ".join(sorted(_FACTORIES))
            raise KeyError(f"unknown records backend {source.backend!r}; known backends: {known}") from None
        openers[code] = factory(code, source)
    return RecordsDirectory(openers)


def _load_builtin_backends() -> None:
    """Imported on first use, not with this module: configuration reads the names without the backends'
    dependencies (SQLAlchemy models, requests) at import time."""
    from portal.records import demo, http  # noqa: F401  (they register themselves)
