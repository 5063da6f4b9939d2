"""フリガナ: stored in full-width katakana whatever the resident's IME produced."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import jaconv
from pydantic import Field

from portal.catalog.fieldtypes.base import FieldType, Raw, Settings
from portal.catalog.normalize import full_width_kana
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

_KATAKANA = re.compile(r"[ァ-ヶー\u3000]+")


def katakana_name(typed: str) -> str | None:
    """A name in full-width katakana (ﾔﾏﾀﾞ, やまだ → ヤマダ), words separated by one full-width space as on 住民票;
    None when it holds anything else."""
    words = jaconv.hira2kata(full_width_kana(typed)).split()
    text = "\u3000".join(words)
    return text if _KATAKANA.fullmatch(text) else None


class KanaSettings(Settings):
    max_length: int = Field(default=100, ge=1)


class KanaType(FieldType[KanaSettings]):
    name = "kana"
    widget = "kana"
    settings_model = KanaSettings

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        settings = self.settings(field)
        text = katakana_name(self.first(raw, field.name))
        if text is None:
            raise self.error(field, N_("%(label)sは全角カタカナで入力してください"))
        return self.check_length(field, text, settings.max_length)

    def sample(self, field: FieldDef) -> str:
        return "ミホン\u3000タロウ"


register(KanaType())
