"""Characters no person types into an answer, found before any field type reads it.

Bidirectional controls (U+202E…) reorder what clerks and the certificate show, other control and format
characters are invisible or break lines where a single line is expected. What real names need stays
valid: the joiners U+200C/U+200D, the variation selectors of 異体字 (U+FE00–FE0F, U+E0100–E01EF, which are
marks, not controls) and the private-use 外字. A tab is whitespace the normalisation turns into a space.
"""

from __future__ import annotations

import unicodedata

from portal.messages import N_

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
_JOINERS = frozenset("\u200c\u200d")
_LINE_BREAKS = frozenset("\n\r")
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})  # controls, format characters, line/paragraph separators

BIDI_CONTROL = N_("%(label)sに文字の表示順を変える制御文字（%(code)s）が含まれています。削除してください")
CONTROL_CHARACTER = N_("%(label)sに入力できない制御文字（%(code)s）が含まれています。削除してください")
UNPRINTABLE = N_(
    "%(label)sに証明書に印字できない文字（%(code)s「%(char)s」）が含まれています。別の字体で入力してください"
)
LINE_BREAK = N_("%(label)sには改行を入力できません。1行で入力してください")


def refused_character(text: str, *, multiline: bool) -> tuple[str, str] | None:
    """The first character ``text`` may not contain and the msgid saying why; None when it is acceptable.

    ``multiline`` answers (a textarea) may contain line breaks.
    """
    if text.isprintable():  # the usual case, checked in C; everything refused below is unprintable
        return None
    for char in text:
        if char in BIDI_CONTROLS:
            return char, BIDI_CONTROL
        if char in _LINE_BREAKS:
            if not multiline:
                return char, LINE_BREAK
        elif char != "\t" and char not in _JOINERS and unicodedata.category(char) in _CONTROL_CATEGORIES:
            return char, CONTROL_CHARACTER
    return None


def code_point(chars: str) -> str:
    """How a message names an invisible character (U+202E) or a variation sequence (U+8FBB U+E0102)."""
    return " ".join(f"U+{ord(char):04X}" for char in chars)
