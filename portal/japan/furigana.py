"""Furigana for やさしい日本語: every word written in kanji gets its reading as ``<ruby>``.

Readings come from Sudachi (SudachiPy and its core dictionary), a maintained morphological analyser that reads a
word in its context: 今日 is きょう, 生年月日 せいねんがっぴ, 日本語 にほんご, 世帯主 せたいぬし, where a dictionary of single
characters guesses (pykakasi reads 今日は as こんにちは) and UniDic splits (生年月日 as せい・ねん・がつ・にち). A word's
reading sits over its kanji only, aligned on its kana (写し: うつ over 写), and the day counter after a number is
read as days are (3日 みっか, 20日 はつか), which the dictionary cannot know from the digits.

The markup follows WCAG technique H62 (``<rp>`` parentheses for a reader without ruby support); the ``<rt>`` and
``<rp>`` are ``aria-hidden`` because screen readers read a ruby's base and its annotation one after the other
(NVDA, VoiceOver, TalkBack; the Japan DAISY Consortium's open letter on accessible ruby), while their speech
already reads the kanji: hidden, the base text is read once. ``aria-label`` on ``<ruby>`` would be the other way,
but ARIA forbids naming an element without a role and axe reports it.

Results are cached per text (cachetools would do no better than the standard library here): pages repeat the same
labels, and a page's texts are looked up one text node at a time.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import cache, lru_cache
from html import escape

import jaconv
from sudachipy import Dictionary, SplitMode, Tokenizer

KANJI = "\u3005\u3006\u3007\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"  # 々〆〇〻 and CJK
_HAS_KANJI = re.compile(f"[{KANJI}]")
_RUNS = re.compile(f"[{KANJI}]+|[^{KANJI}]+")
_HIRAGANA = re.compile("[\u3041-\u309f\u30fc]+")  # and the long vowel mark
# How days are counted after a number (and the 1st of a month, after 月): the digits say nothing of it.
DAYS = {
    2: "ふつか",
    3: "みっか",
    4: "よっか",
    5: "いつか",
    6: "むいか",
    7: "なのか",
    8: "ようか",
    9: "ここのか",
    10: "とおか",
    14: "じゅうよっか",
    20: "はつか",
    24: "にじゅうよっか",
}
FIRST_OF_MONTH, ONE_DAY = "ついたち", "いちにち"
MAX_TEXT = 5000  # a text node longer than this is left as it is (Sudachi refuses very long input)

_local = threading.local()


@cache
def _dictionary() -> Dictionary:
    return Dictionary(dict="core")


def _tokenizer() -> Tokenizer:
    """One per thread: a Sudachi tokenizer keeps state between calls; the dictionary is shared."""
    if not hasattr(_local, "tokenizer"):
        _local.tokenizer = _dictionary().tokenizer(mode=SplitMode.B)
    return _local.tokenizer


def has_kanji(text: str) -> bool:
    return _HAS_KANJI.search(text) is not None


@lru_cache(maxsize=8192)
def ruby(text: str) -> str:
    """``text`` as HTML (escaped) with ``<ruby>`` over each kanji word; text without kanji is only escaped."""
    if not has_kanji(text) or len(text) > MAX_TEXT:
        return escape(text, quote=False)
    morphemes = _tokenizer().tokenize(text)
    if "".join(m.surface() for m in morphemes) != text:
        return escape(text, quote=False)
    out: list[str] = []
    previous: list[str] = []  # surfaces of the morphemes before, for the day counter
    for morpheme in morphemes:
        surface = morpheme.surface()
        if surface == "日" and previous and _number(previous[-1]) is not None:
            whole = _day(previous)
            if whole is None:
                out.append(_annotated(surface, "にち"))  # 11日, 28日: the number's reading, then にち
            else:
                out[-1] = _annotated(previous[-1] + surface, whole)
        else:
            reading = jaconv.kata2hira(morpheme.reading_form())
            out.append("".join(_annotated(part, said) for part, said in segments(surface, reading)))
        previous.append(surface)
    return "".join(out)


def _number(surface: str) -> int | None:
    digits = unicodedata.normalize("NFKC", surface)
    return int(digits) if digits.isascii() and digits.isdigit() else None


def _day(previous: list[str]) -> str | None:
    """How a number of days (or a day of the month) is read as a whole where it is not its number then にち:
    3日 みっか, 20日 はつか, 1日 ついたち after 月 and いちにち elsewhere."""
    number = _number(previous[-1])
    if number == 1:
        return FIRST_OF_MONTH if len(previous) > 1 and previous[-2] == "月" else ONE_DAY
    return DAYS.get(number) if number is not None else None


def segments(surface: str, reading: str) -> list[tuple[str, str | None]]:
    """A word cut into its kanji runs, each with its reading, and the kana between them, without one:
    (届け出, とどけで) → [(届, とど), (け, None), (出, で)]. A word whose kana cannot be aligned with its reading, or
    whose reading is not all kana (a word the dictionary does not know), keeps the reading over the whole word, or
    has none."""
    if not has_kanji(surface):
        return [(surface, None)]
    if not _HIRAGANA.fullmatch(reading):
        return [(surface, None)]
    runs = _RUNS.findall(surface)
    pattern = "".join("(.+?)" if has_kanji(run) else f"({re.escape(jaconv.kata2hira(run))})" for run in runs)
    matched = re.fullmatch(pattern, reading)
    if matched is None:
        return [(surface, reading)]
    return [(run, said if has_kanji(run) else None) for run, said in zip(runs, matched.groups(), strict=True)]


def _annotated(text: str, reading: str | None) -> str:
    if reading is None:
        return escape(text, quote=False)
    return (
        f'<ruby>{escape(text, quote=False)}<rp aria-hidden="true">（</rp>'
        f'<rt aria-hidden="true">{reading}</rt><rp aria-hidden="true">）</rp></ruby>'
    )
