"""Translatable messages produced by the domain core.

The core cannot import Flask-Babel, so it marks its message ids with ``N_`` (extracted by Babel, see
babel.cfg) and returns :class:`Message` objects; the web layer translates them for the request's locale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


def N_(msgid: str) -> str:
    """Mark ``msgid`` for extraction without translating it now."""
    return msgid


@dataclass(frozen=True)
class Message:
    """A message id with %-style parameters, translated at the edge."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def render(self, translate: Callable[[str], str] = lambda s: s) -> str:
        """Translate the msgid and any Message among the params (a field's label inside an error)."""
        text = translate(self.msgid)
        if not self.params:
            return text
        params = {k: v.render(translate) if isinstance(v, Message) else v for k, v in self.params.items()}
        return text % params

    def __str__(self) -> str:
        return self.render()
