"""Repeating groups in the core: rows read from their prefixed inputs, errors named by row, rows added and removed
with their answers kept, and the definition checks that keep a group simple."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.catalog import (
    FieldDef,
    FieldError,
    display_answers,
    field_types,
    load_definition,
    validate,
    validate_fields,
)
from portal.catalog.fieldtypes.group import GroupError, GroupType
from portal.japan import jst
from portal.japan.wareki import format_date
from portal.yamlsource import DefinitionError, parse

CHILDREN = {
    "name": "children",
    "type": "group",
    "label": "対象となる児童",
    "item_label": "児童",
    "min": 1,
    "max": 3,
    "fields": [
        {"name": "given_name", "type": "text", "label": "名", "max_length": 20},
        {"name": "birth_date", "type": "date", "label": "生年月日", "max": "today"},
        {"name": "lives_with", "type": "checkbox", "label": "同居", "required": False},
    ],
}


def group(**changes: Any) -> FieldDef:
    return FieldDef.model_validate({**CHILDREN, **changes})


def child(number: int, name: str, born: str = "2020-04-01", *, lives_with: bool = False) -> dict[str, list[str]]:
    year, month, day = born.split("-")
    row = {"given_name": [name], "birth_date-era": ["seireki"], "birth_date-year": [year]}
    row |= {"birth_date-month": [month], "birth_date-day": [day]} | ({"lives_with": ["on"]} if lives_with else {})
    return {f"children-{number}-{key}": value for key, value in row.items()}


GROUP_TYPE = field_types()["group"]
assert isinstance(GROUP_TYPE, GroupType)


def test_rows_are_read_in_order_and_a_blank_row_is_dropped() -> None:
    field = group()
    raw = {
        "children-rows": ["3"],
        **child(1, "花子", lives_with=True),
        "children-2-given_name": ["  "],
        **child(3, "太郎"),
    }
    assert GROUP_TYPE.parse(field, raw) == [
        {"given_name": "花子", "birth_date": "2020-04-01", "lives_with": True},
        {"given_name": "太郎", "birth_date": "2020-04-01"},
    ]
    assert GROUP_TYPE.parse(field, {"children-rows": ["2"]}) is None


def test_each_bad_answer_is_named_by_its_row() -> None:
    raw = {"children-rows": ["2"], **child(1, ""), **child(2, "太郎", "2999-01-01")}
    with pytest.raises(GroupError) as caught:
        GROUP_TYPE.parse(group(), raw)
    errors = {key: message.render() for key, message in caught.value.errors.items()}
    assert errors == {
        "children-1-given_name": "児童 1：名を入力してください",
        "children-2-birth_date": f"児童 2：生年月日は{format_date(jst.today())}以前の日付を入力してください",
    }


def test_fewer_rows_than_min_is_an_error_on_the_group() -> None:
    with pytest.raises(FieldError) as caught:
        GROUP_TYPE.parse(group(min=2), {"children-rows": ["2"], **child(1, "花子")})
    assert caught.value.message.render() == "対象となる児童は2件以上入力してください"


def test_the_row_count_never_exceeds_max_whatever_the_form_says() -> None:
    raw = {"children-rows": ["99999999"], **child(1, "花子"), **child(4, "次郎")}
    assert GROUP_TYPE.row_count(group(), raw) == 3
    assert [row["given_name"] for row in GROUP_TYPE.parse(group(), raw)] == ["花子"]
    assert GROUP_TYPE.row_count(group(), {**child(2, "太郎")}) == 2  # no count sent: the last row typed in


def test_answers_survive_to_raw_and_back() -> None:
    field = group()
    rows = [{"given_name": "花子", "birth_date": "2020-04-01", "lives_with": True}, {"given_name": "太郎", "birth_date": "2021-01-05"}]  # fmt: skip
    assert GROUP_TYPE.parse(field, GROUP_TYPE.to_raw(field, rows)) == rows


def test_a_row_removed_moves_the_later_rows_up_and_an_added_row_stops_at_max() -> None:
    field = group()
    raw = {"children-rows": ["3"], **child(1, "花子"), **child(2, "太郎"), **child(3, "次郎"), "other": ["x"]}
    removed = GROUP_TYPE.with_row_removed(field, raw, 2)
    assert removed["children-rows"] == ["2"] and removed["other"] == ["x"]
    assert [row["given_name"] for row in GROUP_TYPE.parse(field, removed)] == ["花子", "次郎"]
    assert GROUP_TYPE.with_row_removed(field, raw, 7) == raw  # no such row: nothing changes
    assert GROUP_TYPE.with_row_added(field, {})["children-rows"] == ["2"]  # the one row it opens with, plus one
    assert GROUP_TYPE.with_row_added(field, raw)["children-rows"] == ["3"]


def test_validate_reports_row_errors_in_field_order() -> None:
    fields = [FieldDef.model_validate({"name": "applicant", "type": "text", "label": "申請者"}), group()]
    result = validate_fields(fields, {"children-rows": ["1"], **child(1, "")})
    assert list(result.errors) == ["applicant", "children-1-given_name"]
    assert validate_fields(fields, {"applicant": ["山田"], **child(1, "花子")}).ok


def test_the_rows_are_shown_under_their_headings(tmp_path: Path) -> None:
    file = tmp_path / "teate.yaml"
    file.write_text(TEATE, encoding="utf-8")
    definition = load_definition(file)
    result = validate(definition, {"children-rows": ["1"], **child(1, "花子", lives_with=True)})
    assert display_answers(definition, result.values, str) == [
        (
            "児童",
            [
                (
                    "対象となる児童",
                    [("児童 1", [("名", "花子"), ("生年月日", "令和2年（2020年）4月1日"), ("同居", "はい")])],
                )
            ],
        )
    ]
    assert GROUP_TYPE.display(definition.field("children"), result.values["children"], str) == (
        "児童 1：名 花子、生年月日 令和2年（2020年）4月1日、同居 はい"
    )


TEATE = """\
title: 手当
summary: 手当
description: 手当
fee: 0
processing_days: 30
workflow: sodai_gomi
pages:
  - key: children
    title: 児童
    fields:
      - name: children
        type: group
        label: 対象となる児童
        item_label: 児童
        max: 3
        fields:
          - {name: given_name, type: text, label: 名, max_length: 20}
          - {name: birth_date, type: date, label: 生年月日, max: today}
          - {name: lives_with, type: checkbox, label: 同居, required: false}
"""


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ("          - {name: photo, type: file, label: 写真, accept: [jpeg]}", "a group cannot hold a file field"),
        (
            "          - {name: inner, type: group, label: 内, item_label: 内, max: 2, fields: [{name: a, type: text, label: A}]}",
            "a group cannot hold a group field",
        ),  # fmt: skip
        (
            "          - {name: members, type: household_members, label: 世帯員}",
            "a group cannot hold a household_members",
        ),
        (
            "          - {name: note, type: text, label: 備考, show_if: {field: given_name, equals: x}}",
            "cannot have show_if",
        ),
        ("          - {name: note, type: text, label: 備考, prefill: given_name}", "cannot have prefill"),
        ("          - {name: given_name, type: text, label: 名2}", "duplicate field name 'given_name' in the group"),
    ],
)
def test_a_group_refuses_what_a_row_cannot_hold(tmp_path: Path, inner: str, expected: str) -> None:
    file = tmp_path / "teate.yaml"
    file.write_text(TEATE + inner + "\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match=expected) as caught:
        load_definition(file)
    assert caught.value.line == TEATE.count("\n") + 1  # the line of the offending sub field


def test_min_above_max_and_max_above_the_limit_are_refused(tmp_path: Path) -> None:
    file = tmp_path / "teate.yaml"
    file.write_text(TEATE.replace("        max: 3\n", "        min: 4\n        max: 3\n"), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"min \(4\) is larger than max \(3\)"):
        load_definition(file)
    file.write_text(TEATE.replace("        max: 3\n", "        max: 51\n"), encoding="utf-8")
    with pytest.raises(DefinitionError, match="less than or equal to 50"):
        load_definition(file)


@pytest.mark.parametrize("name", sorted(field_types()))
def test_every_type_has_a_sample_answer_it_accepts(name: str) -> None:
    """catalog check prints certificates with these: each must be an answer the type itself would store."""
    settings: dict[str, Any] = {
        "select": {"options": [{"value": "a", "label": "A"}]},
        "radio": {"options": [{"value": "a", "label": "A"}]},
        "checkboxes": {"options": [{"value": "a", "label": "A"}], "min_selected": 1},
        "item_counts": {"items": [{"value": "a", "label": "A"}]},
        "file": {"accept": ["png"]},
        "group": {"item_label": "行", "max": 2, "fields": [{"name": "a", "type": "text", "label": "A"}]},
        "number": {"min": 3, "max": 5},
        "date": {"min": "+1y"},
    }.get(name, {})
    field = FieldDef.model_validate({"name": "answer", "type": name, "label": "項目", **settings})
    sample = field.field_type.sample(field)
    assert sample is not None and field.field_type.parse(field, field.field_type.to_raw(field, sample)) == sample


def test_the_row_name_and_the_row_labels_are_extracted_for_translation() -> None:
    source = parse(TEATE, Path("teate.yaml"))
    assert {"児童", "対象となる児童", "名", "生年月日", "同居"} <= {msgid for _path, msgid in source.translatable()}
    assert ("pages", 0, "fields", 0, "item_label") in {path for path, _msgid in source.translatable()}
