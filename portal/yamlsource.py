"""YAML definitions that remember where each value came from.

Catalog and workflow definitions are written by administrators, so a mistake must be reported with the
file, the path inside the document and the line. PyYAML's composer keeps a line for every node; we keep
them in a side table keyed by path while building plain Python data for validation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

# Keys whose string value people read (``confirm`` is a workflow action's confirmation text), and keys
# holding a list of such strings. Babel extracts them (portal.babel_yaml); loaders check them.
TRANSLATABLE_KEYS = frozenset(
    {"title", "summary", "description", "label", "help", "fee_note", "pattern_message", "confirm"}
)
TRANSLATABLE_LISTS = frozenset({"requirements"})

EMPTY = "the file is empty"


def format_path(path: Iterable[str | int]) -> str:
    """``("pages", 0, "fields", 2, "type")`` → ``pages[0].fields[2].type``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "(document)"


class DefinitionError(Exception):
    """A definition file is wrong; the message names file, path and line."""

    def __init__(self, file: Path | str, path: Path_, line: int | None, message: str) -> None:
        self.file = str(file)
        self.path = tuple(path)
        self.line = line
        self.message = message
        where = f"{self.file}:{line}" if line else self.file
        super().__init__(f"{where}: {format_path(self.path)}: {message}")


@dataclass(frozen=True)
class Source:
    """Parsed YAML data plus the line of every path in it (1-based)."""

    file: Path
    data: Any
    text: str
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Iterable[str | int]) -> int | None:
        """The line of ``path`` or of its nearest ancestor that exists (a missing key's parent)."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def error(self, path: Iterable[str | int], message: str) -> DefinitionError:
        path = tuple(path)
        return DefinitionError(self.file, path, self.line_of(path), message)

    def translatable(self) -> Iterator[tuple[Path_, str]]:
        """Every string people read, with its path, in document order."""
        yield from _translatable(self.data, ())

    def check_translatable(self) -> None:
        """Refuse a half-width '%' in text people read: templates %-format every translation."""
        for path, text in self.translatable():
            if "%" in text:
                raise self.error(path, "'%' cannot be used in displayed text; write the full-width '％'")


def _translatable(data: Any, path: Path_) -> Iterator[tuple[Path_, str]]:
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from _translatable(item, path + (index,))
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in TRANSLATABLE_KEYS and isinstance(value, str) and value.strip():
                yield path + (key,), value
            elif key in TRANSLATABLE_LISTS and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, str) and item.strip():
                        yield path + (key, index), item
            else:
                yield from _translatable(value, path + (key,))


def load(file: Path, display_name: str | None = None) -> Source:
    """Read ``file``; a syntax error becomes a :class:`DefinitionError` with its line."""
    return parse(file.read_text(encoding="utf-8"), Path(display_name) if display_name else file)


def parse(text: str, name: Path) -> Source:
    """Parse YAML ``text`` known as ``name`` in error messages."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise DefinitionError(name, (), line, f"invalid YAML: {problem}") from None
    if node is None:
        raise DefinitionError(name, (), 1, EMPTY)
    lines: dict[Path_, int] = {}
    data = _build(node, (), lines, name)
    return Source(file=name, data=data, text=text, lines=lines)


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], file: Path) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(_scalar(key_node))
            if key in result:
                raise DefinitionError(file, path + (key,), key_node.start_mark.line + 1, "duplicate key")
            result[key] = _build(value_node, path + (key,), lines, file)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), lines, file) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    """Resolve a scalar with SafeLoader's rules (ints, bools, dates stay typed)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()
