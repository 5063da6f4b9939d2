"""YAML definitions that remember where each value came from.

Catalog and workflow definitions are written by administrators, so a mistake must be reported with the
file, the path inside the document and the line. PyYAML's composer keeps a line for every node; we keep
them in a side table keyed by path while building plain Python data for validation.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]

# Keys whose string value people read (``confirm`` is a workflow action's confirmation text, ``message`` a
# definition rule's error), and keys holding a list of such strings. Babel extracts them (portal.babel_yaml);
# loaders check them.
TRANSLATABLE_KEYS = frozenset(
    {
        "title",
        "summary",
        "description",
        "label",
        "resident_label",
        "item_label",
        "help",
        "fee_note",
        "pattern_message",
        "confirm",
        "message",
    }
)
TRANSLATABLE_LISTS = frozenset({"requirements"})

EMPTY = "the file is empty"


def unknown_key(key: str, known: Collection[str], where: str = "ここ", noun: str = "キー") -> str:
    """「不明なキー」 (or another ``noun``: 項目 for field names) with the closest known one as a suggestion and
    every one valid at that place."""
    message = f"不明な{noun} {key!r} です。"
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        message += f"{close[0]} のことですか？ "
    return message + f"{where}で使える{noun}: {', '.join(sorted(known)) or 'なし'}"


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
        yield from translatable(self.data)

    def check_translatable(self) -> None:
        """Refuse a half-width '%' in text people read: templates %-format every translation."""
        for path, text in self.translatable():
            if "%" in text:
                raise self.error(path, "'%' cannot be used in displayed text; write the full-width '％'")


def translatable(data: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    """Every string people read in JSON-shaped ``data`` (a parsed file, or a loaded model dumped as JSON)."""
    if isinstance(data, list):
        for index, item in enumerate(data):
            yield from translatable(item, path + (index,))
    elif isinstance(data, dict):
        for key, value in data.items():
            if key in TRANSLATABLE_KEYS and isinstance(value, str) and value.strip():
                yield path + (key,), value
            elif key in TRANSLATABLE_LISTS and isinstance(value, list):
                for index, item in enumerate(value):
                    if isinstance(item, str) and item.strip():
                        yield path + (key, index), item
            else:
                yield from translatable(value, path + (key,))


def read_source(file: Path) -> str:
    """The file's text exactly (line endings kept), so its :func:`content_hash` is the file's sha256."""
    return file.read_bytes().decode("utf-8")


def content_hash(text: str) -> str:
    """What a published version and a submission call a definition by: the sha256 of its UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def load(file: Path, display_name: str | None = None) -> Source:
    """Read ``file``; a syntax error becomes a :class:`DefinitionError` with its line."""
    return parse(read_source(file), Path(display_name) if display_name else file)


# libyaml's parser, when PyYAML was built with it: a tenth of the pure-Python one's time, the same nodes and marks.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse(text: str, name: Path) -> Source:
    """Parse YAML ``text`` known as ``name`` in error messages."""
    try:
        node = yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        try:  # the pure-Python parser again, for the error messages _syntax_error knows how to explain
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            raise _syntax_error(exc, text, name) from None
    if node is None:
        raise DefinitionError(name, (), 1, EMPTY)
    lines: dict[Path_, int] = {}
    loader = yaml.SafeLoader("")
    try:
        data = _build(node, (), lines, name, loader)
    except yaml.YAMLError as exc:  # a tag SafeLoader refuses, e.g. !!python/object
        raise _syntax_error(exc, text, name) from None
    finally:
        loader.dispose()
    return Source(file=name, data=data, text=text, lines=lines)


_SYNTAX = "YAMLの書き方に誤りがあります"
# ``key:value`` on one line: a scalar to YAML, so the parser only fails on the next key.
_COLON_WITHOUT_SPACE = re.compile(r"^\s*(?:-\s+)?[^\s:#'\"\[{][^:#]*?(:)[^\s/]")


def _syntax_error(exc: yaml.YAMLError, text: str, name: Path) -> DefinitionError:
    """PyYAML's English becomes what an administrator can act on, pointing at the line and column."""
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return DefinitionError(name, (), None, f"{_SYNTAX}: {exc}")
    lines = text.splitlines()
    context = getattr(exc, "context", None) or ""
    problem = getattr(exc, "problem", None) or ""
    opened = getattr(exc, "context_mark", None) or mark
    line, column = mark.line, mark.column
    if "'\\t'" in problem:
        explanation = "字下げにタブ文字が使われています。字下げは半角スペースで書いてください"
    elif "quoted scalar" in context:
        explanation = "引用符（' または \"）が閉じられていません"
        line, column = opened.line, opened.column
    elif "flow sequence" in context or "flow mapping" in context:
        closing = "]" if "sequence" in context else "}"
        explanation = f"ここで開いた括弧 {'[' if closing == ']' else '{'} が {closing} で閉じられていません"
        line, column = opened.line, opened.column
    elif (missing := _colon_without_space(lines, mark.line)) is not None:
        line, column = missing
        explanation = "コロン（:）の後に半角スペースがありません。「キー: 値」のように書いてください"
    elif problem.startswith("mapping values") and ": " in lines[mark.line][: mark.column]:
        explanation = "1行に「キー: 値」が2つあります。値にコロンを含めるときは引用符で囲んでください"
    elif problem.startswith(("mapping values are not allowed", "expected <block end>", "did not find expected")):
        explanation = "字下げがずれています。同じ階層のキーは同じ数の半角スペースで字下げしてください"
    else:
        explanation = f"{_SYNTAX}（{problem or context}）"
    shown = lines[line].replace("\t", " ") if line < len(lines) else ""
    caret = " " * _width(shown[:column]) + "^"
    message = f"{explanation}（{line + 1}行目 {column + 1}列目）\n    {shown}\n    {caret}"
    return DefinitionError(name, (), line + 1, message)


def _colon_without_space(lines: list[str], at: int) -> tuple[int, int] | None:
    """The line (0-based) and column of a ``key:value`` colon at or just before line ``at``."""
    for index in (at, at - 1):
        if 0 <= index < len(lines) and (match := _COLON_WITHOUT_SPACE.match(lines[index])):
            return index, match.start(1)
    return None


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: full-width characters (漢字, かな) take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _build(node: yaml.Node, path: Path_, lines: dict[Path_, int], file: Path, loader: yaml.SafeLoader) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(loader.construct_object(key_node, deep=True))
            if key in result:
                raise DefinitionError(file, path + (key,), key_node.start_mark.line + 1, "duplicate key")
            result[key] = _build(value_node, path + (key,), lines, file, loader)
            lines[path + (key,)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, path + (i,), lines, file, loader) for i, item in enumerate(node.value)]
    # a scalar, resolved with SafeLoader's rules (ints, bools, dates stay typed)
    return loader.construct_object(node, deep=True)
