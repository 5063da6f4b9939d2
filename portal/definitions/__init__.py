"""The catalog's sources and their published versions: reading the files, parsing versions, comparing them.

Domain core (no Flask). The files in forms_catalog/, workflows/ and the certificate templates directory are
the shared standard catalog; ``flask catalog publish`` stores each changed file as a new immutable version
(:class:`portal.models.CatalogVersion`) and the portal serves only what is published.
"""

from portal.definitions.diff import Change, Parsed, Sign, diff
from portal.definitions.parsed import ParsedVersions, parse
from portal.definitions.sources import Kind, SourceDirs, SourceFile, Sources, read_sources

__all__ = [
    "Change",
    "Kind",
    "Parsed",
    "ParsedVersions",
    "Sign",
    "SourceDirs",
    "SourceFile",
    "Sources",
    "diff",
    "parse",
    "read_sources",
]
