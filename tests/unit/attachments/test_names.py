"""The display name of an attachment: NFC, without folders, no control characters, UTF-8 only, capped."""

from __future__ import annotations

import unicodedata

import pytest

from portal.attachments.names import CONTROL, MAX_NAME_LENGTH, NO_NAME, UNDECODABLE, clean_name, extension_of
from portal.attachments.refusal import Refused


def refusal(name: str | bytes) -> Refused:
    with pytest.raises(Refused) as caught:
        clean_name(name)
    return caught.value


def test_names_are_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "がっこう　プリント.pdf")  # as macOS sends it
    assert decomposed != "がっこう　プリント.pdf"
    assert clean_name(decomposed) == "がっこう　プリント.pdf"  # the ideographic space is kept


def test_utf8_bytes_are_decoded() -> None:
    assert clean_name("診断書.pdf".encode()) == "診断書.pdf"


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("../../etc/passwd.png", "passwd.png"),
        ("/etc/passwd.png", "passwd.png"),
        ("C:\\Users\\山田\\Pictures\\写真.jpg", "写真.jpg"),
        ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
        ("  余白.pdf  ", "余白.pdf"),
    ],
)
def test_folders_are_dropped(sent: str, shown: str) -> None:
    assert clean_name(sent) == shown


@pytest.mark.parametrize("name", [b"\x82\xa0\x82\xa2.jpg", b"\xff\xfe.png", "\udc82\udca0.jpg", "写真\ufffd.jpg"])
def test_names_that_are_not_utf8_are_refused(name: str | bytes) -> None:
    assert refusal(name).message.msgid == UNDECODABLE


@pytest.mark.parametrize(
    ("name", "code"),
    [("photo\u202egpj.exe", "U+202E"), ("a\nb.jpg", "U+000A"), ("a\x00.jpg", "U+0000"), ("a\x1b[31m.pdf", "U+001B")],
)
def test_control_characters_are_refused_naming_them(name: str, code: str) -> None:
    message = refusal(name).message
    assert (message.msgid, dict(message.params)) == (CONTROL, {"code": code})


@pytest.mark.parametrize("name", ["", "   ", "..", ".", "../", "C:\\"])
def test_a_name_with_nothing_left_is_refused(name: str) -> None:
    assert refusal(name).message.msgid == NO_NAME


def test_long_names_are_capped_keeping_the_extension() -> None:
    long = "とても長い名前" * 30 + ".jpeg"
    cleaned = clean_name(long)
    assert len(cleaned) == MAX_NAME_LENGTH and cleaned.endswith(".jpeg") and cleaned.startswith("とても長い名前")
    no_extension = "x" * 300
    assert clean_name(no_extension) == "x" * MAX_NAME_LENGTH


def test_extensions() -> None:
    assert [extension_of(n) for n in ("a.JPG", "a.tar.gz", "README", ".png", "a.")] == ["jpg", "gz", "", "", ""]
