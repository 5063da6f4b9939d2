"""The explicit registry of field types: a definition's ``type:`` names one of these.

Types register themselves from :mod:`portal.catalog.fieldtypes`; a new kind of answer is one module there.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from portal.catalog.fieldtypes.base import FieldType

T = TypeVar("T", bound="FieldType[Any]")

_TYPES: dict[str, FieldType[Any]] = {}


def register(field_type: T) -> T:
    """Add ``field_type`` under its name; registering a name twice is a programming error."""
    if field_type.name in _TYPES:
        raise ValueError(f"field type {field_type.name!r} is already registered")
    _TYPES[field_type.name] = field_type
    return field_type


def field_types() -> Mapping[str, FieldType[Any]]:
    return MappingProxyType(_TYPES)


def get(name: str) -> FieldType[Any]:
    """The type called ``name``; KeyError names the known ones."""
    try:
        return _TYPES[name]
    except KeyError:
        raise KeyError(f"unknown field type {name!r}; known types: {', '.join(sorted(_TYPES))}") from None
