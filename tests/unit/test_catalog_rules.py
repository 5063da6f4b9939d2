"""Cross-field rules: each kind holds, fails, and is skipped for hidden, empty or invalid fields; loading them
reports unknown fields, wrong types and unknown kinds with file, path and line."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from textwrap import dedent, indent

import pytest

from portal.catalog import DefinitionError, ProcedureDefinition, load_definition, validate

DEFINITION = """\
title: テスト手続き
summary: 概要
description: 説明
fee: 0
processing_days: 1
workflow: simple
pages:
  - key: main
    title: 入力
    fields:
      - name: stay
        type: radio
        label: 滞在
        options: [{value: short, label: 短期}, {value: long, label: 長期}]
      - name: reason
        type: textarea
        label: 理由
        required: false
      - name: start
        type: date
        label: 開始日
      - name: end
        type: date
        label: 終了日
        required: false
      - name: adults
        type: number
        label: 大人
      - name: has_children
        type: checkbox
        label: 子どもがいる
        required: false
      - name: children
        type: number
        label: 子ども
        required: false
        show_if: {field: has_children, equals: "true"}
      - name: items
        type: item_counts
        label: 品目
        required: false
        items: [{value: desk, label: 机}, {value: bed, label: ベッド}]
  - key: more
    title: 続き
    fields:
      - name: extension
        type: date
        label: 延長日
        show_if: {field: stay, equals: long}
rules:
"""
RULES_LINE = DEFINITION.count("\n") + 1  # the line of the first rule's first key


def write(tmp_path: Path, rules: str) -> Path:
    path = tmp_path / "proc.yaml"
    path.write_text(DEFINITION + indent(dedent(rules), "  "), encoding="utf-8")
    return path


def definition(tmp_path: Path, rules: str) -> ProcedureDefinition:
    return load_definition(write(tmp_path, rules))


def load_error(tmp_path: Path, rules: str) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        load_definition(write(tmp_path, rules))
    return caught.value


START = date(2024, 4, 1)


def day(name: str, value: date) -> dict[str, list[str]]:
    return {
        f"{name}-era": ["seireki"],
        f"{name}-year": [str(value.year)],
        f"{name}-month": [str(value.month)],
        f"{name}-day": [str(value.day)],
    }


def answers(**changes: list[str]) -> dict[str, list[str]]:
    """Valid answers to every shown field; ``changes`` replace or add inputs."""
    return {"stay": ["short"], **day("start", START), "adults": ["2"], **changes}


def errors(definition: ProcedureDefinition, raw: dict[str, list[str]], page: str | None = None) -> dict[str, str]:
    return {name: str(message) for name, message in validate(definition, raw, page=page).errors.items()}


# --- required_if ------------------------------------------------------------------------------------------

REQUIRED_IF = """\
- kind: required_if
  field: reason
  when: {field: stay, equals: long}
"""


def test_required_if_requires_the_field_when_the_condition_holds(tmp_path: Path) -> None:
    rules = definition(tmp_path, REQUIRED_IF)
    assert errors(rules, answers(stay=["long"], **day("extension", START))) == {"reason": "理由を入力してください"}
    assert errors(rules, answers(stay=["long"], reason=["転勤"], **day("extension", START))) == {}
    assert errors(rules, answers(stay=["short"])) == {}  # the condition does not hold


def test_required_if_uses_the_type_s_own_required_message(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: required_if\n  field: items\n  when: {field: stay, in: [long]}\n")
    result = validate(rules, answers(stay=["long"], **day("extension", START)))
    assert str(result.errors["items"]) == "品目を1つ以上入力してください"


def test_required_if_is_skipped_when_its_field_or_the_condition_s_field_is_hidden(tmp_path: Path) -> None:
    hidden_field = definition(
        tmp_path, "- kind: required_if\n  field: children\n  when: {field: stay, equals: short}\n"
    )
    assert errors(hidden_field, answers()) == {}  # 子ども is hidden: nobody could answer it
    assert errors(hidden_field, answers(has_children=["on"])) == {"children": "子どもを入力してください"}
    hidden_condition = definition(
        tmp_path, "- kind: required_if\n  field: reason\n  when: {field: children, equals: '3'}\n"
    )
    assert errors(hidden_condition, answers(children=["3"])) == {}  # typed, then hidden by unticking the box
    assert errors(hidden_condition, answers(has_children=["on"], children=["3"])) == {
        "reason": "理由を入力してください"
    }


# --- excluded_if ------------------------------------------------------------------------------------------

EXCLUDED_IF = """\
- kind: excluded_if
  field: stay
  values: [long]
  when: {field: has_children, equals: "true"}
"""


def test_excluded_if_refuses_the_values_while_the_condition_holds(tmp_path: Path) -> None:
    rules = definition(tmp_path, EXCLUDED_IF)
    long_stay = answers(stay=["long"], **day("extension", START))
    assert errors(rules, {**long_stay, "has_children": ["on"]}) == {
        "stay": "滞在で選んだものは、子どもがいるの回答とあわせて選べません"
    }
    assert errors(rules, long_stay) == {}  # the condition does not hold
    assert errors(rules, answers(has_children=["on"])) == {}  # another value


def test_excluded_if_reads_every_choice_of_checkboxes_and_takes_its_own_message(tmp_path: Path) -> None:
    checkboxes = DEFINITION.replace(
        "      - name: reason\n        type: textarea\n",
        "      - name: extras\n        type: checkboxes\n        label: 追加\n        required: false\n"
        "        options: [{value: bed, label: 寝具}, {value: meal, label: 食事}]\n"
        "      - name: reason\n        type: textarea\n",
    )
    path = tmp_path / "proc.yaml"
    rule = "- kind: excluded_if\n  field: extras\n  values: [meal]\n  when: {field: stay, equals: short}\n  message: 短期は食事なし\n"
    path.write_text(checkboxes + indent(rule, "  "), encoding="utf-8")
    rules = load_definition(path)
    assert errors(rules, answers(extras=["bed", "meal"])) == {"extras": "短期は食事なし"}
    assert errors(rules, answers(extras=["bed"])) == {}


def test_excluded_if_names_options_that_exist(tmp_path: Path) -> None:
    unknown = load_error(tmp_path, EXCLUDED_IF.replace("[long]", "[longer]"))
    assert (unknown.path, unknown.line) == (("rules", 0, "values", 0), RULES_LINE + 2)
    assert unknown.message == "'longer' is not an option of 'stay' (options: short, long)"
    open_answer = load_error(tmp_path, EXCLUDED_IF.replace("field: stay", "field: reason"))
    assert open_answer.path == ("rules", 0, "field") and open_answer.message.startswith(
        "'reason' は textarea の項目です"
    )


# --- date_after / date_before -----------------------------------------------------------------------------


def test_date_after_accepts_the_same_day_and_later(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: date_after\n  field: end\n  other: start\n")
    assert errors(rules, answers(**day("end", START))) == {}
    assert errors(rules, answers(**day("end", START + timedelta(days=1)))) == {}
    assert errors(rules, answers(**day("end", START - timedelta(days=1)))) == {
        "end": "終了日は開始日（令和6年4月1日）以降の日付を入力してください"
    }


def test_date_after_min_days_boundary(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: date_after\n  field: end\n  other: start\n  min_days: 3\n")
    assert errors(rules, answers(**day("end", START + timedelta(days=3)))) == {}
    assert errors(rules, answers(**day("end", START + timedelta(days=2)))) == {
        "end": "終了日は開始日（令和6年4月1日）の3日後以降の日付を入力してください"
    }


def test_date_before_min_days_boundary(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: date_before\n  field: start\n  other: end\n  min_days: 1\n")
    assert errors(rules, answers(**day("end", START + timedelta(days=1)))) == {}
    assert errors(rules, answers(**day("end", START))) == {
        "start": "開始日は終了日（令和6年4月1日）の1日前以前の日付を入力してください"
    }
    same_day = definition(tmp_path, "- kind: date_before\n  field: start\n  other: end\n")
    assert errors(same_day, answers(**day("end", START))) == {}
    assert errors(same_day, answers(**day("end", START - timedelta(days=1)))) == {
        "start": "開始日は終了日（令和6年3月31日）以前の日付を入力してください"
    }


def test_date_rules_are_skipped_when_a_date_is_empty_or_hidden(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: date_after\n  field: extension\n  other: start\n")
    assert errors(rules, answers(**day("extension", START - timedelta(days=9)))) == {}  # hidden: stay is short
    assert errors(rules, answers(stay=["long"], **day("extension", START - timedelta(days=9)))) == {
        "extension": "延長日は開始日（令和6年4月1日）以降の日付を入力してください"
    }
    optional = definition(tmp_path, "- kind: date_after\n  field: end\n  other: start\n")
    assert errors(optional, answers()) == {}  # 終了日 left empty


# --- total_max / total_min --------------------------------------------------------------------------------


def test_total_max_over_numbers_is_shown_at_the_first_field(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: total_max\n  fields: [adults, children]\n  max: 5\n")
    assert errors(rules, answers(adults=["3"], has_children=["on"], children=["2"])) == {}
    assert errors(rules, answers(adults=["3"], has_children=["on"], children=["3"])) == {
        "adults": "大人と子どもの合計は5以下にしてください"
    }


def test_total_leaves_hidden_fields_out(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: total_max\n  fields: [children, adults]\n  max: 5\n")
    assert errors(rules, answers(adults=["3"], children=["9"])) == {}  # 子ども is hidden
    assert errors(rules, answers(adults=["6"], children=["9"])) == {"adults": "大人の合計は5以下にしてください"}
    assert errors(rules, answers(adults=["3"], has_children=["on"], children=["3"])) == {
        "children": "子どもと大人の合計は5以下にしてください"
    }


def test_total_over_item_counts_adds_every_item(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: total_max\n  fields: [items]\n  max: 3\n")
    assert errors(rules, answers(**{"items-desk": ["2"], "items-bed": ["1"]})) == {}
    assert errors(rules, answers(**{"items-desk": ["2"], "items-bed": ["2"]})) == {
        "items": "品目の合計は3以下にしてください"
    }


def test_total_min_counts_an_empty_field_as_zero(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: total_min\n  fields: [items]\n  min: 1\n")
    assert errors(rules, answers()) == {"items": "品目の合計は1以上にしてください"}
    assert errors(rules, answers(**{"items-bed": ["1"]})) == {}


def test_total_is_skipped_when_all_its_fields_are_hidden(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: total_min\n  fields: [children]\n  min: 1\n")
    assert errors(rules, answers()) == {}
    assert errors(rules, answers(has_children=["on"])) == {"children": "子どもの合計は1以上にしてください"}


# --- how rules join the fields' own errors ----------------------------------------------------------------


def test_a_rule_reading_an_invalid_answer_is_skipped_and_the_field_keeps_its_own_error(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: total_max\n  fields: [children, adults]\n  max: 5\n")
    raw = answers(adults=["abc"], has_children=["on"], children=["9"])
    assert errors(rules, raw) == {"adults": "大人は数字で入力してください"}  # no total from a number nobody typed


def test_the_first_broken_rule_is_the_field_s_error_and_errors_stay_in_field_order(tmp_path: Path) -> None:
    rules = definition(
        tmp_path,
        """\
        - kind: total_max
          fields: [items]
          max: 1
          message: 品目が多すぎます。
        - kind: total_max
          fields: [items]
          max: 2
        - kind: date_after
          field: end
          other: start
        """,
    )
    raw = answers(stay=["unknown"], **{"items-desk": ["3"]}, **day("end", START - timedelta(days=1)))
    assert errors(rules, raw) == {
        "stay": "滞在は選択肢から選んでください",
        "end": "終了日は開始日（令和6年4月1日）以降の日付を入力してください",
        "items": "品目が多すぎます。",
    }
    assert list(errors(rules, raw)) == ["stay", "end", "items"]


def test_a_page_reports_only_the_rules_errors_of_its_own_fields(tmp_path: Path) -> None:
    rules = definition(tmp_path, "- kind: date_after\n  field: extension\n  other: start\n")
    raw = answers(stay=["long"], **day("extension", START - timedelta(days=1)))
    assert errors(rules, raw, page="main") == {}
    assert errors(rules, raw, page="more") == {
        "extension": "延長日は開始日（令和6年4月1日）以降の日付を入力してください"
    }


def test_messages_are_translated_label_by_label(tmp_path: Path) -> None:
    rules = definition(
        tmp_path,
        """\
        - kind: total_max
          fields: [adults, children]
          max: 1
        - kind: required_if
          field: reason
          when: {field: stay, equals: long}
          message: 長期の場合は理由を書いてください。
        """,
    )
    english = {
        "%(fields)sの合計は%(max)d以下にしてください": "The total of %(fields)s must be %(max)d or less",
        "%(first)sと%(rest)s": "%(first)s and %(rest)s",
        "大人": "adults",
        "子ども": "children",
        "長期の場合は理由を書いてください。": "Please give a reason for a long stay.",
    }
    result = validate(rules, answers(stay=["long"], has_children=["on"], children=["1"], **day("extension", START)))
    rendered = {name: message.render(lambda s: english.get(s, s)) for name, message in result.errors.items()}
    assert rendered == {
        "reason": "Please give a reason for a long stay.",
        "adults": "The total of adults and children must be 1 or less",
    }


# --- loading ----------------------------------------------------------------------------------------------


def test_rules_load_as_typed_models(tmp_path: Path) -> None:
    loaded = definition(tmp_path, REQUIRED_IF + "- kind: total_max\n  fields: [adults]\n  max: 9\n  message: 多い\n")
    assert [(rule.kind, rule.message) for rule in loaded.rules] == [("required_if", None), ("total_max", "多い")]
    assert loaded.rules[0].when.accepted == ("long",)


def test_an_unknown_field_suggests_the_closest_of_the_right_type(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- kind: date_after\n  field: end\n  other: strat\n")
    assert (error.path, error.line) == (("rules", 0, "other"), RULES_LINE + 2)
    assert (
        error.message
        == "不明な項目 'strat' です。start のことですか？ この規則（date_after）で使える項目: end, extension, start"
    )


def test_a_field_of_the_wrong_type_names_the_ones_that_fit(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- kind: total_max\n  fields: [adults, reason]\n  max: 3\n")
    assert (error.path, error.line) == (("rules", 0, "fields", 1), RULES_LINE + 1)
    assert (
        error.message == "'reason' は textarea の項目です。この規則（total_max）で使える項目: adults, children, items"
    )
    error = load_error(tmp_path, "- kind: date_before\n  field: adults\n  other: start\n")
    assert error.path == ("rules", 0, "field")
    assert error.message.startswith("'adults' は number の項目です。")


def test_an_unknown_kind_suggests_the_closest(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- kind: total_maximum\n  fields: [adults]\n  max: 3\n")
    assert (error.path, error.line) == (("rules", 0, "kind"), RULES_LINE)
    assert error.message == (
        "不明な規則の種類 'total_maximum' です。total_max のことですか？ "
        "ここで使える規則の種類: date_after, date_before, excluded_if, required_if, total_max, total_min"
    )


def test_a_rule_without_kind(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- field: reason\n")
    assert (error.path, error.line) == (("rules", 0), RULES_LINE)
    assert (
        error.message
        == "規則の種類を kind に書いてください（required_if, excluded_if, date_after, date_before, total_max, total_min）"
    )


def test_an_unknown_key_in_a_rule_suggests_the_kind_s_keys(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- kind: date_after\n  field: end\n  other: start\n  min_day: 3\n")
    assert (error.path, error.line) == (("rules", 0, "min_day"), RULES_LINE + 3)
    assert error.message == (
        "不明なキー 'min_day' です。min_days のことですか？ この規則（date_after）で使えるキー: field, kind, message, "
        "min_days, other"
    )
    error = load_error(tmp_path, "- kind: required_if\n  field: reason\n  when: {field: stay, equal: long}\n")
    assert error.path == ("rules", 0, "when", "equal")
    assert error.message.startswith("不明なキー 'equal' です。equals のことですか？ ")


def test_required_if_needs_an_optional_field_and_a_possible_condition(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- kind: required_if\n  field: adults\n  when: {field: stay, in: [long, longer]}\n")
    assert (error.path, error.line) == (("rules", 0, "field"), RULES_LINE + 1)
    assert error.message.startswith("'adults' は常に必須です。required_if で必須にするには required: false と書いて")
    assert f"proc.yaml:{RULES_LINE + 2}: rules[0].when.in[1]: 'longer' is not an option of 'stay'" in error.message
    error = load_error(tmp_path, "- kind: required_if\n  field: reason\n  when: {field: reason, equals: x}\n")
    assert error.path == ("rules", 0, "when", "field")
    assert error.message == "field と when.field に同じ項目 'reason' が書かれています"


def test_bad_values_in_rules(tmp_path: Path) -> None:
    same = load_error(tmp_path, "- kind: date_after\n  field: end\n  other: end\n")
    assert (same.path, same.message) == (("rules", 0, "other"), "field と other に同じ項目 'end' が書かれています")
    twice = load_error(tmp_path, "- kind: total_max\n  fields: [adults, adults]\n  max: 3\n")
    assert (twice.path, twice.message) == (("rules", 0, "fields"), "同じ項目が2回書かれています")
    negative = load_error(tmp_path, "- kind: date_after\n  field: end\n  other: start\n  min_days: -1\n")
    assert negative.path == ("rules", 0, "min_days") and "greater than or equal to 0" in negative.message
    empty = load_error(tmp_path, "- kind: total_min\n  fields: []\n  min: 1\n")
    assert empty.path == ("rules", 0, "fields")
    percent = load_error(tmp_path, REQUIRED_IF + "  message: '%(label)sを入力'\n")
    assert percent.path == ("rules", 0, "message") and "'%' cannot be used" in percent.message
