"""Babel extractor for the Japanese msgids written inside catalog and workflow YAML.

Administrators write labels in Japanese, the source language; this puts them into messages.pot so the
English catalog can translate them like any string in the code. babel.cfg names it in [extractors].
Which keys are translatable is decided once, in :mod:`portal.yamlsource`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from portal.yamlsource import EMPTY, DefinitionError, parse

Extracted = tuple[int, None, str, list[str]]


def extract_yaml(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Extracted]:
    """Yield ``(line, None, msgid, [])`` for each translatable string, in document order."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    try:
        source = parse(text, Path(getattr(fileobj, "name", "<yaml>")))
    except DefinitionError as error:
        if error.message == EMPTY:
            return
        raise
    for path, msgid in source.translatable():
        yield source.line_of(path) or 1, None, msgid, []
