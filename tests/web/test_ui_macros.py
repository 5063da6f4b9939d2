"""The DADS form macros, components, base layout and error pages render accessible markup.

A tiny Flask app (Babel + CSRF, the real template folder) stands in for the portal so that the UI layer
is tested on its own; the HTML is parsed, so the assertions are about elements and attributes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask, flash, render_template, render_template_string
from flask_babel import Babel
from flask_wtf import CSRFProtect
from jinja2 import UndefinedError

from portal.catalog import ERA_CHOICES
from portal.languages import ENGLISH, JAPANESE
from portal.web.formview import FieldView
from portal.web.i18n import Shown, is_date_answer, is_verbatim, recorded
from tests.web.dom import Node, parse

ROOT = Path(__file__).resolve().parents[2]


# --- the app, and FieldViews with defaults for what a test does not care about ----------------------


def view(name: str, widget: str, *, label: str = "項目", required: bool = False, **rest: Any) -> FieldView:
    rest.setdefault("help", None)
    rest.setdefault("error", None)
    rest.setdefault("raw", {})
    return FieldView(name=name, widget=widget, input_id=f"field-{name}", label=label, required=required, **rest)


CONTEXT: dict[str, Any] = {}


@pytest.fixture(scope="module")
def app() -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "portal/templates"), static_folder=str(ROOT / "static"))
    app.config.update(SECRET_KEY="test", BABEL_DEFAULT_LOCALE="ja")
    Babel(app)
    CSRFProtect(app)
    app.jinja_env.tests["verbatim"] = is_verbatim
    app.jinja_env.tests["date_answer"] = is_date_answer

    @app.context_processor
    def _portal_context() -> dict[str, Any]:
        context = {
            "current_locale": "ja",
            "languages": (JAPANESE, ENGLISH),
            "local_name": lambda municipality: Shown(municipality.name),
            "recorded": recorded,
            "language_url": lambda code: f"/?lang={code}",
            "municipality": SimpleNamespace(name="千代田区", code="131016"),
            "current_user": None,
            "logout_url": None,
            "home_url": "/",
        }
        return context | CONTEXT

    return app


@pytest.fixture
def render(app: Flask) -> Iterator[Any]:
    with app.test_request_context():
        yield lambda source, **values: render_template_string(source, **values)


def field_html(render: Any, f: FieldView) -> Node:
    return parse(render('{% import "macros/fields.html" as fields %}{{ fields.render_field(f) }}', f=f))


def components(render: Any, call: str, **values: Any) -> Node:
    return parse(render('{% import "macros/components.html" as c %}{{ ' + call + " }}", **values))


def described_by(node: Node) -> list[str]:
    return (node.attrs.get("aria-describedby") or "").split()


# --- render_field: labels, hints and errors -----------------------------------------------------


def test_required_field_has_badge_and_aria_required(render: Any) -> None:
    doc = field_html(render, view("family_name", "text", label="氏", required=True, autocomplete="family-name"))
    label = doc.one("label", for_="field-family_name")
    assert label.text() == "氏※必須"
    assert "badge--required" in label.one("span").classes()
    field_input = doc.one("input", id="field-family_name")
    assert field_input["name"] == "family_name"
    assert field_input["aria-required"] == "true"
    assert field_input["autocomplete"] == "family-name"
    assert "required" not in field_input.attrs  # the server validates; no untranslatable browser bubbles


def test_optional_field_says_so(render: Any) -> None:
    doc = field_html(render, view("nickname", "text", label="通称"))
    assert doc.one("label").text() == "通称※任意"
    assert "aria-required" not in doc.one("input").attrs


def test_error_marks_input_invalid_and_describes_it(render: Any) -> None:
    f = view("family_name", "text", help="戸籍のとおり", error="氏を入力してください", raw={"family_name": ["<山田>"]})
    doc = field_html(render, f)
    field_input = doc.one("input", id="field-family_name")
    assert field_input["aria-invalid"] == "true"
    assert described_by(field_input) == ["field-family_name-hint", "field-family_name-error"]
    assert doc.one(id="field-family_name-hint").text() == "戸籍のとおり"
    error = doc.one(id="field-family_name-error")
    assert error.text() == "エラー：氏を入力してください"
    assert "visually-hidden" in error.one("span").classes()
    assert field_input["value"] == "<山田>"  # parsed back from &lt;山田&gt;: escaped, not injected
    assert "field--error" in doc.one(data_field="family_name").classes()


def test_valid_field_is_not_marked_invalid(render: Any) -> None:
    field_input = field_html(render, view("family_name", "text")).one("input")
    assert "aria-invalid" not in field_input.attrs
    assert "aria-describedby" not in field_input.attrs


def test_label_and_help_are_escaped(render: Any) -> None:
    doc = field_html(render, view("x", "text", label="<script>alert(1)</script>", help="<b>太字</b>"))
    assert doc.find_all("script") == [] and doc.find_all("b") == []
    assert doc.one("label").text().startswith("<script>alert(1)</script>")


def test_max_length_sets_attribute_and_hint(render: Any) -> None:
    doc = field_html(render, view("note", "textarea", max_length=100, rows=3, raw={"note": ["こんにちは"]}))
    textarea = doc.one("textarea", id="field-note")
    assert (textarea["maxlength"], textarea["rows"], textarea.text()) == ("100", "3", "こんにちは")
    assert doc.one(id="field-note-hint").text() == "100文字以内"
    assert described_by(textarea) == ["field-note-hint"]


def test_kana_field_hints_katakana(render: Any) -> None:
    doc = field_html(render, view("family_name_kana", "kana"))
    assert doc.one(id="field-family_name_kana-hint").text() == "全角カタカナ"


@pytest.mark.parametrize(
    ("bounds", "hint", "attrs"),
    [
        ({"min": 1, "max": 10}, "1〜10の数字", {"min": "1", "max": "10"}),
        ({"min": 0}, "0以上の数字", {"min": "0"}),
        ({"max": 5}, "5以下の数字", {"max": "5"}),
    ],
)
def test_number_bounds_become_attributes_and_hint(
    render: Any, bounds: dict[str, int], hint: str, attrs: dict[str, str]
) -> None:
    doc = field_html(render, view("copies", "number", **bounds))
    number = doc.one("input", id="field-copies")
    assert (number["type"], number["inputmode"]) == ("number", "numeric")
    assert {k: v for k, v in number.attrs.items() if k in ("min", "max")} == attrs
    assert doc.one(id="field-copies-hint").text() == hint


@pytest.mark.parametrize(
    ("widget", "input_type", "inputmode"),
    [("phone", "tel", "tel"), ("postal_code", "tel", "numeric"), ("email", "email", None), ("address", "text", None)],
)
def test_input_types_per_widget(render: Any, widget: str, input_type: str, inputmode: str | None) -> None:
    field_input = field_html(render, view("contact", widget)).one("input", id="field-contact")
    assert (field_input["type"], field_input.attrs.get("inputmode")) == (input_type, inputmode)


def test_select_offers_a_blank_choice_and_keeps_the_value(render: Any) -> None:
    f = view("purpose", "select", options=[("a", "就職"), ("b", "進学")], raw={"purpose": ["b"]})
    select = field_html(render, f).one("select", id="field-purpose")
    options = select.find_all("option")
    assert [(o["value"], o.text(), "selected" in o.attrs) for o in options] == [
        ("", "選択してください", False),
        ("a", "就職", False),
        ("b", "進学", True),
    ]


# --- groups: fieldset and legend -----------------------------------------------------------------


def test_radio_group_is_a_fieldset_with_legend(render: Any) -> None:
    f = view(
        "gender",
        "radio",
        label="性別",
        required=True,
        error="性別を選択してください",
        options=[("male", "男性"), ("female", "女性"), ("none", "回答しない")],
        raw={"gender": ["female"]},
    )
    doc = field_html(render, f)
    fieldset = doc.one("fieldset")
    assert fieldset.one("legend").text() == "性別※必須"
    assert described_by(fieldset) == ["field-gender-error"]
    radios = fieldset.find_all("input", type="radio")
    assert [r["id"] for r in radios] == ["field-gender", "field-gender-2", "field-gender-3"]
    assert [r["name"] for r in radios] == ["gender"] * 3
    assert ["checked" in r.attrs for r in radios] == [False, True, False]
    assert [doc.one("label", for_=r["id"]).text() for r in radios] == ["男性", "女性", "回答しない"]


def test_checkboxes_keep_every_chosen_value(render: Any) -> None:
    f = view(
        "uses",
        "checkboxes",
        error="選択してください",
        options=[("a", "就職"), ("b", "進学"), ("c", "その他")],
        raw={"uses": ["a", "c"]},
    )
    boxes = field_html(render, f).one("fieldset").find_all("input", type="checkbox")
    assert ["checked" in b.attrs for b in boxes] == [True, False, True]
    assert {b["aria-invalid"] for b in boxes} == {"true"}


def test_single_checkbox_submits_on_and_is_labelled_beside(render: Any) -> None:
    f = view("consent", "checkbox", label="同意する", required=True, raw={"consent": ["on"]})
    doc = field_html(render, f)
    box = doc.one("input", id="field-consent")
    assert (box["type"], box["value"], "checked" in box.attrs) == ("checkbox", "on", True)
    assert doc.one("label", for_="field-consent").text() == "同意する※必須"
    assert doc.find_all("fieldset") == []
    unticked = field_html(render, view("consent", "checkbox")).one("input", id="field-consent")
    assert "checked" not in unticked.attrs


def test_date_is_era_year_month_day_in_a_fieldset(render: Any) -> None:
    raw = {"birthdate-era": ["showa"], "birthdate-year": ["60"], "birthdate-month": ["4"], "birthdate-day": ["1"]}
    f = view(
        "birthdate",
        "date",
        label="生年月日",
        required=True,
        error="日付が正しくありません",
        raw=raw,
        options=list(ERA_CHOICES),
    )
    doc = field_html(render, f)
    fieldset = doc.one("fieldset")
    assert fieldset.one("legend").text() == "生年月日※必須"
    assert described_by(fieldset) == ["field-birthdate-error"]
    era = fieldset.one("select", id="field-birthdate")
    assert era["name"] == "birthdate-era"
    assert [o["value"] for o in era.find_all("option")] == [
        "",
        "seireki",
        "reiwa",
        "heisei",
        "showa",
        "taisho",
        "meiji",
    ]
    assert era.one("option", value="showa").text() == "昭和" and "selected" in era.one("option", value="showa").attrs
    parts = {part: fieldset.one("input", name=f"birthdate-{part}") for part in ("year", "month", "day")}
    assert {p: (n["id"], n["value"], n["inputmode"], n["aria-invalid"]) for p, n in parts.items()} == {
        "year": ("field-birthdate-year", "60", "numeric", "true"),
        "month": ("field-birthdate-month", "4", "numeric", "true"),
        "day": ("field-birthdate-day", "1", "numeric", "true"),
    }
    assert [doc.one("label", for_=n["id"]).text() for n in parts.values()] == ["年", "月", "日"]
    assert doc.one("label", for_="field-birthdate").text() == "元号"


def test_date_autocomplete_applies_to_each_part(render: Any) -> None:
    doc = field_html(render, view("birthdate", "date", autocomplete="bday"))
    assert [doc.one("input", name=f"birthdate-{p}")["autocomplete"] for p in ("year", "month", "day")] == [
        "bday-year",
        "bday-month",
        "bday-day",
    ]


@pytest.mark.parametrize(
    ("bounds", "hint"),
    [
        ({"max": "today"}, "今日以前の日付"),
        ({"min": "2024-04-01"}, "2024年4月1日以降の日付"),
        ({"min": "2024-04-01", "max": "today"}, "2024年4月1日から今日までの日付"),
    ],
)
def test_date_bounds_are_hinted(render: Any, bounds: dict[str, str], hint: str) -> None:
    doc = field_html(render, view("moved_on", "date", **bounds))
    assert doc.one(id="field-moved_on-hint").text() == hint
    assert described_by(doc.one("fieldset")) == ["field-moved_on-hint"]


def test_item_counts_are_number_inputs_per_item(render: Any) -> None:
    f = view(
        "copies",
        "item_counts",
        label="通数",
        items=[("juminhyo", "住民票の写し"), ("inkan", "印鑑登録証明書")],
        max_each=10,
        raw={"copies-inkan": ["2"]},
    )
    doc = field_html(render, f)
    fieldset = doc.one("fieldset")
    assert fieldset.one("legend").text() == "通数※任意"
    inputs = fieldset.find_all("input")
    assert [(i["id"], i["name"], i["value"], i["min"], i["max"]) for i in inputs] == [
        ("field-copies", "copies-juminhyo", "0", "0", "10"),
        ("field-copies-2", "copies-inkan", "2", "0", "10"),
    ]
    assert [doc.one("label", for_=i["id"]).text() for i in inputs] == ["住民票の写し", "印鑑登録証明書"]
    assert doc.one(id="field-copies-hint").text() == "0〜10の数字"


BANK_RAW = {
    "account-bank": ["0001"],
    "account-branch": ["001"],
    "account-kind": ["2"],
    "account-number": ["1234567"],
    "account-holder": ["ヤマダ　タロウ"],
}
BANK_KINDS = [("1", "普通"), ("2", "当座"), ("4", "貯蓄")]


def test_bank_account_is_five_labelled_inputs_in_a_fieldset(render: Any) -> None:
    f = view(
        "account",
        "bank_account",
        label="受取口座",
        required=True,
        help="請求者名義の口座",
        raw=BANK_RAW,
        options=BANK_KINDS,
    )
    doc = field_html(render, f)
    fieldset = doc.find_all("fieldset")[0]
    assert fieldset.one("legend", class_="field__legend").text() == "受取口座※必須"
    assert described_by(fieldset) == ["field-account-hint"]
    typed = fieldset.find_all("input", type="text")
    assert [(i["id"], i["name"], i["value"], i.attrs.get("inputmode")) for i in typed] == [
        ("field-account", "account-bank", "0001", "numeric"),
        ("field-account-branch", "account-branch", "001", "numeric"),
        ("field-account-number", "account-number", "1234567", "numeric"),
        ("field-account-holder", "account-holder", "ヤマダ　タロウ", None),
    ]
    assert [doc.one("label", for_=i["id"]).text() for i in typed] == [
        "金融機関コード（4桁）",
        "支店コード（3桁）",
        "口座番号（7桁以内）",
        "口座名義（全角カタカナ）",
    ]
    assert all(i["aria-required"] == "true" and "aria-invalid" not in i.attrs for i in typed)
    assert all("maxlength" not in i.attrs for i in typed)  # a pasted ゆうちょ 記号・番号 must reach the server whole
    kind = fieldset.one("fieldset")
    assert kind.one("legend").text() == "預金種目"
    radios = kind.find_all("input")
    assert [(r["type"], r["id"], r["name"], r["value"], "checked" in r.attrs) for r in radios] == [
        ("radio", "field-account-kind", "account-kind", "1", False),
        ("radio", "field-account-kind-2", "account-kind", "2", True),
        ("radio", "field-account-kind-3", "account-kind", "4", False),
    ]
    assert [doc.one("label", for_=r["id"]).text() for r in radios] == ["普通", "当座", "貯蓄"]


def test_a_bank_account_error_marks_the_input_it_is_about(render: Any) -> None:
    f = view(
        "account",
        "bank_account",
        error="受取口座の支店コード999はみずほ銀行の支店にありません",
        raw=BANK_RAW,
        options=BANK_KINDS,
        invalid_input="account-branch",
        invalid_id="field-account-branch",
    )
    doc = field_html(render, f)
    assert described_by(doc.find_all("fieldset")[0]) == ["field-account-error"]
    invalid = [i["name"] for i in doc.find_all("input") if i.attrs.get("aria-invalid") == "true"]
    assert invalid == ["account-branch"]
    assert "bank-account__kind--invalid" not in doc.find_all("fieldset")[1].classes()  # radios not outlined


def test_a_bank_account_error_about_the_whole_marks_every_typed_input(render: Any) -> None:
    doc = field_html(render, view("account", "bank_account", error="受取口座を入力してください", options=BANK_KINDS))
    invalid = [i["name"] for i in doc.find_all("input") if i.attrs.get("aria-invalid") == "true"]
    assert invalid == ["account-bank", "account-branch", "account-number", "account-holder"]
    assert "bank-account__kind--invalid" in doc.find_all("fieldset")[1].classes()


# --- behaviour hooks for portal.js ---------------------------------------------------------------


def test_postal_lookup_works_as_a_plain_submit_button(render: Any) -> None:
    doc = field_html(render, view("postal_code", "postal_code", fills="address", raw={"postal_code": ["1000001"]}))
    button = doc.one("button")
    assert (button["type"], button["name"], button["value"]) == ("submit", "lookup", "postal_code")
    assert "formnovalidate" in button.attrs
    assert button.text() == "住所を検索"
    assert (button["data-postal-input"], button["data-postal-fills"]) == ("field-postal_code", "field-address")
    status = doc.one(id=button["data-postal-status"])
    assert status["aria-live"] == "polite"


def test_postal_code_without_fills_has_no_button(render: Any) -> None:
    assert field_html(render, view("postal_code", "postal_code")).find_all("button") == []


def test_conditional_field_carries_its_condition_and_stays_visible_without_javascript(render: Any) -> None:
    f = view("other_use", "text", show_if_field="use", show_if_values=["other", "その他"])
    wrapper = field_html(render, f).one(data_field="other_use")
    assert wrapper["data-show-if-field"] == "use"
    assert wrapper["data-show-if-values"] == '["other", "\\u305d\\u306e\\u4ed6"]'
    assert "hidden" not in wrapper.attrs  # portal.js hides it; without JavaScript it must stay reachable
    shown = field_html(render, view("plain", "text")).one(data_field="plain")
    assert "hidden" not in shown.attrs and "data-show-if-field" not in shown.attrs


def test_unknown_widget_fails_loudly(render: Any) -> None:
    with pytest.raises(UndefinedError, match="unknown widget slider for field volume"):
        field_html(render, view("volume", "slider"))


# --- error summary -------------------------------------------------------------------------------


def test_error_summary_links_to_each_invalid_input(render: Any) -> None:
    errors = [("field-family_name", "氏を入力してください"), ("field-birthdate", "生年月日を入力してください")]
    doc = parse(render('{% import "macros/fields.html" as fields %}{{ fields.error_summary(errors) }}', errors=errors))
    summary = doc.one(class_="error-summary")
    assert (summary["tabindex"], summary["role"]) == ("-1", "alert")
    assert "autofocus" in summary.attrs and "data-error-summary" in summary.attrs  # portal.js hook
    assert doc.one(id=summary["aria-labelledby"]).text() == "入力内容にエラーがあります"
    assert [(a["href"], a.text()) for a in summary.find_all("a")] == [
        ("#field-family_name", "氏を入力してください"),
        ("#field-birthdate", "生年月日を入力してください"),
    ]


def test_error_summary_is_absent_without_errors(render: Any) -> None:
    assert render('{% import "macros/fields.html" as fields %}{{ fields.error_summary([]) }}').strip() == ""


# --- components ----------------------------------------------------------------------------------


def test_status_badge_distinguishes_final_states(render: Any) -> None:
    assert components(render, 'c.status_badge("審査中", false)').one("span").classes() == [
        "status-badge",
        "status-badge--open",
    ]
    assert components(render, 'c.status_badge("完了", true)').one("span").text() == "完了"
    assert "status-badge--final" in components(render, 'c.status_badge("完了", true)').one("span").classes()


def test_definition_list_marks_empty_answers(render: Any) -> None:
    doc = components(render, "c.definition_list(rows)", rows=[("氏名", "山田 太郎"), ("電話番号", ""), ("備考", None)])
    assert [(dt.text(), dd.text()) for dt, dd in zip(doc.find_all("dt"), doc.find_all("dd"), strict=True)] == [
        ("氏名", "山田 太郎"),
        ("電話番号", "（未入力）"),
        ("備考", "（未入力）"),
    ]


def test_button_styles_and_values(render: Any) -> None:
    button = components(render, 'c.button("差し戻す", "danger", name="action", value="return")').one("button")
    assert (button["type"], button["name"], button["value"], button.classes()) == (
        "submit",
        "action",
        "return",
        ["button", "button--danger"],
    )
    plain = components(render, 'c.button("次へ")').one("button")
    assert "name" not in plain.attrs and plain.classes() == ["button", "button--primary"]
    with pytest.raises(UndefinedError, match="unknown style pink"):
        components(render, 'c.button("x", "pink")')


@pytest.mark.parametrize(
    ("kind", "role", "label"),
    [
        ("error", "alert", "エラー"),
        ("warning", "alert", "注意"),
        ("success", "status", "完了"),
        ("info", "status", "お知らせ"),
    ],
)
def test_notice_role_and_visible_kind(render: Any, kind: str, role: str, label: str) -> None:
    notice = components(render, "c.notice(text, kind)", text="保存しました", kind=kind).one("div")
    assert notice["role"] == role
    assert notice.text().split() == [label, "保存しました"]


def test_a_notice_may_name_its_own_heading_where_the_kind_would_mislead(render: Any) -> None:
    """「完了」 over «この証明書は有効です» reads as if something had just been done: the verify page says 「有効」."""
    notice = components(render, 'c.notice("この証明書は有効です。", "success", title="有効")').one("div")
    assert notice["role"] == "status"
    assert notice.text().split() == ["有効", "この証明書は有効です。"]


def test_notice_rejects_unknown_kind(render: Any) -> None:
    with pytest.raises(UndefinedError, match="unknown kind fatal"):
        components(render, 'c.notice("x", "fatal")')


def test_steps_mark_the_current_step(render: Any) -> None:
    items = components(render, 'c.steps(2, ["入力", "確認", "完了"])').find_all("li")
    assert [i.attrs.get("aria-current") for i in items] == [None, "step", None]
    assert [i.one(class_="steps__label").text() for i in items] == ["完了：入力", "確認", "完了"]


def test_breadcrumbs_link_all_but_the_current_page(render: Any) -> None:
    doc = components(
        render, "c.breadcrumbs(items)", items=[("ホーム", "/"), ("申請一覧", "/cases"), ("申請の詳細", None)]
    )
    assert doc.one("nav")["aria-label"] == "現在位置"
    assert [a["href"] for a in doc.find_all("a")] == ["/", "/cases"]
    assert doc.one(aria_current="page").text() == "申請の詳細"


# --- base layout and error pages -----------------------------------------------------------------


PAGE = (
    '{% extends "base.html" %}{% block title %}申請一覧{% endblock %}'
    '{% block breadcrumbs %}{{ components.breadcrumbs([("トップ", "/"), ("申請一覧", None)]) }}{% endblock %}'
    "{% block content %}<h1>申請一覧</h1>{% endblock %}"
)


@pytest.fixture
def context() -> Iterator[dict[str, Any]]:
    CONTEXT.clear()
    yield CONTEXT
    CONTEXT.clear()


def test_base_layout_has_landmarks_skip_link_and_title(render: Any, context: dict[str, Any]) -> None:
    doc = parse(render(PAGE))
    assert doc.one("html")["lang"] == "ja"
    assert doc.one("title").text() == "申請一覧 | 千代田区 | 窓口"
    skip = doc.find_all("a")[0]
    assert (skip.text(), skip["href"]) == ("本文へスキップ", "#main")
    assert doc.one("main", id="main").one("h1").text() == "申請一覧"
    assert [len(doc.find_all(tag)) for tag in ("header", "main", "footer")] == [1, 1, 1]
    assert doc.one("meta", name="viewport")["content"] == "width=device-width, initial-scale=1"
    breadcrumbs = doc.one("nav", aria_label="現在位置")  # `components` comes from base.html, unimported
    assert breadcrumbs.parent is not None and breadcrumbs.parent.tag == "div"
    assert all(ancestor.tag != "main" for ancestor in breadcrumbs.ancestors())


def test_title_without_municipality_and_locale_from_context(render: Any, context: dict[str, Any]) -> None:
    context.update(municipality=None, current_locale="en")
    doc = parse(render(PAGE))
    assert doc.one("title").text() == "申請一覧 | 窓口"
    assert doc.one("html")["lang"] == "en"


def test_language_switch_marks_the_current_language(render: Any, context: dict[str, Any]) -> None:
    nav = parse(render(PAGE)).one("nav", aria_label="言語の切り替え")
    links = nav.find_all("a")
    assert [(a["href"], a["lang"], a["hreflang"], a.text()) for a in links] == [
        ("/?lang=ja", "ja", "ja", "日本語"),
        ("/?lang=en", "en", "en", "English"),
    ]
    assert [a.attrs.get("aria-current") for a in links] == ["true", None]


def test_logged_in_user_can_log_out_with_csrf(render: Any, context: dict[str, Any]) -> None:
    context.update(current_user=SimpleNamespace(display_name="山田 太郎", kind="staff"), logout_url="/logout")
    doc = parse(render(PAGE))
    assert "山田 太郎" in doc.one(class_="site-header__user").text()
    assert "layout-staff" in doc.one("body").classes()
    form = doc.one("form", action="/logout")
    assert form["method"] == "post"
    assert form.one("input", name="csrf_token")["value"]
    assert form.one("button").text() == "ログアウト"


def test_anonymous_visitor_gets_no_logout(render: Any, context: dict[str, Any]) -> None:
    assert parse(render(PAGE)).find_all("form") == []


def test_flashed_messages_become_notices(render: Any, context: dict[str, Any]) -> None:
    flash("申請を受け付けました", "success")
    flash("保存できませんでした", "error")
    flash("既定の分類")
    notices = [n for n in parse(render(PAGE)).one("main").walk() if "notice" in n.classes()]
    assert [(n["role"], n.text().split()[-1]) for n in notices] == [
        ("status", "申請を受け付けました"),
        ("alert", "保存できませんでした"),
        ("status", "既定の分類"),
    ]


def test_linked_static_assets_exist(render: Any, context: dict[str, Any]) -> None:
    doc = parse(render(PAGE))
    urls = [link["href"] for link in doc.find_all("link", rel="stylesheet")] + [
        s["src"] for s in doc.find_all("script")
    ]
    assert urls == ["/static/css/portal.css", "/static/js/portal.js"]
    for url in urls:
        assert (ROOT / url.lstrip("/")).is_file(), url
    assert "defer" in doc.one("script").attrs


@pytest.mark.parametrize(
    ("template", "values", "heading"),
    [
        ("errors/404.html", {}, "ページが見つかりません"),
        ("errors/400.html", {"csrf": True}, "リクエストを処理できませんでした"),
        ("errors/403.html", {}, "このページを表示する権限がありません"),
        ("errors/500.html", {}, "システムエラーが発生しました"),
    ],
)
def test_error_pages_extend_the_layout(
    app: Flask, context: dict[str, Any], template: str, values: dict[str, Any], heading: str
) -> None:
    context.update(municipality=None, languages=None)  # error handlers may run with little context
    with app.test_request_context():
        doc = parse(render_template(template, **values))
    assert doc.one("title").text() == f"{heading} | 窓口"
    assert doc.one("main").one("h1").text() == heading
    assert doc.one("a", href="#main").text() == "本文へスキップ"
    assert doc.one("main").find_all("a", href="/")


def test_csrf_failure_explains_the_expired_form(app: Flask, context: dict[str, Any]) -> None:
    with app.test_request_context():
        expired = parse(render_template("errors/400.html", csrf=True)).one("main").text()
        other = parse(render_template("errors/400.html")).one("main").text()
    assert "時間が経った" in expired and "時間が経った" not in other
