"""The certificate fonts: IPAmj明朝 prints names and addresses in the MJ character set, and the portal knows which
characters the installed fonts can print (the fields refuse the others, see test_fieldtypes)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from portal.certificates import CertificateRenderer
from portal.certificates.fonts import (
    DEBIAN_FILES,
    CertificateFontError,
    GlyphCoverage,
    certificate_glyphs,
    find_font_files,
    load_coverage,
)
from tests.unit.test_certificates_render import YAMADA, juminhyo_context

IPAMJ = DEBIAN_FILES["IPAmjMincho"]
IPAEX = (DEBIAN_FILES["IPAexMincho"], DEBIAN_FILES["IPAexGothic"])
TSUJI_ONE_DOT, TSUJI_TWO_DOTS = "\u8fbb\U000e0102", "\u8fbb\U000e0103"  # 辻󠄂 辻󠄃 (Moji_Joho IVS)


def fontconfig_with(tmp_path: Path, *directories: str) -> str:
    """A fontconfig configuration that knows only the fonts in ``directories``: a machine without the others."""
    dirs = "".join(f"<dir>{directory}</dir>" for directory in directories)
    conf = tmp_path / "fonts.conf"
    conf.write_text(
        f'<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>{dirs}'
        f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    return str(conf)


# --- finding the fonts ----------------------------------------------------------------------------------


def test_the_certificate_families_are_found_through_fontconfig() -> None:
    assert find_font_files() == (IPAMJ, *IPAEX)  # Debian's fonts-japanese-*.ttf links appear once


def test_without_fc_list_the_debian_files_are_used() -> None:
    assert find_font_files(fc_list="no-such-fc-list") == (IPAMJ, *IPAEX)


def test_a_machine_without_ipamj_is_told_which_package_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FONTCONFIG_FILE", fontconfig_with(tmp_path, "/usr/share/fonts/opentype"))

    with pytest.raises(CertificateFontError) as raised:
        find_font_files()

    assert str(raised.value) == (
        "certificate font not installed: IPAmjMincho "
        "(Debian packages: fonts-ipamj-mincho; run scripts/install-system-packages)"
    )


def test_an_unknown_family_is_named() -> None:
    with pytest.raises(CertificateFontError, match=r"^certificate font not installed: NoSuchMincho$"):
        find_font_files(["IPAmjMincho", "NoSuchMincho"])


def test_a_file_that_is_not_a_font_is_named(tmp_path: Path) -> None:
    fake = tmp_path / "ipamjm.ttf"
    fake.write_bytes(b"not a font")
    with pytest.raises(CertificateFontError, match=rf"^{re.escape(str(fake))}: not a readable font"):
        load_coverage((IPAMJ, fake))
    with pytest.raises(CertificateFontError, match="no certificate font files"):
        load_coverage(())


# --- what they print ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def glyphs() -> GlyphCoverage:
    return certificate_glyphs()


def test_the_installed_fonts_are_read_once(glyphs: GlyphCoverage) -> None:
    assert certificate_glyphs() is glyphs
    assert glyphs.files == (IPAMJ, *IPAEX)


@pytest.mark.parametrize(
    "text",
    [
        "\U00020bb7田",  # 𠮷田
        "髙橋",
        "山﨑",
        "辻",
        TSUJI_ONE_DOT,
        TSUJI_TWO_DOTS,
        "見本県見本市中央一丁目2-3 見本マンション101号室",
        "ﾔﾏﾀﾞ　ABC\n\t",
        "山田\u2009太郎\u00a0\u205f",  # spaces pasted from elsewhere: normalisation makes them ASCII spaces
        "山田\u200d花子",
        "",
    ],
)
def test_what_names_and_addresses_need_prints(glyphs: GlyphCoverage, text: str) -> None:
    assert glyphs.unprintable(text) is None


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("山田\U0001f600", "\U0001f600"),
        ("\ue000\U0001f600", "\ue000"),
        ("\u8fbb\ufe00", "\u8fbb\ufe00"),  # a variation selector is judged with its character
        ("\U000e0102辻", "\U000e0102"),
        (TSUJI_ONE_DOT + "\U000e0103", "\U000e0102\U000e0103"),
        ("عمر", "ع"),
    ],
)
def test_the_first_unprintable_character_is_returned(glyphs: GlyphCoverage, text: str, first: str) -> None:
    assert glyphs.unprintable(text) == first


def test_ipamj_is_what_prints_the_mj_characters() -> None:
    ipaex_only = load_coverage(IPAEX)
    assert ipaex_only.unprintable("\U00020bb7田") == "\U00020bb7"
    assert ipaex_only.unprintable(TSUJI_TWO_DOTS) == TSUJI_TWO_DOTS


# --- on the certificate ---------------------------------------------------------------------------------


def render(tmp_path: Path, family_name: str, given_name: str, address: str = "見本市") -> Path:
    """A 個人票 of 山田 花子 as recorded, with the record's name and household address replaced."""
    name = {**YAMADA["name"], "family": family_name, "given": given_name}  # type: ignore[dict-item]
    context: dict[str, Any] = juminhyo_context([{**YAMADA, "name": name}])
    context["record"]["address"]["address"] = address
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(CertificateRenderer().render_pdf("juminhyo", context))
    return pdf


def pdffonts(pdf: Path) -> dict[str, tuple[str, ...]]:
    """Font name without the subset prefix → (type, embedded, subset, unicode map) as pdffonts reports them."""
    lines = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()
    fonts = {}
    for line in lines[2:]:
        name, *columns = line.split()
        fonts[name.partition("+")[2] or name] = (" ".join(columns[:-6]), *columns[-5:-2])
    return fonts


def pdftotext(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", text)  # letter-spacing comes out as spaces


def test_a_name_with_yoshi_round_trips_through_the_pdf_in_ipamj(tmp_path: Path) -> None:
    pdf = render(tmp_path, family_name="\U00020bb7田", given_name="花子", address="見本県見本市髙﨑町一丁目2番3号")

    fonts = pdffonts(pdf)
    assert fonts["IPAmjMincho"] == ("CID TrueType", "yes", "yes", "yes")  # embedded subset, text extractable
    assert "IPAexMincho" in fonts  # the rest of the certificate
    text = pdftotext(pdf)
    assert "\U00020bb7田" in text
    assert "見本県見本市髙﨑町一丁目2番3号" in text


def test_names_print_in_ipamj_even_when_ipaex_has_every_character(tmp_path: Path) -> None:
    pdf = render(tmp_path, family_name="山田", given_name="花子", address="見本市")
    assert "IPAmjMincho" in pdffonts(pdf)


def test_tsuji_with_one_dot_prints_its_own_glyph(tmp_path: Path) -> None:
    """The PDF maps each glyph back to one text: two different texts out means two different glyphs in."""
    text = pdftotext(render(tmp_path, family_name=TSUJI_ONE_DOT, given_name="辻"))
    assert TSUJI_ONE_DOT + "辻" in text


def test_tsuji_with_two_dots_is_ipamjs_default_glyph(tmp_path: Path) -> None:
    """Selector E0103 names the glyph IPAmj明朝 prints for plain 辻: both come out as the same glyph."""
    text = pdftotext(render(tmp_path, family_name=TSUJI_TWO_DOTS, given_name="辻"))
    assert TSUJI_TWO_DOTS * 2 in text
