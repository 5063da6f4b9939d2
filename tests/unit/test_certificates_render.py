"""Certificate templates render to HTML and to an A4 PDF with the Japanese font embedded."""

from __future__ import annotations

import io
import logging
import re
import subprocess
import threading
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
from weasyprint import HTML

from portal.certificates import (
    STATIC_DIR,
    CertificateRenderer,
    CertificateRenderingError,
    UnknownTemplateError,
    available_templates,
)
from portal.certificates.filters import gender, wareki

CERTIFICATION = "この写しは、住民票の原本と相違ないことを証明する。"
VERMILION_PDF = b"0.784314 0.086275 0.113725"  # #c8161d as PDF colour operands
VERIFY_URL = "https://madoguchi.example.jp/verify/999997-2026-000001?c=ABCDEFGHIJKLMNOPQRSTUVWX"

YAMADA = {
    "name": {"family": "山田", "given": "花子", "family_kana": "ヤマダ", "given_kana": "ハナコ"},
    "birthdate": "1985-04-01",
    "gender": "female",
    "relationship": "世帯主",
    "became_resident_on": "1985-04-01",
    "address_set_on": "2016-09-10",
    "previous_address": "埼玉県さいたま市浦和区高砂三丁目15番1号",
    "domicile": {"honseki": "見本県見本市中央一丁目2番", "hittosha": "山田 一郎"},
    "foreign": None,
}
GARCIA = {
    "name": {"family": "GARCIA", "given": "MARIA", "family_kana": "ガルシア", "given_kana": "マリア"},
    "birthdate": "1992-07-30",
    "gender": "female",
    "relationship": "妻",
    "became_resident_on": "2019-10-01",
    "address_set_on": "2019-10-01",
    "previous_address": "",
    "domicile": None,
    "foreign": {
        "nationality": "スペイン",
        "category": "中長期在留者",
        "residence_status": "技術・人文知識・国際業務",
        "period_of_stay": "5年",
        "period_expires_on": "2029-09-30",
        "alias": "",
        "alias_kana": "",
    },
}


def entry(person: dict[str, Any], requested: dict[str, bool], **changes: Any) -> dict[str, Any]:
    """A stored entry: what was not requested is not in the context at all."""
    kept = {**person, **changes}
    if not requested["relationship"]:
        del kept["relationship"]
    if not requested["honseki"]:
        del kept["domicile"]
    return kept


def juminhyo_context(
    persons: list[dict[str, Any]] | None = None, *, relationship: bool = True, honseki: bool = False, **overrides: Any
) -> dict[str, Any]:
    """The stored context of a 住民票の写し of ``persons`` (record entries; 山田 花子 alone by default)."""
    requested = {"relationship": relationship, "honseki": honseki}
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
        "issued_on": "2026-11-26",
        "record": {
            "address": {"address": "見本県見本市中央一丁目2番3号", "katagaki": "見本ハイツ101号室"},
            "head_name": "山田 花子",
            "whole_household": False,
            "persons": [entry(p, requested) for p in persons or [YAMADA]],
        },
        "requested": requested,
    }
    context.update(overrides)
    return context


def household_of(count: int) -> list[dict[str, Any]]:
    """``count`` persons: 山田 花子 and her children 一郎, 二郎, … (distinct names to find on the pages)."""
    children = [
        {**YAMADA, "name": {**YAMADA["name"], "given": f"{'一二三四五六七八九'[i]}郎"}, "relationship": "子"}
        for i in range(count - 1)
    ]
    return [YAMADA, *children]


@pytest.fixture(scope="module")
def renderer() -> CertificateRenderer:
    return CertificateRenderer()


def cells(html: str, label: str) -> list[str]:
    """The text of every table cell next to a ``label`` header, in document order."""
    found = re.findall(
        rf'<th scope="row"[^>]*>(?:<span[^>]*>\d+</span>)?{label}</th>\s*<td[^>]*>(.*?)</td>', html, re.S
    )
    assert found, f"no {label} row"
    return [re.sub(r"<[^>]+>|\s+", "", cell) for cell in found]


def row(html: str, label: str) -> str:
    [text] = cells(html, label)
    return text


def pdf_pages(pdf: bytes, tmp_path: Path) -> list[str]:
    """Each page's text as pdftotext lays it out."""
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


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


def test_gender_filter() -> None:
    assert (gender("male"), gender("female")) == ("男", "女")


def test_gender_filter_rejects_anything_else() -> None:
    with pytest.raises(ValueError, match="'other' is not a recorded gender"):
        gender("other")


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


def test_a_kojinhyo_prints_the_record_of_one_person(renderer: CertificateRenderer) -> None:
    html = renderer.render_html("juminhyo", juminhyo_context(honseki=True))

    assert 'class="sheet kojinhyo"' in html and "setai-renki" not in html
    assert row(html, "氏名") == "ヤマダハナコ山田花子"
    assert row(html, "生年月日") == "昭和60年4月1日生"
    assert row(html, "性別") == "女"
    assert row(html, "続柄") == "世帯主"
    assert row(html, "住所") == "見本県見本市中央一丁目2番3号見本ハイツ101号室"
    assert row(html, "世帯主") == "山田花子"
    assert row(html, "住民となった年月日") == "昭和60年4月1日"
    assert row(html, "住所を定めた年月日") == "平成28年9月10日"
    assert row(html, "転入前住所") == "埼玉県さいたま市浦和区高砂三丁目15番1号"
    assert (row(html, "本籍"), row(html, "筆頭者")) == ("見本県見本市中央一丁目2番", "山田一郎")
    assert "999997-2026-000001" in html and "令和8年11月26日" in html
    assert CERTIFICATION in html
    assert "見本市長" in html and "見本 太郎" in html
    assert 'src="seals/999997.svg"' in html


def test_relationship_and_domicile_print_only_when_requested(renderer: CertificateRenderer) -> None:
    neither = renderer.render_html("juminhyo", juminhyo_context(relationship=False, honseki=False))
    both = renderer.render_html("juminhyo", juminhyo_context(relationship=True, honseki=True))

    assert [row(neither, label) for label in ("続柄", "本籍", "筆頭者")] == ["省略", "省略", "省略"]
    assert [row(both, label) for label in ("続柄", "本籍", "筆頭者")] == [
        "世帯主",
        "見本県見本市中央一丁目2番",
        "山田一郎",
    ]
    assert "請求により記載" not in neither + both


def test_a_foreign_resident_prints_the_items_of_article_30_45(renderer: CertificateRenderer) -> None:
    alias = {**GARCIA["foreign"], "alias": "ガルシア 真理", "alias_kana": "ガルシア マリ"}
    html = renderer.render_html("juminhyo", juminhyo_context([{**GARCIA, "foreign": alias}], honseki=True))

    assert row(html, "国籍・地域") == "スペイン"
    assert row(html, "第30条の45に規定する区分") == "中長期在留者"
    assert row(html, "在留資格") == "技術・人文知識・国際業務"
    assert row(html, "在留期間") == "5年満了の日令和11年9月30日"
    assert row(html, "通称") == "ガルシアマリガルシア真理"
    assert "本籍" not in html  # a foreign resident has none, requested or not


def test_a_household_prints_every_entry_in_order_as_a_setai_renki(renderer: CertificateRenderer) -> None:
    context = juminhyo_context(household_of(3))
    context["record"]["whole_household"] = True
    html = renderer.render_html("juminhyo", context)

    assert 'class="sheet setai-renki"' in html
    assert cells(html, "氏名") == ["ヤマダハナコ山田花子", "ヤマダハナコ山田一郎", "ヤマダハナコ山田二郎"]
    assert re.findall(r'class="entry-number">(\d+)<', html) == ["1", "2", "3"]
    assert cells(html, "続柄") == ["世帯主", "子", "子"]
    assert html.count("以下余白") == 1
    assert "この写しは、世帯全員の住民票の原本と相違ないことを証明する。" in html


def test_request_details_are_not_part_of_the_record(renderer: CertificateRenderer) -> None:
    """Even a context that carried answers prints none of them: the template reads only the record."""
    context = juminhyo_context(answers={"purpose": "金融機関への提出", "copies": 7, "scope": "本人のみ"})

    html = renderer.render_html("juminhyo", context)

    for request_detail in ("使用目的", "交付通数", "金融機関への提出", "7通", "本人のみ", "受付番号"):
        assert request_detail not in html


def test_a_my_number_never_reaches_the_certificate(renderer: CertificateRenderer) -> None:
    context = juminhyo_context([{**YAMADA, "my_number": "123456789018", "juminhyo_code": "12345678901"}])

    html = renderer.render_html("juminhyo", context)

    assert "123456789018" not in html and "12345678901" not in html
    assert "個人番号" not in html and "マイナンバー" not in html and "住民票コード" not in html


def test_values_are_escaped(renderer: CertificateRenderer) -> None:
    hostile = {**YAMADA, "name": {**YAMADA["name"], "family": '<img src="file:///etc/passwd">'}}

    html = renderer.render_html("juminhyo", juminhyo_context([hostile]))

    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    assert '<img src="file:///etc/passwd">' not in html


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (("municipality",), "seal"),
        (("municipality",), "demo"),
        (("record",), "head_name"),
        (("record", "address"), "katagaki"),
        (("requested",), "honseki"),
    ],
)
def test_a_missing_value_is_an_error_not_a_blank(
    renderer: CertificateRenderer, path: tuple[str, ...], key: str
) -> None:
    context = juminhyo_context()
    section = context
    for name in path:
        section = section[name]
    del section[key]

    with pytest.raises(CertificateRenderingError) as failed:
        renderer.render_html("juminhyo", context)

    assert isinstance(failed.value.__cause__, UndefinedError) and key in str(failed.value.__cause__)


def test_a_requested_item_missing_from_an_entry_is_an_error(renderer: CertificateRenderer) -> None:
    context = juminhyo_context(relationship=True)
    del context["record"]["persons"][0]["relationship"]

    with pytest.raises(CertificateRenderingError) as failed:
        renderer.render_html("juminhyo", context)

    assert isinstance(failed.value.__cause__, UndefinedError) and "relationship" in str(failed.value.__cause__)


def test_a_missing_top_level_value_is_an_error(renderer: CertificateRenderer) -> None:
    context = juminhyo_context()
    del context["issued_on"]

    with pytest.raises(CertificateRenderingError) as failed:
        renderer.render_html("juminhyo", context)

    assert isinstance(failed.value.__cause__, UndefinedError) and "issued_on" in str(failed.value.__cause__)


def test_a_rendering_failure_names_the_template_line_but_never_the_data(renderer: CertificateRenderer) -> None:
    bad = {**YAMADA, "birthdate": "山田花子の誕生日"}

    with pytest.raises(CertificateRenderingError) as failed:
        renderer.render_pdf("juminhyo", juminhyo_context([bad]))

    assert re.fullmatch(r"ValueError in _juminhyo_entry\.html line \d+", str(failed.value))
    assert failed.value.template == "juminhyo"


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
    pages = pdf_pages(renderer.render_pdf("juminhyo", juminhyo_context(household_of(9))), tmp_path)
    assert len(pages) == 3
    for number, text in enumerate(pages, 1):
        assert VERIFY_URL in text, f"page {number} has no verify URL"


def test_pdf_is_tagged_with_title_language_and_author(renderer: CertificateRenderer, tmp_path: Path) -> None:
    path = tmp_path / "juminhyo.pdf"
    path.write_bytes(renderer.render_pdf("juminhyo", juminhyo_context()))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Title:\s+住民票の写し 999997-2026-000001$", info, re.M)
    assert re.search(r"^Author:\s+見本県見本市$", info, re.M)
    assert PdfReader(path).trailer["/Root"]["/Lang"] == "ja"


# --- layouts ---------------------------------------------------------------------------------------


def test_a_household_of_five_prints_four_entries_then_one_and_the_attestation(
    renderer: CertificateRenderer, tmp_path: Path
) -> None:
    context = juminhyo_context(household_of(5))
    context["record"]["whole_household"] = True

    first, last = pdf_pages(renderer.render_pdf("juminhyo", context), tmp_path)

    for page, text in enumerate((first, last), 1):
        assert "発行番号999997-2026-000001" in flat(text), f"page {page} has no 発行番号"
        assert re.search(rf"^\s*{page}\s*/\s*2\s*$", text, re.M), f"page {page} does not say {page} / 2"
        assert "住民票の写し" in flat(text)
    children = ["山田一郎", "山田二郎", "山田三郎", "山田四郎"]
    assert [name for name in children if name in flat(first)] == children[:3]
    assert [name for name in children if name in flat(last)] == children[3:]
    assert (flat(first).count("山田花子"), flat(last).count("山田花子")) == (2, 1)  # entry 1; 世帯主 on each page
    assert "以下余白" not in flat(first) and flat(last).count("以下余白") == 1
    assert "証明する" not in flat(first) and "見本市長" not in flat(first)
    assert "この写しは、世帯全員の住民票の原本と相違ないことを証明する。" in flat(last)
    assert "見本市長" in flat(last) and "令和8年11月26日" in flat(last)


@pytest.mark.parametrize("person", [YAMADA, GARCIA], ids=["japanese", "foreign"])
def test_four_entries_and_the_attestation_fit_on_one_page(
    renderer: CertificateRenderer, tmp_path: Path, person: dict[str, Any]
) -> None:
    pages = pdf_pages(renderer.render_pdf("juminhyo", juminhyo_context([person] * 4, honseki=True)), tmp_path)

    assert len(pages) == 1 and re.search(r"1\s*/\s*1", pages[0]) and "以下余白" in flat(pages[0])


def flat(text: str) -> str:
    """pdftotext's text without the spaces that letter-spacing and columns put between characters."""
    return re.sub(r"\s+", "", text)


def _boxes(box: Any) -> Iterator[Any]:
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def test_the_seal_sits_beside_the_mayors_name_never_over_it(renderer: CertificateRenderer) -> None:
    html = renderer.render_html("juminhyo", juminhyo_context())
    [page] = HTML(string=html, base_url=renderer.base_url, url_fetcher=renderer.fetcher).render().pages
    boxes = list(_boxes(page._page_box))

    def box_of(css_class: str) -> Any:
        return next(b for b in boxes if b.element is not None and css_class in (b.element.get("class") or "").split())

    name, seal = box_of("mayor-name"), box_of("seal")
    name_right = name.position_x + name.margin_width()
    assert seal.position_x >= name_right, "the seal covers the mayor's name"
    name_middle = name.position_y + name.margin_height() / 2
    assert seal.position_y <= name_middle <= seal.position_y + seal.margin_height(), "the seal is not beside it"


# --- cost --------------------------------------------------------------------------------------------


def test_fonts_are_loaded_once_a_thread_and_threads_render_side_by_side(renderer: CertificateRenderer) -> None:
    """Pango's font map is not thread-safe: one per thread, reused for every later certificate of that thread."""
    mine = renderer.font_config
    theirs: list[Any] = []
    pdfs: list[bytes] = []

    def render() -> None:
        theirs.append(renderer.font_config)
        pdfs.append(renderer.render_pdf("juminhyo", juminhyo_context()))
        theirs.append(renderer.font_config)

    threads = [threading.Thread(target=render) for _ in range(2)]
    for thread in threads:
        thread.start()
    pdfs.append(renderer.render_pdf("juminhyo", juminhyo_context()))
    for thread in threads:
        thread.join()

    assert renderer.font_config is mine
    assert theirs[0] is not mine and len({id(config) for config in theirs}) == 2  # each thread kept its own
    assert len(pdfs) == 3 and all(
        "山田花子" in flat(PdfReader(io.BytesIO(pdf)).pages[0].extract_text()) for pdf in pdfs
    )


def test_the_paper_tint_is_one_repeated_tile_not_a_shading_a_stripe(juminhyo_pdf: tuple[PdfReader, list[str]]) -> None:
    """A CSS gradient became a shading per stripe (tens of ms and KB a page); the tile is one pattern."""
    reader, _ = juminhyo_pdf

    def shadings(resources: DictionaryObject) -> Iterator[Any]:
        yield from resources.get("/Shading", {}).values()
        for kind in ("/Pattern", "/XObject"):
            for item in resources.get(kind, {}).values():
                item = item.get_object()
                if "/Shading" in item:
                    yield item["/Shading"]
                yield from shadings(item.get("/Resources", DictionaryObject()))

    assert len(reader.pages[0]["/Resources"]["/Pattern"]) == 1
    assert list(shadings(reader.pages[0]["/Resources"])) == []
