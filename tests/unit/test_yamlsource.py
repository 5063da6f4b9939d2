"""YAML loading keeps a line for every path and turns mistakes into located DefinitionErrors."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from portal.yamlsource import DefinitionError, format_path, load

DOCUMENT = """\
title: 住民票
pages:
  - key: main
    fields:
      - name: family_name
        type: text
opened: 2024-04-01
count: 3
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_data_keeps_yaml_types(tmp_path: Path) -> None:
    source = load(write(tmp_path, DOCUMENT))
    assert source.data["pages"][0]["fields"][0] == {"name": "family_name", "type": "text"}
    assert source.data["opened"] == datetime.date(2024, 4, 1)
    assert source.data["count"] == 3


def test_line_of_paths_and_missing_children(tmp_path: Path) -> None:
    source = load(write(tmp_path, DOCUMENT))
    assert source.line_of(("title",)) == 1
    assert source.line_of(("pages", 0, "fields", 0, "type")) == 6
    assert source.line_of(("pages", 0, "fields", 0, "label")) == 5  # missing: its mapping's line
    assert source.line_of(()) == 1


def test_error_names_file_line_and_path(tmp_path: Path) -> None:
    source = load(write(tmp_path, DOCUMENT), display_name="forms_catalog/doc.yaml")
    error = source.error(("pages", 0, "fields", 0, "type"), "unknown field type")
    assert (error.file, error.line) == ("forms_catalog/doc.yaml", 6)
    assert str(error) == "forms_catalog/doc.yaml:6: pages[0].fields[0].type: unknown field type"


def test_format_path() -> None:
    assert format_path(("pages", 0, "fields", 2, "type")) == "pages[0].fields[2].type"
    assert format_path(()) == "(document)"


def test_duplicate_key_is_an_error_at_the_second_key(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError) as caught:
        load(write(tmp_path, "title: a\nfee: 1\ntitle: b\n"))
    assert (caught.value.path, caught.value.line, caught.value.message) == (("title",), 3, "duplicate key")


@pytest.mark.parametrize(
    ("text", "line", "explanation", "shown", "caret"),
    [
        ("title: a\npages:\n\t- key: main\n", 3, "字下げにタブ文字が使われています", " - key: main", "^"),
        ("title: 'a\nfee: 1\n", 1, "引用符（' または \"）が閉じられていません", "title: 'a", "       ^"),
        ("title: a\nfee: [1, 2\ncount: 3\n", 2, "ここで開いた括弧 [ が ] で閉じられていません", "fee: [1, 2", "     ^"),
        (
            "title: a\nopened: {day: 1\ncount: 3\n",
            2,
            "ここで開いた括弧 { が } で閉じられていません",
            "opened: {day: 1",
            "        ^",
        ),
        ("title:住民票\nfee: 1\n", 1, "コロン（:）の後に半角スペースがありません", "title:住民票", "     ^"),
        ("pages:\n  - key: a\n    title: b\n   fields: []\n", 4, "字下げがずれています", "   fields: []", "   ^"),
        ("title: 住民票: 写し\n", 1, "1行に「キー: 値」が2つあります", "title: 住民票: 写し", "             ^"),
        (
            "title: *missing\n",
            1,
            "YAMLの書き方に誤りがあります（found undefined alias 'missing'）",
            "title: *missing",
            "       ^",
        ),
        (
            "title: !!python/name:os.system a\n",
            1,
            "YAMLの書き方に誤りがあります",
            "title: !!python/name:os.system a",
            "       ^",
        ),
    ],
    ids=["tab", "quote", "bracket", "brace", "colon-space", "indentation", "two-colons", "generic", "unsafe-tag"],
)
def test_syntax_errors_are_explained_in_japanese_with_the_line_and_a_caret(
    tmp_path: Path, text: str, line: int, explanation: str, shown: str, caret: str
) -> None:
    with pytest.raises(DefinitionError) as caught:
        load(write(tmp_path, text))
    first, *rest = caught.value.message.split("\n")
    assert caught.value.line == line
    assert first.startswith(explanation) and f"（{line}行目 " in first
    assert rest == [f"    {shown}", f"    {caret}"]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="the file is empty"):
        load(write(tmp_path, "# nothing\n"))


def test_a_half_width_percent_in_displayed_text_is_refused_with_its_line(tmp_path: Path) -> None:
    file = tmp_path / "x.yaml"
    file.write_text(
        "title: 手続き\npages:\n  - fields:\n      - label: 割引率(50%)\n        type: text\n", encoding="utf-8"
    )
    source = load(file, "forms_catalog/x.yaml")

    with pytest.raises(DefinitionError) as caught:
        source.check_translatable()

    assert str(caught.value).startswith("forms_catalog/x.yaml:4: pages[0].fields[0].label: '%' cannot be used")
    assert [path for path, _ in source.translatable()] == [("title",), ("pages", 0, "fields", 0, "label")]
