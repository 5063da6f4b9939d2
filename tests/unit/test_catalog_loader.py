"""Loading definitions: the real catalog loads, and every mistake names file, path and line."""

from __future__ import annotations

import hashlib
from pathlib import Path
from textwrap import dedent

import pytest

from portal.catalog import Catalog, DefinitionError, load_catalog, load_definition
from portal.catalog.fees import PerCount, PriceTable

CATALOG = Path(__file__).resolve().parents[2] / "forms_catalog"

MINIMAL = """\
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
      - name: family_name
        type: text
        label: 氏
"""


def write(directory: Path, text: str, name: str = "proc.yaml") -> Path:
    path = directory / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str, name: str = "proc.yaml", **known: set[str]) -> DefinitionError:
    with pytest.raises(DefinitionError) as caught:
        load_definition(write(tmp_path, text, name), **known)
    return caught.value


# --- the real catalog -----------------------------------------------------------------------------------


def test_real_catalog_loads_against_the_workflows_it_names() -> None:
    catalog = load_catalog(
        CATALOG,
        workflows={"jidou_teate", "juminhyo", "sodai_gomi", "risai_shomei", "tenshutsu"},
        certificates={"juminhyo", "risai_shomei", "tenshutsu"},
    )
    assert isinstance(catalog, Catalog)
    # 住民票… sorts before 児童手当…, 粗大ごみ…, 罹災… and 転出届
    assert list(catalog) == ["juminhyo", "jidou_teate", "sodai_gomi", "risai_shomei", "tenshutsu"]
    juminhyo = catalog["juminhyo"]
    assert (juminhyo.fee, juminhyo.fee_note, juminhyo.processing_days) == (
        PerCount(per="copies", unit=300),
        "1通につき300円",
        3,
    )
    assert (juminhyo.workflow, juminhyo.certificate) == ("juminhyo", "juminhyo")
    assert [page.key for page in juminhyo.pages] == [
        "applicant",
        "requester",
        "request",
        "receipt_and_payment",
    ]  # the second and the last generated
    assert juminhyo.version == hashlib.sha256((CATALOG / "juminhyo.yaml").read_bytes()).hexdigest()
    assert juminhyo.field("members").show_if is not None
    assert juminhyo.field("postal_code").settings.fills == "address"
    sodai = catalog.get("sodai_gomi")
    assert sodai is not None and sodai.certificate is None and isinstance(sodai.fee, PriceTable)
    assert sodai.field("items").settings.max_each == 5
    assert [item.value for item in sodai.field("items").settings.items] == [
        "sofa",
        "bed",
        "wardrobe",
        "bicycle",
        "futon",
        "desk",
    ]
    assert catalog.get("unknown") is None


def test_definition_lookups() -> None:
    definition = load_definition(CATALOG / "juminhyo.yaml")
    assert definition.page("request").title == "請求内容"
    assert [f.name for f in definition.fields][:3] == ["family_name", "given_name", "family_name_kana"]
    with pytest.raises(KeyError, match="no field 'nickname'"):
        definition.field("nickname")
    with pytest.raises(KeyError, match="no page 'payment'"):
        definition.page("payment")


def test_definitions_are_immutable() -> None:
    definition = load_definition(CATALOG / "juminhyo.yaml")
    with pytest.raises(ValueError, match="frozen"):
        definition.fee = 0  # type: ignore[misc]


def test_catalog_orders_by_title(tmp_path: Path) -> None:
    write(tmp_path, MINIMAL.replace("テスト手続き", "い"), "a.yaml")
    write(tmp_path, MINIMAL.replace("テスト手続き", "あ"), "b.yaml")
    assert list(load_catalog(tmp_path).values())[0].slug == "b"


# --- errors name file, path and line --------------------------------------------------------------------


def test_error_names_the_directory_relative_file(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL.replace("fee: 0", "fee: free"))
    assert error.file == f"{tmp_path.name}/proc.yaml"
    assert str(error).startswith(f"{tmp_path.name}/proc.yaml:4: fee: ")


def test_unknown_field_type_lists_the_known_ones(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL.replace("type: text", "type: signature"))
    assert (error.path, error.line) == (("pages", 0, "fields", 0, "type"), 12)
    assert (
        "unknown field type 'signature'; known types: address, any_script_text, bank_account, checkbox, checkboxes, date"
        in error.message
    )


def test_unknown_top_level_key(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL + "colour: blue\n")
    assert (error.path, error.line) == (("colour",), 14)
    assert error.message.startswith(
        "不明なキー 'colour' です。ここで使えるキー: certificate, certified_persons, description, fee, "
    )
    assert "slug" not in error.message and "version" not in error.message  # derived, never written


def test_unknown_top_level_key_suggests_the_closest(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL + "fee_notes: 無料\n")
    assert error.path == ("fee_notes",)
    assert error.message.startswith("不明なキー 'fee_notes' です。fee_note のことですか？ ")


def test_unknown_type_specific_key_is_reported_inline(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL + "        max_lenght: 5\n")
    assert str(error).startswith(
        f"{tmp_path.name}/proc.yaml:14: pages[0].fields[0].max_lenght: "
        "不明なキー 'max_lenght' です。max_length のことですか？ この型（text）で使えるキー: help, label, max_length, "
    )
    assert "settings" not in error.message


def test_bad_type_specific_value(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL + "        max_length: many\n")
    assert (error.path, error.line) == (("pages", 0, "fields", 0, "max_length"), 14)
    assert "valid integer" in error.message


def test_settings_of_another_type_are_unknown(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL + "        options: []\n")
    assert error.path == ("pages", 0, "fields", 0, "options")
    assert error.message.startswith("不明なキー 'options' です。この型（text）で使えるキー: ")


def test_missing_required_key_points_at_its_parent(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL.replace("        label: 氏\n", ""))
    assert (error.path, error.line, error.message) == (("pages", 0, "fields", 0, "label"), 11, "this key is required")


def test_several_problems_are_all_listed(tmp_path: Path) -> None:
    error = load_error(
        tmp_path, MINIMAL.replace("fee: 0", "fee: -1").replace("processing_days: 1", "processing_days: 0")
    )
    assert error.line == 4
    assert f"\n{tmp_path.name}/proc.yaml:5: processing_days: " in error.message


def test_derived_keys_may_not_be_written(tmp_path: Path) -> None:
    error = load_error(tmp_path, "slug: other\n" + MINIMAL)
    assert (error.path, error.line) == (("slug",), 1)


def test_bad_slug(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL, name="Jumin Hyo.yaml")
    assert "file name 'Jumin Hyo'" in str(error)


def test_empty_pages(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL.split("pages:")[0] + "pages: []\n")
    assert (error.path, error.line) == (("pages",), 7)
    assert "at least 1" in error.message


def test_page_without_fields(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL.split("    fields:")[0] + "    fields: []\n")
    assert (error.path, error.line) == (("pages", 0, "fields"), 10)


def test_not_a_mapping(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- just\n- a list\n")
    assert "must be a mapping" in error.message


def test_yaml_syntax_error_has_its_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL.replace("processing_days: 1", "processing_days: 1 days: 2"))
    assert error.line == 5 and error.message.startswith("1行に「キー: 値」が2つあります。")


def test_bad_field_name(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL.replace("name: family_name", "name: Family-Name"))
    assert (error.path, error.line) == (("pages", 0, "fields", 0, "name"), 11)


SECOND_FIELD = (
    MINIMAL
    + """\
      - name: {name}
        type: {type}
        label: 二つ目
"""
)


def test_duplicate_field_names_across_pages(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + "  - key: more\n    title: 続き\n    fields:\n      - name: family_name\n        type: text\n        label: 氏\n"
    )
    error = load_error(tmp_path, text)
    assert (error.path, error.line) == (("pages", 1, "fields", 0, "name"), 17)
    assert error.message == "duplicate field name 'family_name'"


def test_duplicate_page_keys(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + "  - key: main\n    title: 続き\n    fields:\n      - name: other\n        type: text\n        label: 他\n"
    )
    error = load_error(tmp_path, text)
    assert (error.path, error.line, error.message) == (("pages", 1, "key"), 14, "duplicate page key 'main'")


def test_unknown_profile_key_for_prefill(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL + "        prefill: nickname\n")
    assert (error.path, error.line) == (("pages", 0, "fields", 0, "prefill"), 14)
    assert "unknown profile key 'nickname'; known keys: address, birthdate" in error.message


def test_prefill_on_a_type_that_cannot_take_it(tmp_path: Path) -> None:
    error = load_error(tmp_path, SECOND_FIELD.format(name="agree", type="checkbox") + "        prefill: gender\n")
    assert error.path == ("pages", 0, "fields", 1)
    assert error.message == "a checkbox field cannot be prefilled"


def test_show_if_must_name_an_earlier_field(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + "        show_if: {field: later, equals: x}\n"
        + SECOND_FIELD.removeprefix(MINIMAL).format(name="later", type="text")
    )
    error = load_error(tmp_path, text)
    assert (error.path, error.line) == (("pages", 0, "fields", 0, "show_if", "field"), 14)
    assert error.message == "'later' is defined later: show_if must name an earlier field"
    error = load_error(tmp_path, MINIMAL + "        show_if: {field: ghost, equals: x}\n")
    assert error.message == "'ghost' is not defined: show_if must name an earlier field"


def test_show_if_must_use_an_option_value(tmp_path: Path) -> None:
    text = (
        SECOND_FIELD.format(name="scope", type="radio")
        + "        options: [{value: self, label: 本人}, {value: all, label: 全員}]\n"
        + "      - name: members\n        type: textarea\n        label: 氏名\n"
        + "        show_if:\n          field: scope\n          in: [all, some]\n"
    )
    error = load_error(tmp_path, text)
    assert (error.path, error.line) == (("pages", 0, "fields", 2, "show_if", "in", 1), 23)
    assert error.message == "'some' is not an option of 'scope' (options: self, all)"


def test_show_if_needs_exactly_one_condition(tmp_path: Path) -> None:
    error = load_error(tmp_path, SECOND_FIELD.format(name="x", type="text") + "        show_if: {field: family_name}\n")
    assert error.path == ("pages", 0, "fields", 1, "show_if")
    assert error.message == "write exactly one of 'equals' and 'in'"


def test_fills_must_name_an_address_field(tmp_path: Path) -> None:
    error = load_error(
        tmp_path, SECOND_FIELD.format(name="postal_code", type="postal_code") + "        fills: family_name\n"
    )
    assert (error.path, error.line) == (("pages", 0, "fields", 1, "fills"), 17)
    assert error.message == "'family_name' is not an address field of this procedure"


def test_unknown_workflow_and_certificate_when_names_are_known(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL, workflows={"juminhyo"})
    assert (error.path, error.line, error.message) == (("workflow",), 6, "unknown workflow 'simple'; known: juminhyo")
    error = load_error(tmp_path, MINIMAL + "certificate: koseki\n", workflows={"simple"}, certificates={"juminhyo"})
    assert (error.path, error.line) == (("certificate",), 14)
    assert error.message == "unknown certificate template 'koseki'; known: juminhyo"


MEMBERS = MINIMAL + "      - {name: movers, type: household_members, label: 転出する人}\n"


def test_certified_persons_names_the_household_members_field_whose_choice_is_printed(tmp_path: Path) -> None:
    definition = load_definition(write(tmp_path, MEMBERS + "certificate: tenshutsu\ncertified_persons: movers\n"))
    assert (definition.certificate, definition.certified_persons) == ("tenshutsu", "movers")
    assert load_definition(write(tmp_path, MINIMAL)).certified_persons is None


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "certified_persons: mover\n",
            "'mover' is not a field: certified_persons names a household_members field (here: movers)",
        ),
        (
            "certified_persons: family_name\n",
            "'family_name' is a text field: certified_persons names a household_members field (here: movers)",
        ),
    ],
)
def test_certified_persons_must_name_a_household_members_field(tmp_path: Path, written: str, message: str) -> None:
    error = load_error(tmp_path, MEMBERS + "certificate: tenshutsu\n" + written)
    assert (error.path, error.line, error.message) == (("certified_persons",), 16, message)


def test_certified_persons_needs_a_certificate(tmp_path: Path) -> None:
    error = load_error(tmp_path, MEMBERS + "certified_persons: movers\n")
    assert (error.path, error.line) == (("certified_persons",), 15)
    assert error.message == "certified_persons is printed by a certificate: name one in certificate"


OTHERWISE = MINIMAL + "      - {{name: movers, type: household_members, label: 転出する人, otherwise: {}}}\n"
GROUP = "      - {name: typed, type: group, label: 転出する人, item_label: 人, max: 3, fields: [{name: who, type: text, label: 氏名}]}\n"  # fmt: skip


def test_otherwise_names_a_later_group_of_the_same_page(tmp_path: Path) -> None:
    definition = load_definition(write(tmp_path, OTHERWISE.format("typed") + GROUP))
    assert definition.field("movers").settings.otherwise == "typed"


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            OTHERWISE.format("typd") + GROUP,
            ("pages", 0, "fields", 1, "otherwise"),
            "'typd' is not a field: otherwise names a group field (here: typed)",
        ),
        (
            OTHERWISE.format("family_name") + GROUP,
            ("pages", 0, "fields", 1, "otherwise"),
            "'family_name' is a text field: otherwise names a group field (here: typed)",
        ),
        (
            OTHERWISE.format("typed") + GROUP.replace("}]}\n", "}], show_if: {field: family_name, equals: 山田}}\n"),
            ("pages", 0, "fields", 1, "otherwise"),
            "'typed' has a show_if: a group asked otherwise is shown when 'movers' is",
        ),
        (
            MINIMAL + GROUP + "      - {name: movers, type: household_members, label: 転出する人, otherwise: typed}\n",
            ("pages", 0, "fields", 2, "otherwise"),
            "'typed' is not later on this page: a group asked otherwise comes after 'movers'",
        ),
        (
            OTHERWISE.format("typed") + GROUP
            + "      - {name: others, type: household_members, label: 他の方, otherwise: typed}\n",
            ("pages", 0, "fields", 1, "otherwise"),
            "'typed' is asked otherwise for more than one field",
        ),
    ],
    ids=["unknown", "not-a-group", "group-with-show_if", "group-before", "twice"],
)  # fmt: skip
def test_otherwise_mistakes_name_the_key(tmp_path: Path, text: str, path: tuple, message: str) -> None:
    error = load_error(tmp_path, text)
    assert (error.path, error.message.split("\n")[0]) == (path, message)


def test_invalid_pattern_is_reported(tmp_path: Path) -> None:
    error = load_error(tmp_path, MINIMAL + "        pattern: '[0-9'\n")
    assert error.path == ("pages", 0, "fields", 0, "pattern")
    assert error.message.startswith("invalid regular expression")


FILE_FIELD = MINIMAL.replace("type: text\n        label: 氏\n", "type: file\n        label: 写真\n")


@pytest.mark.parametrize(
    ("settings", "key", "line", "message"),
    [
        ("accept: [jpeg, svg]", ("accept", 1), 14, "Input should be 'jpeg', 'png' or 'pdf'"),
        ("accept: [pdf, zip]", ("accept", 1), 14, "Input should be 'jpeg', 'png' or 'pdf'"),
        ("accept: []", ("accept",), 14, "Tuple should have at least 1 item after validation, not 0"),
        ("accept: [jpeg, jpeg]", ("accept",), 14, "each kind once: jpeg, jpeg"),
        (
            "accept: [pdf]\n        max_size: 25MB",
            ("max_size",),
            15,
            "must be from 1 byte to 20MB (one upload at most)",
        ),
        ("accept: [pdf]\n        max_size: 0", ("max_size",), 15, "must be from 1 byte to 20MB (one upload at most)"),
        (
            "accept: [pdf]\n        max_size: lots",
            ("max_size",),
            15,
            "'lots' is not a size: write bytes, or a size such as 5MB or 500KB",
        ),
        ("accept: [pdf]\n        max_count: 0", ("max_count",), 15, "Input should be greater than or equal to 1"),
        ("accept: [pdf]\n        max_count: 11", ("max_count",), 15, "Input should be less than or equal to 10"),
    ],
)
def test_bad_file_settings_name_file_key_and_line(
    tmp_path: Path, settings: str, key: tuple[str | int, ...], line: int, message: str
) -> None:
    error = load_error(tmp_path, FILE_FIELD + f"        {settings}\n")
    assert (error.path, error.line, error.message) == (("pages", 0, "fields", 0, *key), line, message)
    assert str(error).startswith(f"{tmp_path.name}/proc.yaml:{line}: pages[0].fields[0].")


def test_a_file_field_must_say_what_it_accepts_and_cannot_be_prefilled(tmp_path: Path) -> None:
    error = load_error(tmp_path, FILE_FIELD)
    assert (error.path, error.line, error.message) == (("pages", 0, "fields", 0, "accept"), 11, "this key is required")
    error = load_error(tmp_path, FILE_FIELD + "        accept: [pdf]\n        prefill: family_name\n")
    assert error.message == "a file field cannot be prefilled"
