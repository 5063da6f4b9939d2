"""Readings of the catalog's own words, placed over their kanji only, cached, and the same from every thread."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from portal.japan.furigana import ruby, segments

RUBY = re.compile(r"<ruby>([^<]*)<rp[^>]*>（</rp><rt[^>]*>([^<]*)</rt><rp[^>]*>）</rp></ruby>")


def readings(text: str) -> list[tuple[str, str]]:
    """(base, reading) of each ruby in ``ruby(text)``."""
    return RUBY.findall(ruby(text))


def plain(html: str) -> str:
    """What the markup shows without its readings: the text it was made from."""
    return RUBY.sub(r"\1", html)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("住民票の写し", [("住民票", "じゅうみんひょう"), ("写", "うつ")]),
        ("転出届", [("転出届", "てんしゅつとどけ")]),
        ("受付番号", [("受付", "うけつけ"), ("番号", "ばんごう")]),
        ("申請する", [("申請", "しんせい")]),
        ("手数料", [("手数料", "てすうりょう")]),
        ("生年月日", [("生年月日", "せいねんがっぴ")]),  # one word, not 生・年・月・日
        ("今日は", [("今日", "きょう")]),  # not こんにちは
        ("世帯主", [("世帯主", "せたいぬし")]),
        ("やさしい日本語", [("日本語", "にほんご")]),
        ("交付済み", [("交付", "こうふ"), ("済", "ず")]),
        ("届け出る", [("届", "とど"), ("出", "で")]),  # the kana between two kanji stays bare
        ("本人確認書類", [("本人", "ほんにん"), ("確認", "かくにん"), ("書類", "しょるい")]),
    ],
)
def test_readings_of_the_catalogs_words(text: str, expected: list[tuple[str, str]]) -> None:
    assert readings(text) == expected
    assert plain(ruby(text)) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11月1日", [("月", "がつ"), ("1日", "ついたち")]),
        ("1日で", [("1日", "いちにち")]),
        ("3日", [("3日", "みっか")]),
        ("２０日", [("２０日", "はつか")]),
        ("28日", [("日", "にち")]),  # a number then にち: the ruby over 日 alone
        ("令和8年（2026年）", [("令和", "れいわ"), ("年", "ねん"), ("年", "ねん")]),
    ],
)
def test_days_are_read_as_days_are_counted(text: str, expected: list[tuple[str, str]]) -> None:
    assert readings(text) == expected
    assert plain(ruby(text)) == text


def test_markup_and_text_without_kanji_are_escaped_and_otherwise_unchanged() -> None:
    assert ruby("ひらがな と カタカナ、GARCIA Maria 3,000") == "ひらがな と カタカナ、GARCIA Maria 3,000"
    assert (
        ruby('<b>"見本"</b> & co')
        == '&lt;b&gt;"<ruby>見本<rp aria-hidden="true">（</rp><rt aria-hidden="true">みほん</rt><rp aria-hidden="true">）</rp></ruby>"&lt;/b&gt; &amp; co'
    )
    assert ruby("  改行\n と空白 ").startswith("  <ruby>")


def test_every_annotation_is_hidden_from_screen_readers() -> None:
    html = ruby("住民票の写しの交付請求")
    assert html.count("<rt ") == html.count('<rt aria-hidden="true">') == 4
    assert html.count("<rp ") == html.count('<rp aria-hidden="true">') == 8


@pytest.mark.parametrize(
    ("surface", "reading", "expected"),
    [
        ("届け出", "とどけで", [("届", "とど"), ("け", None), ("出", "で")]),
        ("写し", "うつし", [("写", "うつ"), ("し", None)]),
        ("お支払い", "おしはらい", [("お", None), ("支払", "しはら"), ("い", None)]),
        ("ヶ月", "かげつ", [("ヶ月", "かげつ")]),  # kana that do not match the reading: over the whole word
        ("𠮷野", "𠮷野", [("𠮷野", None)]),  # a word the dictionary does not know: no reading guessed
        ("ソファ", "そふぁ", [("ソファ", None)]),
    ],
)
def test_segments_align_a_reading_with_its_kanji(
    surface: str, reading: str, expected: list[tuple[str, str | None]]
) -> None:
    assert segments(surface, reading) == expected


def test_readings_are_cached_and_the_same_from_every_thread() -> None:
    ruby.cache_clear()
    texts = [f"申請の受付番号は{n}番です" for n in range(40)]
    expected = [ruby(text) for text in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(ruby, texts * 5))
    assert results == expected * 5
    assert ruby.cache_info().hits >= 200
