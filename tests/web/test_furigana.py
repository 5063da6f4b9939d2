"""やさしい日本語 pages carry furigana as valid ruby markup, only where a reading belongs; every other page, and every
attribute, title, form value and recorded name, is exactly as rendered."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from flask.testing import FlaskClient

from portal.web.furigana import VOID, annotate
from tests.web.conftest import login
from tests.web.dom import Node, parse
from tests.web.journeys import JUMINHYO_ANSWERS, apply

CODE = "999997"
EASY = {"lang": "ja-x-easy"}
READINGS = re.compile(r'<rp aria-hidden="true">（</rp><rt aria-hidden="true">[^<]*</rt><rp aria-hidden="true">）</rp>')


def without_readings(page: str) -> str:
    return READINGS.sub("", page).replace("<ruby>", "").replace("</ruby>", "")


class _Strict(HTMLParser):
    """Every element closed, in order: the page's markup and the ruby put into it are nested as written."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()


def assert_well_nested(page: str) -> None:
    strict = _Strict()
    strict.feed(page)
    strict.close()
    assert strict.open == []


def assert_valid_ruby(document: Node) -> None:
    """<rt> and <rp> only directly in <ruby>, no ruby in ruby, the readings hidden from screen readers."""
    for node in document.walk():
        if node.tag in {"rt", "rp"}:
            assert node.parent is not None and node.parent.tag == "ruby", node
            assert node.attrs.get("aria-hidden") == "true"
        if node.tag == "ruby":
            assert not [a for a in node.ancestors() if a.tag == "ruby"]
            assert [child.tag for child in node.children if isinstance(child, Node)] == ["rp", "rt", "rp"]


def test_the_easy_pages_are_annotated_validly(polyglot: FlaskClient) -> None:
    page = polyglot.get(f"/{CODE}/procedures/juminhyo", query_string=EASY).text
    assert_well_nested(page)
    document = parse(page)
    assert document.one("html")["lang"] == "ja-x-easy"
    assert_valid_ruby(document)
    heading = document.one("h1")
    assert [r.children[0] for r in heading.find_all("ruby")] == ["住民票", "写"]  # 住民票の写しを もらう
    assert [r.children[0] for r in document.one("a", class_="skip-link").find_all("ruby")] == ["本文"]  # 本文へ とぶ


@pytest.mark.parametrize("lang", ["ja", "en", "ko"])
def test_no_other_page_is_touched(polyglot: FlaskClient, lang: str) -> None:
    assert "<ruby>" not in polyglot.get(f"/{CODE}/procedures/juminhyo", query_string={"lang": lang}).text


def test_titles_attributes_form_values_and_recorded_names_are_left_as_they_are(polyglot: FlaskClient) -> None:
    login(polyglot, "resident", "resident-yamada")
    reference = apply(polyglot, CODE, "juminhyo", JUMINHYO_ANSWERS)
    for path in (
        f"/{CODE}/applications/{reference}",  # answers: names and the address as typed
        f"/{CODE}/procedures/juminhyo/apply?page=request&lang=ja-x-easy",  # a form: options, values
        f"/{CODE}/",
    ):
        page = polyglot.get(path, query_string=None if "?" in path else EASY).text
        assert_well_nested(page)
        document = parse(page)
        assert_valid_ruby(document)
        for node in document.walk():
            if node.tag in {"title", "option", "textarea", "script", "style"} or node.attrs.get("lang") == "ja":
                assert not node.find_all("ruby"), (path, node.tag, node.attrs)
        assert "<ruby>" not in "".join(re.findall(r'="[^"]*"', page))  # no attribute holds markup
        assert document.one("title").text() == without_readings(document.one("title").text())
    names = {span.text() for span in document.find_all("span", lang="ja")}
    assert "見本市" in names  # the municipality's Japanese name: no reading is guessed for a proper name


def test_stripping_the_readings_gives_back_the_page_byte_for_byte(polyglot: FlaskClient) -> None:
    page = polyglot.get(f"/{CODE}/procedures/juminhyo", query_string={"lang": "ja"}).text
    annotated = annotate(page, "ja")
    assert annotated != page and without_readings(annotated) == page


@pytest.mark.parametrize(
    ("fragment", "kept"),
    [
        ("<title>住民票</title>", True),
        ('<input value="住民票" aria-label="住民票">', True),
        ("<script>const a = '住民票';</script>", True),
        ("<style>/* 住民票 */</style>", True),
        ("<textarea>住民票</textarea>", True),
        ("<select><option>住民票</option></select>", True),
        ('<span lang="ja">山田 太郎</span>', True),
        ('<span lang="zh-Hans">简体中文</span>', True),
        ('<p lang="ja"><span>東京都<span>千代田区</span></span>千代田</p>', True),
        ("<ruby>漢字<rt>かんじ</rt></ruby>", True),
        ("<p>住民票</p>", False),
        ('<p lang="ja-x-easy">住民票</p>', False),
        ('<span lang="ja">山田</span><br><p>住民票</p>', False),  # the name is closed: the text after is the page's
    ],
)
def test_what_is_annotated(fragment: str, kept: bool) -> None:
    annotated = annotate(fragment, "ja-x-easy")
    assert (annotated == fragment) is kept
    if not kept:
        assert without_readings(annotated) == fragment
        assert_well_nested(annotated)
