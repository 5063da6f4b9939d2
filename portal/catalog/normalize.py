"""How residents' typing is normalised, the Japanese way.

IMEs produce full-width ASCII (ＡＢＣ１２３), half-width katakana (ﾔﾏﾀﾞ) and assorted dashes; the portal
stores one spelling so clerks can search and compare. Every field type goes through these helpers.
"""

from __future__ import annotations

import re

import jaconv

# Characters people type for a hyphen: full-width, minus sign, dashes and the katakana long vowel (ー),
# which an IME produces when a hyphen is typed in kana mode.
_DASHES = "－−‐‑‒–—―ーｰ"
_DASH_RE = re.compile(f"[{_DASHES}]")
_DIGIT_DASH_RE = re.compile(f"(?<=[0-9])[{_DASHES}](?=[0-9])")


def half_width_ascii(text: str) -> str:
    """Full-width letters, digits, symbols and the ideographic space → half-width (ＡＢ１　→ AB1 )."""
    return jaconv.z2h(text, kana=False, ascii=True, digit=True)


def full_width_kana(text: str) -> str:
    """Half-width katakana → full-width (ﾔﾏﾀﾞ → ヤマダ); JIS X 0208 systems cannot store the former."""
    return jaconv.h2z(text, kana=True, ascii=False, digit=False)


def normalise_text(text: str) -> str:
    """One line of free text: half-width ASCII, full-width kana, runs of spaces collapsed, trimmed."""
    return " ".join(full_width_kana(half_width_ascii(text)).split())


def normalise_lines(text: str) -> str:
    """Multi-line text: each line like :func:`normalise_text`, surrounding blank lines dropped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(normalise_text(line) for line in lines).strip("\n")


def dashes_between_digits(text: str) -> str:
    """1ー2－3 → 1-2-3: any dash between digits is a hyphen (addresses, 番地)."""
    return _DIGIT_DASH_RE.sub("-", text)


def digits_and_hyphens(text: str) -> str:
    """Phone and postal numbers: half-width digits, every dash a hyphen, spaces removed."""
    return _DASH_RE.sub("-", half_width_ascii(text)).replace(" ", "")


def search_folded(text: str) -> str:
    """What a search compares: half-width ASCII in lower case, kana as full-width katakana, no spaces, every dash
    a hyphen, so やまだ, ﾔﾏﾀﾞ and ヤマダ, or ２０２６－０００００１ and 2026-000001, are one key."""
    folded = jaconv.hira2kata(full_width_kana(half_width_ascii(text))).casefold()
    return "".join(_DIGIT_DASH_RE.sub("-", folded).split())
