"""受取口座 (a bank account for payments to the resident): 金融機関コード, 支店コード, 預金種目, 口座番号, 口座名義.

The bank and its branch are checked against the Zengin list (:mod:`portal.japan.banks`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from portal.catalog.fieldtypes.base import FieldError, FieldType, NoSettings, Raw, Translate
from portal.catalog.fieldtypes.kana import katakana_name
from portal.catalog.normalize import digits_and_hyphens
from portal.catalog.registry import register
from portal.japan.banks import JAPAN_POST_BANK, institution
from portal.messages import N_, Message

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

BANK, BRANCH, KIND, NUMBER, HOLDER = PARTS = ("bank", "branch", "kind", "number", "holder")
# 預金種目 by its code in 全銀 transfer files.
KIND_CHOICES: tuple[tuple[str, str], ...] = (("1", N_("普通")), ("2", N_("当座")), ("4", N_("貯蓄")))
NUMBER_DIGITS = 7
HOLDER_MAX_LENGTH = 30  # 受取人名 of a 全銀 transfer record
_PART_LABELS = {
    BANK: N_("金融機関コード"),
    BRANCH: N_("支店コード"),
    NUMBER: N_("口座番号"),
    HOLDER: N_("口座名義"),
}
_TYPED = (BANK, BRANCH, NUMBER, HOLDER)  # the 預金種目 alone, like a date's era, is not an answer


class _PartError(FieldError):
    """A FieldError about one input of the account (the one marked invalid and linked from the summary)."""

    def __init__(self, message: Message, input_name: str) -> None:
        super().__init__(message)
        self.input_name = input_name


class BankAccountType(FieldType[NoSettings]):
    """A bank account: 金融機関コード (4 digits) and 支店コード (3 digits), checked against the Zengin list of the
    zengin-code package, updated with it (the error names the code not found, or the bank whose branches lack
    it), 預金種目 (普通, 当座 or 貯蓄, stored as the 全銀 codes 1, 2, 4), 口座番号 (up to 7 digits; a shorter one
    is stored zero-padded on the left, as transfers write it) and 口座名義 (full-width katakana, 30 characters at
    most). Full-width digits are accepted. Stored as ``{bank, branch, kind, number, holder}``; shown as
    「みずほ銀行 東京営業部 普通 1234567 ヤマダ　タロウ」. ゆうちょ銀行 (9900) accounts are entered by their 振込用
    店名 (3 digits) and 口座番号, not by the passbook's 記号・番号: say so in the field's ``help``.
    """

    name = "bank_account"
    widget = "bank_account"
    prefillable = False

    def input_names(self, field: FieldDef) -> tuple[str, ...]:
        return tuple(f"{field.name}-{part}" for part in PARTS)

    def _input(self, field: FieldDef, part: str) -> str:
        return f"{field.name}-{part}"

    def is_empty(self, field: FieldDef, raw: Raw) -> bool:
        return all(not self.first(raw, self._input(field, part)).strip() for part in _TYPED)

    def check_characters(self, field: FieldDef, raw: Raw) -> None:
        for name in self.input_names(field):
            try:
                super().check_characters(field, {name: list(raw.get(name, ()))})
            except FieldError as exc:
                raise _PartError(exc.message, name) from None

    def parse_present(self, field: FieldDef, raw: Raw) -> dict[str, str]:
        """Checked in the order the inputs are shown; the first problem is the one reported."""
        typed = {part: self.first(raw, self._input(field, part)).strip() for part in PARTS}
        bank_code = self._code(
            field, BANK, typed[BANK], N_("%(label)sの金融機関コードは4桁の数字で入力してください"), 4
        )
        bank = institution(bank_code)
        if bank is None:
            raise self._refuse(
                field, BANK, N_("%(label)sの金融機関コード%(code)sの金融機関が見つかりません"), code=bank_code
            )
        branch = self._code(field, BRANCH, typed[BRANCH], N_("%(label)sの支店コードは3桁の数字で入力してください"), 3)
        if branch not in bank.branches:
            raise self._refuse(
                field,
                BRANCH,
                N_("%(label)sの支店コード%(code)sは%(bank)sの支店にありません"),
                code=branch,
                bank=bank.name,
            )
        if not typed[KIND]:
            raise self._refuse(field, KIND, N_("%(label)sの預金種目を選択してください"))
        if typed[KIND] not in dict(KIND_CHOICES):
            raise self._refuse(field, KIND, N_("%(label)sの預金種目は選択肢から選んでください"))
        return {
            BANK: bank_code,
            BRANCH: branch,
            KIND: typed[KIND],
            NUMBER: self._number(field, bank_code, typed[NUMBER]),
            HOLDER: self._holder(field, typed[HOLDER]),
        }

    def _missing(self, field: FieldDef, part: str) -> _PartError:
        return self._refuse(field, part, N_("%(label)sの%(part)sを入力してください"), part=Message(_PART_LABELS[part]))

    def _refuse(self, field: FieldDef, wrong: str, msgid: str, **params: Any) -> _PartError:
        """The error about the input of part ``wrong``."""
        return _PartError(self.error(field, msgid, **params).message, self._input(field, wrong))

    def _digits(self, text: str) -> str:
        """Half-width, without the spaces and hyphens people type to group digits (12-34567)."""
        return digits_and_hyphens(text).replace("-", "")

    def _code(self, field: FieldDef, part: str, text: str, msgid: str, length: int) -> str:
        if not text:
            raise self._missing(field, part)
        code = self._digits(text)
        if not re.fullmatch(f"[0-9]{{{length}}}", code):
            raise self._refuse(field, part, msgid)
        return code

    def _number(self, field: FieldDef, bank_code: str, text: str) -> str:
        if not text:
            raise self._missing(field, NUMBER)
        number = self._digits(text)
        if not re.fullmatch("[0-9]+", number):
            raise self._refuse(field, NUMBER, N_("%(label)sの口座番号は7桁以内の数字で入力してください"))
        if len(number) > NUMBER_DIGITS:
            if bank_code == JAPAN_POST_BANK:  # the passbook's 記号・番号 is 5 + 8 digits
                raise self._refuse(
                    field,
                    NUMBER,
                    N_(
                        "%(label)sには、ゆうちょ銀行の通帳の記号・番号ではなく、振込用の店番（3桁）と口座番号（7桁）を入力してください"
                    ),
                )
            raise self._refuse(field, NUMBER, N_("%(label)sの口座番号は7桁以内の数字で入力してください"))
        return number.zfill(NUMBER_DIGITS)

    def _holder(self, field: FieldDef, text: str) -> str:
        if not text:
            raise self._missing(field, HOLDER)
        holder = katakana_name(text)
        if holder is None:
            raise self._refuse(field, HOLDER, N_("%(label)sの口座名義は全角カタカナで入力してください"))
        if len(holder) > HOLDER_MAX_LENGTH:
            raise self._refuse(
                field, HOLDER, N_("%(label)sの口座名義は%(max)d文字以内で入力してください"), max=HOLDER_MAX_LENGTH
            )
        return holder

    def error_input(self, field: FieldDef, raw: Raw) -> str | None:
        try:
            self.parse(field, raw)
        except _PartError as exc:
            return exc.input_name
        except FieldError:
            return None
        return None

    def sample(self, field: FieldDef) -> dict[str, str]:
        return {BANK: "0001", BRANCH: "001", KIND: "1", NUMBER: "1234567", HOLDER: "ミホン\u3000タロウ"}

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        if value is None:
            return {}
        return {self._input(field, part): [value[part]] for part in PARTS if part in value}

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        """みずほ銀行 東京営業部 普通 1234567 ヤマダ　タロウ; codes the list no longer has are shown as codes."""
        if value is None:
            return ""
        bank = institution(value[BANK])
        branch = bank.branches.get(value[BRANCH]) if bank else None
        kinds = dict(KIND_CHOICES)
        parts = (
            bank.name if bank else Message(N_("金融機関コード%(code)s"), {"code": value[BANK]}).render(translate),
            branch or Message(N_("支店コード%(code)s"), {"code": value[BRANCH]}).render(translate),
            translate(kinds[value[KIND]]) if value[KIND] in kinds else value[KIND],
            value[NUMBER],
            value[HOLDER],
        )
        return " ".join(parts)


register(BankAccountType())
