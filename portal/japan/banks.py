"""金融機関コード and 支店コード: the Zengin list (全銀協の統一金融機関コード), and names as people read them.

The list comes with the ``zengin-code`` package (its data is dated in its version, e.g. ``1.1.0.20260824``): a
bank that opens or a branch that closes after that date is known once the package is updated (``scripts/lock
--upgrade-package zengin-code``). It is read on first use, not when the portal starts (about 0.1 s).

The list abbreviates names as transfer files do: みずほ, 網走信金, and branches without 支店. People read
みずほ銀行 and 網走信用金庫; :func:`institution_name` and :func:`branch_name` write them so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jaconv

JAPAN_POST_BANK = "9900"  # ゆうちょ銀行: its 振込用 店名 (〇一八) are the branches of the list

# Codes 0001–0999 are banks (the list writes みずほ for みずほ銀行); ゆうちょ銀行 is 9900. A few names in that
# range are not read with 銀行 after them: those already saying バンク, and a 資金移動業者 in the list.
_NOT_CALLED_BANK = re.compile(r"バンク|ペイメンツ")
# Abbreviations of the list's cooperative names (信金 → 信用金庫); 農協 and the federations (信連) stay as they are
# written, which is how their members know them.
_SUFFIXES = (("信金", "信用金庫"), ("信組", "信用組合"), ("労金", "労働金庫"))
# Branch names that already say what they are (本店, 東京営業部, 〇〇出張所, 本所, 支所, 〇〇センター).
_BRANCH_KIND = re.compile(r"(店|部|所|センター)$")


@dataclass(frozen=True)
class Institution:
    code: str  # 4 digits
    name: str  # as people read it: みずほ銀行
    branches: dict[str, str]  # 支店コード (3 digits) → name as people read it: 東京営業部, 新宿支店


@cache
def _zengin() -> Any:
    import zengin_code  # loads ~1,100 JSON files: only when a bank account is first checked

    return zengin_code.Bank


def institution(code: str) -> Institution | None:
    """The 金融機関 of a 4-digit code, or None when the list has no such code."""
    return _institution(code)


@cache
def _institution(code: str) -> Institution | None:
    bank = _zengin().all.get(code)
    if bank is None:
        return None
    return Institution(
        code=code,
        name=institution_name(code, _half_width_ascii(bank.name)),
        branches={
            branch_code: branch_name(code, _half_width_ascii(branch.name))
            for branch_code, branch in bank.branches.items()
        },
    )


def _half_width_ascii(listed: str) -> str:
    """The list writes letters full-width (三菱ＵＦＪ); the portal shows them half-width, like residents' answers."""
    return jaconv.z2h(listed, kana=False, ascii=True, digit=True)


def institution_name(code: str, listed: str) -> str:
    """The list's abbreviated name as people read it: みずほ → みずほ銀行, 網走信金 → 網走信用金庫."""
    is_bank = code < "1000" or code == JAPAN_POST_BANK
    if is_bank:
        return listed if listed.endswith("銀行") or _NOT_CALLED_BANK.search(listed) else f"{listed}銀行"
    for short, full in _SUFFIXES:
        if listed.endswith(short):
            return listed[: -len(short)] + full
    return listed


def branch_name(bank_code: str, listed: str) -> str:
    """新宿 → 新宿支店, but 東京営業部, 本店, 〇〇出張所 as listed; ゆうちょ銀行's 店名 〇一八 → 〇一八店."""
    if bank_code == JAPAN_POST_BANK:
        return f"{listed}店"
    return listed if _BRANCH_KIND.search(listed) else f"{listed}支店"
