"""Which characters the certificate fonts can print, so that an answer none of them can is refused when typed.

Certificates name their fonts by family (static/certificates/fonts.css) and WeasyPrint finds them through
fontconfig: IPAmj明朝 for names and addresses, whose MJ character set (文字情報基盤) has the characters of real
residents' names (𠮷, 髙, 﨑, and 辻 with one or two dots as Ideographic Variation Sequences), IPAex明朝 and
IPAexゴシック for the rest. A character none of them has would print as an empty box on an official document,
so the fields a certificate may print check every character against the fonts' cmaps (portal.catalog), read
once per process from the same files fontconfig gives WeasyPrint.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont, TTLibError

# The families the certificate stylesheets name, and the Debian package that installs each.
CERTIFICATE_FAMILIES = {
    "IPAmjMincho": "fonts-ipamj-mincho",
    "IPAexMincho": "fonts-ipaexfont-mincho",
    "IPAexGothic": "fonts-ipaexfont-gothic",
}
# Where those packages put the files, for a machine without fontconfig's command-line tools (fc-list).
DEBIAN_FILES = {
    "IPAmjMincho": Path("/usr/share/fonts/truetype/ipamj/ipamjm.ttf"),
    "IPAexMincho": Path("/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf"),
    "IPAexGothic": Path("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf"),
}
# Standardised (U+FE00–FE0F) and ideographic (U+E0100–E01EF) variation selectors: they choose a glyph of the
# character before them, so a font prints them only as that pair.
VARIATION_SELECTORS = frozenset(map(chr, [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]))
# Characters that need no glyph: whitespace, which answers keep only as line breaks (a textarea) and ASCII
# spaces (portal.catalog.normalize), and the joiners portal.catalog.characters lets through for names. The
# last whitespace character is U+3000.
_NO_GLYPH = frozenset(char for char in map(chr, range(0x3001)) if char.isspace()) | frozenset("\u200c\u200d")


class CertificateFontError(RuntimeError):
    """A certificate font is missing or unreadable: the portal cannot know which names it can print."""


@dataclass(frozen=True)
class GlyphCoverage:
    """What the certificate fonts together can print."""

    characters: frozenset[str]  # one-character strings: every code point some font maps to a glyph
    sequences: frozenset[str]  # base character + variation selector, for every variation some font has
    files: tuple[Path, ...]

    def unprintable(self, text: str) -> str | None:
        """The first character of ``text`` no certificate font can print (with its variation selector when it
        is a variation the fonts lack), or None when every character prints."""
        if self.characters.issuperset(text):  # the usual case, checked in C
            return None
        for index, char in enumerate(text):
            if char in VARIATION_SELECTORS:
                sequence = text[max(index - 1, 0) : index + 1]
                if sequence not in self.sequences:
                    return sequence
            elif char not in self.characters:
                return char
        return None


def _fontconfig_files(family: str, fc_list: str) -> list[Path]:
    listed = subprocess.run(
        [fc_list, "--format", "%{file}\n", f":family={family}"], capture_output=True, text=True, check=True, timeout=30
    )
    return [Path(line) for line in listed.stdout.splitlines() if line]


def find_font_files(families: Iterable[str] = CERTIFICATE_FAMILIES, *, fc_list: str = "fc-list") -> tuple[Path, ...]:
    """The font files of ``families`` as fontconfig (hence WeasyPrint) sees them; without ``fc_list`` on the
    PATH, the files of the Debian packages. Raises CertificateFontError naming every family not found."""
    command = shutil.which(fc_list)
    files: dict[Path, None] = {}  # resolved, in order: Debian links fonts-japanese-mincho.ttf to IPAex
    missing = []
    for family in families:
        if command is not None:
            found = _fontconfig_files(family, command)
        else:
            found = [path] if (path := DEBIAN_FILES.get(family)) is not None and path.is_file() else []
        if not found:
            missing.append(family)
        files.update(dict.fromkeys(path.resolve() for path in found))
    if missing:
        packages = " ".join(CERTIFICATE_FAMILIES[family] for family in missing if family in CERTIFICATE_FAMILIES)
        raise CertificateFontError(
            f"certificate font not installed: {', '.join(missing)}"
            + (f" (Debian packages: {packages}; run scripts/install-system-packages)" if packages else "")
        )
    return tuple(files)


def load_coverage(files: tuple[Path, ...]) -> GlyphCoverage:
    """Read the cmaps of ``files``; CertificateFontError for a file that is not a readable font."""
    if not files:
        raise CertificateFontError("no certificate font files")
    code_points: set[int] = set()
    sequences: set[str] = set()
    for path in files:
        try:
            with TTFont(path, lazy=True, fontNumber=0) as font:
                code_points.update(font.getBestCmap() or {})
                for table in font["cmap"].tables:
                    if table.format == 14:  # Unicode Variation Sequences, default glyph or not
                        for selector, mapped in table.uvsDict.items():
                            sequences.update(chr(base) + chr(selector) for base, _glyph in mapped)
        except (OSError, TTLibError, KeyError) as error:
            raise CertificateFontError(f"{path}: not a readable font ({error})") from None
    characters = (frozenset(map(chr, code_points)) - VARIATION_SELECTORS) | _NO_GLYPH
    return GlyphCoverage(characters, frozenset(sequences), files)


@lru_cache(maxsize=1)
def certificate_glyphs() -> GlyphCoverage:
    """What the installed certificate fonts can print; the app calls it at start so a machine without them
    refuses to start instead of refusing every answer."""
    return load_coverage(find_font_files())
