"""Certificate templates render to HTML and to an A4 PDF with the Japanese font embedded."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import segno
from jinja2 import UndefinedError
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from portal.certificates import (
    STATIC_DIR,
    CertificateRenderer,
    UnknownTemplateError,
    available_templates,
)
from portal.certificates.filters import postal_code, wareki

CERTIFICATION = "この写しは、住民票の原本と相違ないことを証明する。"
VERMILION_PDF = b"0.784314 0.086275 0.113725"  # #c8161d as PDF colour operands
VERIFY_URL = "https://madoguchi.example.jp/verify/999997-2026-000001?c=ABCDEFGHIJKLMNOPQRSTUVWX"


def juminhyo_context(**overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "municipality": {
            "code": "999997",
            "name": "見本市",
            "prefecture": "見本県",
            "mayor_title": "見本市長",
            "mayor_name": "見本 太郎",
            "seal": "999997.svg",
            "demo": True,
        },
        "issue_number": "999997-2026-000001",
        "verify_url": VERIFY_URL,
        "issued_on": date(2026, 11, 26),
        "procedure_title": "住民票の写しの交付申請",
        "reference": "R-2026-000042",
        "applicant": {
            "family_name": "山田",
            "given_name": "花子",
            "family_name_kana": "ヤマダ",
            "given_name_kana": "ハナコ",
            "birthdate": "1985-04-01",
            "postal_code": "1000001",
            "address": "見本県見本市中央一丁目2番3号",
        },
        "answers": {"scope": "self", "items": ["relationship"], "copies": 2, "purpose": "bank"},
        "answer_text": {"scope": "本人のみ", "purpose": "金融機関への提出"},
    }
    context.update(overrides)
    return context


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


def row(html: str, label: str) -> str:
    """The text of the table cell next to the ``label`` header."""
    match = re.search(rf'<th scope="row">{label}</th>\s*<td>(.*?)</td>', html, re.S)
    assert match, f"no {label} row"
    return re.sub(r"<[^>]+>|\s+", "", match.group(1))


# --- filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 11, 26), "令和8年11月26日"),
        ("2019-05-01", "令和元年5月1日"),
        ("1989-01-07", "昭和64年1月7日"),
        (datetime(2026, 11, 26, 23, 59), "令和8年11月26日"),
    ],
)
def test_wareki_filter(value: date | str, expected: str) -> None:
    assert wareki(value) == expected


def test_wareki_filter_rejects_a_non_iso_string() -> None:
    with pytest.raises(ValueError, match=r"wareki: '2026/11/26' is not an ISO date"):
        wareki("2026/11/26")


def test_wareki_filter_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="expected a date or an ISO string, got int"):
        wareki(20261126)  # type: ignore[arg-type]


def test_postal_code_filter() -> None:
    assert postal_code("1000001") == "100-0001"


@pytest.mark.parametrize("bad", ["100-0001", "100000", "１０００００１", ""])
def test_postal_code_filter_rejects_anything_but_seven_digits(bad: str) -> None:
    with pytest.raises(ValueError, match="is not 7 half-width digits"):
        postal_code(bad)


# --- templates -------------------------------------------------------------------------------------


def test_available_templates_lists_certificates_not_layouts(renderer: CertificateRenderer) -> None:
    names = renderer.available_templates()

    assert "juminhyo" in names
    assert not any(name.startswith("_") for name in names)
    assert names == available_templates()


def test_available_templates_of_an_injected_directory(tmp_path: Path) -> None:
    (tmp_path / "_layout.html").write_text("")
    (tmp_path / "inkan.html").write_text("")
    (tmp_path / "notes.txt").write_text("")

    assert available_templates(tmp_path) == frozenset({"inkan"})


@pytest.mark.parametrize("name", ["koseki", "_base", "../juminhyo", "juminhyo.html"])
def test_an_unknown_template_is_refused_naming_the_available_ones(renderer: CertificateRenderer, name: str) -> None:
    with pytest.raises(UnknownTemplateError, match=r"no certificate template .*; available: .*juminhyo"):
        renderer.render_html(name, juminhyo_context())


def test_juminhyo_html_carries_the_resident_and_the_issue(renderer: CertificateRenderer) -> None:
    html = renderer.render_html("juminhyo", juminhyo_context())

    assert "住民票の写し" in html
    assert "山田　花子" in html
    assert "ヤマダ　ハナコ" in html
    assert "999997-2026-000001" in html
    assert "R-2026-000042" in html
    assert "令和8年11月26日" in html
    assert row(html, "生年月日") == "昭和60年4月1日生"
    assert row(html, "住所") == "〒100-0001見本県見本市中央一丁目2番3号"
    assert row(html, "世帯") == "本人のみ"
    assert row(html, "使用目的") == "金融機関への提出"
    assert row(html, "交付通数") == "2通"
    assert CERTIFICATION in html
    assert "見本市長" in html and "見本 太郎" in html
    assert 'src="seals/999997.svg"' in html


def test_juminhyo_prints_requested_items_and_omits_the_rest(renderer: CertificateRenderer) -> None:
    context = juminhyo_context()

    only_relationship = renderer.render_html("juminhyo", context)
    context["answers"] = {**context["answers"], "items": ["honseki"]}
    only_honseki = renderer.render_html("juminhyo", context)

    assert (row(only_relationship, "続柄"), row(only_relationship, "本籍・筆頭者")) == ("請求により記載", "省略")
    assert (row(only_honseki, "続柄"), row(only_honseki, "本籍・筆頭者")) == ("省略", "請求により記載")


def test_juminhyo_shows_household_members_when_given(renderer: CertificateRenderer) -> None:
    context = juminhyo_context(answer_text={"scope": "世帯全員", "purpose": "就職", "members": "山田 一郎、山田 花子"})

    assert row(renderer.render_html("juminhyo", context), "世帯") == "世帯全員山田一郎、山田花子"


def test_the_demo_note_appears_only_for_demo_municipalities(renderer: CertificateRenderer) -> None:
    real = juminhyo_context()
    real["municipality"] = {**real["municipality"], "demo": False}

    assert "デモンストレーション用の見本" in renderer.render_html("juminhyo", juminhyo_context())
    assert "デモンストレーション用の見本" not in renderer.render_html("juminhyo", real)


def test_a_my_number_never_reaches_the_certificate(renderer: CertificateRenderer) -> None:
    context = juminhyo_context()
    context["answers"] = {**context["answers"], "my_number": "123456789018"}
    context["applicant"] = {**context["applicant"], "my_number": "123456789018"}

    html = renderer.render_html("juminhyo", context)

    assert "123456789018" not in html
    assert "個人番号" not in html and "マイナンバー" not in html


def test_values_are_escaped(renderer: CertificateRenderer) -> None:
    context = juminhyo_context()
    context["applicant"] = {**context["applicant"], "family_name": '<img src="file:///etc/passwd">'}

    html = renderer.render_html("juminhyo", context)

    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html


@pytest.mark.parametrize(
    ("section", "key"),
    [("applicant", "postal_code"), ("municipality", "seal"), ("municipality", "demo"), ("answers", "items")],
)
def test_a_missing_value_is_an_error_not_a_blank(renderer: CertificateRenderer, section: str, key: str) -> None:
    context = juminhyo_context()
    context[section] = {k: v for k, v in context[section].items() if k != key}

    with pytest.raises(UndefinedError, match=key):
        renderer.render_html("juminhyo", context)


def test_a_missing_top_level_value_is_an_error(renderer: CertificateRenderer) -> None:
    context = juminhyo_context()
    del context["issued_on"]

    with pytest.raises(UndefinedError, match="issued_on"):
        renderer.render_html("juminhyo", context)


# --- seals -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "text"), [("999997", "見本市長之印"), ("999989", "試験町長之印")])
def test_demo_seals_are_vermilion_with_their_six_characters(code: str, text: str) -> None:
    svg = ET.parse(STATIC_DIR / "seals" / f"{code}.svg").getroot()
    ns = {"svg": "http://www.w3.org/2000/svg"}

    assert "".join(t.text or "" for t in svg.iterfind(".//svg:text", ns)) == text
    assert svg.find("svg:rect", ns).get("stroke") == "#c8161d"  # type: ignore[union-attr]
    assert svg.find("svg:g", ns).get("fill") == "#c8161d"  # type: ignore[union-attr]


# --- PDF -------------------------------------------------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _render_logging(renderer: CertificateRenderer, template: str, context: dict[str, Any]) -> tuple[bytes, list[str]]:
    """Render, keeping WeasyPrint's and the fetcher's warnings (caplog is function-scoped, this is not)."""
    records = _Records()
    loggers = [logging.getLogger("weasyprint"), logging.getLogger("portal.certificates")]
    for logger in loggers:
        logger.addHandler(records)
    try:
        return renderer.render_pdf(template, context), records.messages
    finally:
        for logger in loggers:
            logger.removeHandler(records)


@pytest.fixture(scope="module")
def juminhyo_pdf(renderer: CertificateRenderer) -> tuple[PdfReader, list[str]]:
    pdf, warnings = _render_logging(renderer, "juminhyo", juminhyo_context())
    return PdfReader(io.BytesIO(pdf)), warnings


def _fonts(resources: DictionaryObject) -> Iterator[DictionaryObject]:
    """Every font of a page, including those inside form XObjects (the SVG seal is one)."""
    for font in resources.get("/Font", {}).values():
        yield font.get_object()
    for xobject in resources.get("/XObject", {}).values():
        xobject = xobject.get_object()
        if "/Resources" in xobject:
            yield from _fonts(xobject["/Resources"])


def _forms(resources: DictionaryObject) -> Iterator[Any]:
    for xobject in resources.get("/XObject", {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            yield xobject
            yield from _forms(xobject.get("/Resources", DictionaryObject()))


def test_pdf_renders_without_warnings(juminhyo_pdf: tuple[PdfReader, list[str]]) -> None:
    """No warning means the stylesheet and the seal were both fetched and understood."""
    assert juminhyo_pdf[1] == []


def test_pdf_is_one_a4_portrait_page(juminhyo_pdf: tuple[PdfReader, list[str]]) -> None:
    reader, _ = juminhyo_pdf
    box = reader.pages[0].mediabox

    assert len(reader.pages) == 1
    assert float(box.width) == pytest.approx(595, abs=1)
    assert float(box.height) == pytest.approx(842, abs=1)


def test_pdf_text_has_the_name_date_number_and_certification(juminhyo_pdf: tuple[PdfReader, list[str]]) -> None:
    reader, _ = juminhyo_pdf
    text = re.sub(r"\s+", "", reader.pages[0].extract_text())  # letter-spacing comes out as spaces

    for expected in ("山田花子", "令和8年11月26日", "999997-2026-000001", CERTIFICATION, "住民票の写し", "見本市長"):
        assert expected in text
    assert reader.metadata is not None and reader.metadata.title == "住民票の写し 999997-2026-000001"


def test_pdf_embeds_a_subset_of_an_ipaex_font(juminhyo_pdf: tuple[PdfReader, list[str]]) -> None:
    reader, _ = juminhyo_pdf
    embedded = []
    for font in _fonts(reader.pages[0]["/Resources"]):
        for descendant in font.get("/DescendantFonts", [font]):
            descriptor = descendant.get_object().get("/FontDescriptor")
            if descriptor is not None and {"/FontFile2", "/FontFile3"} & set(descriptor.get_object()):
                embedded.append(str(descendant.get_object()["/BaseFont"]))

    assert any(re.fullmatch(r"/[A-Z]{6}\+IPAexMincho", name) for name in embedded), embedded


def test_pdf_draws_the_svg_seal(juminhyo_pdf: tuple[PdfReader, list[str]]) -> None:
    reader, _ = juminhyo_pdf
    seal_forms = [form for form in _forms(reader.pages[0]["/Resources"]) if VERMILION_PDF in form.get_data()]

    assert seal_forms, "no form XObject drawn in vermilion"
    assert any(b"BT" in form.get_data() for form in seal_forms), "the seal's characters are not drawn"


def test_pdf_skips_resources_the_fetcher_refuses(tmp_path: Path) -> None:
    (tmp_path / "hostile.html").write_text(
        '<html><head><link rel="stylesheet" href="http://example.invalid/x.css"></head>'
        '<body><img src="file:///etc/passwd"><img src="../../../etc/hostname"><p>本文</p></body></html>'
    )
    hostile = CertificateRenderer(templates_dir=tmp_path)

    pdf, warnings = _render_logging(hostile, "hostile", {})

    assert "本文" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    refused = [m for m in warnings if m.startswith("certificate resource refused")]
    assert len(refused) == 3, warnings


# --- verification QR code and tagging --------------------------------------------------------------


def test_the_qr_code_encodes_the_verify_url(renderer: CertificateRenderer) -> None:
    html = renderer.render_html("juminhyo", juminhyo_context())
    expected = segno.make(VERIFY_URL, error="m", micro=False).svg_inline(scale=1, omitsize=True)
    other = segno.make(VERIFY_URL.replace("ABC", "ABD"), error="m", micro=False).svg_inline(scale=1, omitsize=True)
    assert html.count(expected) == 1 and other not in html  # WeasyPrint repeats the running element per page
    assert f'<p class="verification-url">{VERIFY_URL}</p>' in html


def test_every_page_prints_the_verify_url_under_its_qr_code(renderer: CertificateRenderer, tmp_path: Path) -> None:
    long = juminhyo_context(
        answer_text={"scope": "世帯全員", "purpose": "金融機関への提出", "members": "見本 一郎 " * 900}
    )
    path = tmp_path / "long.pdf"
    path.write_bytes(renderer.render_pdf("juminhyo", long))
    pages = len(PdfReader(path).pages)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert VERIFY_URL in text, f"page {page} has no verify URL"


def test_pdf_is_tagged_with_title_language_and_author(renderer: CertificateRenderer, tmp_path: Path) -> None:
    path = tmp_path / "juminhyo.pdf"
    path.write_bytes(renderer.render_pdf("juminhyo", juminhyo_context()))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+住民票の写し 999997-2026-000001$", info, re.M)
    assert re.search(r"^Author:\s+見本県見本市$", info, re.M)
    assert PdfReader(path).trailer["/Root"]["/Lang"] == "ja"
