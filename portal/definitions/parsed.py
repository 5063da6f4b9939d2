"""Published versions as the objects the portal works with, each parsed once per process.

A version never changes, so (kind, name, content hash) names its parse for good: no invalidation, and a
version published by another server is parsed here the first time a request needs it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from portal.catalog import ProcedureDefinition
from portal.catalog.loader import parse_definition
from portal.certificates import TemplateSource
from portal.definitions.diff import Parsed
from portal.definitions.sources import Kind
from portal.workflow import WorkflowDefinition
from portal.workflow.loader import parse_workflow


def parse(kind: Kind, name: str, content: str, file: str | None = None) -> Parsed:
    """The object a version's content describes; DefinitionError (naming ``file``) when it is broken."""
    shown = file or f"{kind.value}:{name}"
    if kind is Kind.DEFINITION:
        return parse_definition(content, name, shown)
    if kind is Kind.WORKFLOW:
        return parse_workflow(content, name, shown)
    return TemplateSource.from_content(name, content)


class ParsedVersions:
    def __init__(self) -> None:
        self._parsed: dict[tuple[Kind, str, str], Parsed] = {}
        self._lock = threading.Lock()

    def has(self, kind: Kind, name: str, content_hash: str) -> bool:
        """Whether that version is parsed already (its content need not be read)."""
        return (kind, name, content_hash) in self._parsed

    def get(self, kind: Kind, name: str, content_hash: str, content: Callable[[], str]) -> Parsed:
        """The parse of the version with ``content_hash``; ``content`` is read only the first time."""
        key = (kind, name, content_hash)
        found = self._parsed.get(key)
        if found is None:
            found = parse(kind, name, content())
            with self._lock:
                self._parsed[key] = found
        return found

    def definition(self, name: str, content_hash: str, content: Callable[[], str]) -> ProcedureDefinition:
        found = self.get(Kind.DEFINITION, name, content_hash, content)
        assert isinstance(found, ProcedureDefinition)
        return found

    def workflow(self, name: str, content_hash: str, content: Callable[[], str]) -> WorkflowDefinition:
        found = self.get(Kind.WORKFLOW, name, content_hash, content)
        assert isinstance(found, WorkflowDefinition)
        return found

    def template(self, name: str, content_hash: str, content: Callable[[], str]) -> TemplateSource:
        found = self.get(Kind.CERTIFICATE, name, content_hash, content)
        assert isinstance(found, TemplateSource)
        return found
