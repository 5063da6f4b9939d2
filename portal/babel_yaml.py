"""Babel extractor for the Japanese msgids written inside catalog and workflow YAML.

Administrators write labels in Japanese, the source language; this puts them into messages.pot so the
English catalog can translate them like any string in the code. Referenced from babel.cfg:
``[portal.babel_yaml:extract_yaml: forms_catalog/**.yaml]`` and ``workflows/**.yaml``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

import yaml

# Keys whose string value is shown to people (``confirm`` is a workflow action's confirmation text).
TRANSLATABLE_KEYS = frozenset(
    {"title", "summary", "description", "label", "help", "fee_note", "pattern_message", "confirm"}
)
# Keys holding a list of strings shown to people.
TRANSLATABLE_LISTS = frozenset({"requirements"})

Extracted = tuple[int, None, str, list[str]]


def extract_yaml(
    fileobj: IO[bytes], keywords: Collection[str], comment_tags: Collection[str], options: Mapping[str, Any]
) -> Iterator[Extracted]:
    """Yield ``(line, None, msgid, [])`` for each translatable string, in document order."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if node is not None:
        yield from _walk(node)


def _walk(node: yaml.Node) -> Iterator[Extracted]:
    if isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _walk(item)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if name in TRANSLATABLE_KEYS:
                yield from _string(value)
            elif name in TRANSLATABLE_LISTS and isinstance(value, yaml.SequenceNode):
                for item in value.value:
                    yield from _string(item)
            else:
                yield from _walk(value)


def _string(node: yaml.Node) -> Iterator[Extracted]:
    """A plain or quoted string scalar (not a number, null or nested structure)."""
    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str" and node.value.strip():
        yield node.start_mark.line + 1, None, node.value, []
