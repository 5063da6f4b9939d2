"""The languages the portal speaks, and which of them a browser's or a provider's language tags ask for.

Japanese is the source language (the msgids); every other language is a Babel catalog under
``translations/<catalog>/LC_MESSAGES/messages.po``. A language has a public code, a BCP 47 tag used in URLs
(``?lang=``), the language cookie, ``lang``/``hreflang`` attributes, the stored email preference and OIDC's
``ui_locales``; a catalog directory; and the Babel locale that formats its dates and numbers. やさしい日本語 is the one
where these differ: its own catalog of plain-Japanese texts (``ja_x_easy``, a private-use tag Babel cannot parse),
formatted as Japanese.

Without Flask: the web layer, the development identity provider and the email worker share it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global


@dataclass(frozen=True)
class Language:
    code: str  # public BCP 47 tag
    name: str  # in the language itself, for the language switch
    formats: str  # Babel locale of its dates, numbers and plural rules
    catalog: str | None = None  # directory under translations/; None for Japanese, the source language
    wareki: bool = False  # dates in 和暦 with the 西暦 year beside them
    furigana: bool = False  # kanji carry their reading (ruby)
    negotiable: bool = True  # may be chosen by a browser's Accept-Language (else only by its exact code)

    @property
    def japanese(self) -> bool:
        """Whether the page is written in Japanese (plain or やさしい), so Japanese text needs no marking there."""
        return self.formats == JAPANESE.formats


JAPANESE = Language("ja", "日本語", "ja", wareki=True)
EASY_JAPANESE = Language(
    "ja-x-easy", "やさしい日本語", "ja", catalog="ja_x_easy", wareki=True, furigana=True, negotiable=False
)
ENGLISH = Language("en", "English", "en", catalog="en")
# In the language switch's order: Japanese first, then by how many of Japan's foreign residents read them.
LANGUAGES: tuple[Language, ...] = (
    JAPANESE,
    EASY_JAPANESE,
    ENGLISH,
    Language("zh-Hans", "简体中文", "zh_Hans", catalog="zh_Hans"),
    Language("ko", "한국어", "ko", catalog="ko"),
    Language("vi", "Tiếng Việt", "vi", catalog="vi"),
    Language("pt-BR", "Português", "pt_BR", catalog="pt_BR"),
    Language("fil", "Filipino", "fil", catalog="fil"),  # Babel reads the "tl" (Tagalog) as fil_PH
    Language("ne", "नेपाली", "ne", catalog="ne"),
)
BY_CODE = {language.code.lower(): language for language in LANGUAGES}
CATALOG = "messages.po"


def catalog_path(directory: Path, language: Language) -> Path | None:
    """Where ``language``'s catalog lives under ``directory`` (None for Japanese, which has none)."""
    return None if language.catalog is None else directory / language.catalog / "LC_MESSAGES" / CATALOG


def shipped(directory: Path) -> tuple[Language, ...]:
    """Japanese and every language whose catalog is in ``directory``: the languages the portal offers.

    A language comes with its catalog (a translator's commit adds both), and ``scripts/translations check``
    refuses any shipped catalog that is not complete.
    """
    return tuple(
        language for language in LANGUAGES if (path := catalog_path(directory, language)) is None or path.exists()
    )


def by_code(code: str | None, offered: Iterable[Language] = LANGUAGES) -> Language | None:
    """The offered language a single tag names: its exact code (any letter case, ``_`` for ``-``), else the
    language it would be negotiated to (``zh-CN`` is 简体中文, ``tl`` Filipino, ``pt`` Português)."""
    return negotiate([code], tuple(offered)) if code else None


def negotiate(tags: Iterable[str | None], offered: tuple[Language, ...]) -> Language | None:
    """The first offered language that one of ``tags`` (most preferred first) asks for, or None.

    A tag matches a language's exact code, or one of the same language and script once the tag's likely script
    is filled in (CLDR likely subtags): zh, zh-CN and zh-Hans read 简体中文, zh-TW (Hant) does not; pt-PT reads
    pt-BR; tl and fil-PH read Filipino. やさしい日本語 is never negotiated: a browser saying ``ja`` means Japanese.
    """
    for tag in tags:
        if tag and (found := _match(tag, offered)) is not None:
            return found
    return None


@lru_cache(maxsize=1024)
def _match(tag: str, offered: tuple[Language, ...]) -> Language | None:
    """Cached: the same few browser tags come with every anonymous request."""
    exact = BY_CODE.get(tag.strip().replace("_", "-").lower())
    if exact is not None and exact in offered:
        return exact
    wanted = _language_and_script(tag.strip())
    if wanted is None:
        return None
    return next(
        (lang for lang in offered if lang.negotiable and _language_and_script(lang.formats, "_") == wanted), None
    )


@lru_cache(maxsize=1024)
def _language_and_script(tag: str, separator: str = "-") -> tuple[str, str] | None:
    """(language, script) of a tag, the script filled in from CLDR's likely subtags; None when Babel cannot read
    it (``*``, a private-use or malformed tag)."""
    try:
        locale = Locale.parse(tag, sep=separator)
    except (ValueError, TypeError, UnknownLocaleError):
        return None
    script = locale.script
    if script is None:
        likely = get_global("likely_subtags")
        found = likely.get(f"{locale.language}_{locale.territory}") or likely.get(locale.language)
        script = Locale.parse(found).script if found else None
    return locale.language, script or ""
