"""The keys a definition model accepts at a place in the YAML, for suggesting the one a typo meant.

Walks the pydantic models along an error's location (model fields by name or alias, list items, mapping
values) so the suggestions always follow the models rather than a hand-kept list.
"""

from __future__ import annotations

import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel


def input_keys(model: type[BaseModel]) -> list[str]:
    """The keys written in YAML for ``model``: aliases where set (``from``, ``to``, ``in``)."""
    return [info.alias or name for name, info in model.model_fields.items()]


def keys_at(model: type[BaseModel], loc: Sequence[str | int]) -> list[str] | None:
    """The keys valid in the mapping at ``loc`` inside ``model``, or None when no model sits there."""
    annotation: Any = model
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return None
    found = _model(annotation)
    return input_keys(found) if found else None


def _step(annotation: Any, part: str | int) -> Any:
    model = _model(annotation)
    if model is not None:
        for name, info in model.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    for candidate in _unwrapped(annotation):
        origin = get_origin(candidate)
        args = get_args(candidate)
        if isinstance(origin, type) and issubclass(origin, Mapping) and len(args) == 2:
            return args[1]
        if isinstance(origin, type) and issubclass(origin, Sequence) and args and isinstance(part, int):
            return args[0]
    return None


def _model(annotation: Any) -> type[BaseModel] | None:
    for candidate in _unwrapped(annotation):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _unwrapped(annotation: Any) -> list[Any]:
    """``Annotated[X, …]`` → X; ``X | None`` → X (the alternatives of a union, without None)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrapped(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [inner for arg in get_args(annotation) if arg is not type(None) for inner in _unwrapped(arg)]
    return [annotation]
