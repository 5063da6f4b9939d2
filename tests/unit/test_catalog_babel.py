"""The YAML extractor feeds Japanese msgids from definitions into Babel."""

from __future__ import annotations

import io
from pathlib import Path
from textwrap import dedent

from babel.messages.extract import extract

from portal.babel_yaml import extract_yaml
from portal.catalog import load_definition, methods, requester

ROOT = Path(__file__).resolve().parents[2]

SAMPLE = dedent(
    """\
    title: 住民票
    summary: 概要です
    description: |
      一行目
      二行目
    requirements:
      - マイナンバーカード
      - 42
    fee: 300
    fee_note: 1通300円
    workflow: juminhyo
    pages:
      - key: main
        title: 請求者
        help: ~
        fields:
          - name: scope
            type: radio
            label: 必要な方
            pattern_message: "%(label)sの形式"
            options:
              - {value: self, label: 本人のみ}
    transitions:
      - name: approve
        label: 決裁する
        confirm: 決裁しますか？
    """
)


def run(text: str) -> list[tuple[int, None, str, list[str]]]:
    return list(extract_yaml(io.BytesIO(text.encode("utf-8")), [], [], {}))


def test_yields_translatable_strings_with_lines() -> None:
    assert run(SAMPLE) == [
        (1, None, "住民票", []),
        (2, None, "概要です", []),
        (3, None, "一行目\n二行目\n", []),
        (7, None, "マイナンバーカード", []),
        (10, None, "1通300円", []),
        (14, None, "請求者", []),
        (19, None, "必要な方", []),
        (20, None, "%(label)sの形式", []),
        (22, None, "本人のみ", []),
        (25, None, "決裁する", []),
        (26, None, "決裁しますか？", []),
    ]


def test_empty_document_yields_nothing() -> None:
    assert run("# only a comment\n") == []


def test_works_through_babel_and_covers_every_label_of_the_real_catalog() -> None:
    path = ROOT / "forms_catalog" / "juminhyo.yaml"
    with path.open("rb") as fileobj:
        msgids = {message for _, message, _, _ in extract(extract_yaml, fileobj)}
    definition = load_definition(path)
    expected = {
        definition.title,
        definition.summary,
        definition.description,
        definition.fee_note,
        *definition.requirements,
    }
    for page in definition.pages:
        if page.key in (methods.PAGE, requester.PAGE):  # generated from their blocks: the msgids are in the code
            continue
        expected |= {page.title, *([page.help] if page.help else [])}
        for field in page.fields:
            expected |= {field.label, *([field.help] if field.help else [])}
            expected |= {option.label for option in getattr(field.settings, "options", ())}
    assert expected <= msgids
    assert "juminhyo" not in msgids and "self" not in msgids  # names and values are not text


def test_rule_messages_are_extracted_like_labels() -> None:
    path = ROOT / "forms_catalog" / "sodai_gomi.yaml"
    with path.open("rb") as fileobj:
        msgids = {message for _, message, _, _ in extract(extract_yaml, fileobj)}
    (rule,) = load_definition(path).rules
    assert rule.message is not None and rule.message in msgids
    assert "total_max" not in msgids and "items" not in msgids
