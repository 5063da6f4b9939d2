"""check_upload: the bad list refused, each with its message and nothing to store; good files cleaned."""

from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image

from portal.attachments import (
    MAX_PIXELS,
    CheckedUpload,
    FileKind,
    UploadRules,
    check_upload,
    format_size,
    images,
    pdfs,
    store_upload,
    upload,
)
from portal.messages import Message
from portal.storage.local import LocalStorage
from tests.unit.attachments import files

EVERY_KIND = UploadRules(accept=frozenset(FileKind), max_bytes=5_000_000)
ACCEPTED = "JPEG / PNG / PDF"


def checked(name: str | bytes, data: bytes, rules: UploadRules = EVERY_KIND) -> CheckedUpload:
    result = check_upload(name, io.BytesIO(data), rules)
    assert isinstance(result, CheckedUpload), result
    return result


def refused(name: str | bytes, data: bytes, rules: UploadRules = EVERY_KIND) -> Message:
    result = check_upload(name, io.BytesIO(data), rules)
    assert isinstance(result, Message), result
    return result


def is_message(message: Message, msgid: str, **params: Any) -> bool:
    assert message.msgid == msgid, message.render()
    assert dict(message.params) == params
    return True


# --- good files -----------------------------------------------------------------------------------------


def test_a_jpeg_is_stored_upright_without_exif_gps_or_comment() -> None:
    original = files.jpeg_with_gps(orientation=6)  # the camera was turned: 90° clockwise to show upright
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    result = checked("現場の写真.jpg", original)
    assert (result.name, result.media_type) == ("現場の写真.jpg", "image/jpeg")
    stored = Image.open(io.BytesIO(result.data))
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {} and "exif" not in stored.info and "comment" not in stored.info
    for trace in (b"Exif", b"Canon", b"SERIAL-0042", b"taken at home"):
        assert trace not in result.data
    assert stored.size == (20, 40)  # turned upright, since the orientation tag is gone
    assert stored.getpixel((10, 5))[0] > 200 and stored.getpixel((10, 35))[2] > 200  # the left (red) half on top
    assert result.size == len(result.data) and result.sha256 == hashlib.sha256(result.data).hexdigest()


def test_a_png_is_stored_without_its_text_chunks_and_keeps_transparency() -> None:
    result = checked("map.PNG", files.png_with_text())
    stored = Image.open(io.BytesIO(result.data))
    assert (stored.format, stored.mode, stored.size) == ("PNG", "RGBA", (40, 20))
    assert "Author" not in stored.info and "山田".encode() not in result.data and b"tEXt" not in result.data
    assert result.media_type == "image/png"


def test_a_colour_profile_is_applied_then_dropped() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    files.photo().save(out, "JPEG", icc_profile=srgb)
    stored = Image.open(io.BytesIO(checked("p.jpeg", out.getvalue()).data))
    assert "icc_profile" not in stored.info
    assert stored.getpixel((5, 5))[0] > 200  # still red


def test_a_plain_pdf_is_stored_as_sent() -> None:
    data = files.pdf()
    result = checked("申請書.pdf", data)
    assert (result.data, result.media_type, result.size) == (data, "application/pdf", len(data))


def test_a_pdf_that_opens_at_a_page_is_not_an_action() -> None:
    checked("scan.pdf", files.pdf_opening_at_its_first_page())


def test_a_checked_upload_is_stored_under_a_generated_key(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    result = checked("../../etc/passwd.png", files.png_with_text())
    ref = store_upload(storage, result)
    assert ref.name == "passwd.png" and ref.key != "passwd.png" and len(ref.key) == 32
    assert storage.read(ref.key) == result.data
    assert (ref.media_type, ref.size, ref.sha256) == (result.media_type, result.size, result.sha256)
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == [ref.key]


# --- the bad list ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [files.ELF, files.PE], ids=["elf", "pe"])
def test_a_renamed_executable_is_refused(content: bytes) -> None:
    assert is_message(
        refused("photo.jpg", content),
        upload.MISMATCH,
        name="photo.jpg",
        extension="jpg",
        kind="JPEG",
        accepted=ACCEPTED,
    )


class Endless(io.RawIOBase):
    """A stream that never ends, counting what was read from it."""

    def __init__(self) -> None:
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert size > 0, "the whole stream was asked for"
        self.consumed += size
        return b"\xff" * size


def test_an_oversize_file_is_refused_while_streaming() -> None:
    stream = Endless()
    rules = UploadRules(accept={FileKind.JPEG}, max_bytes=1_000_000)
    result = check_upload("huge.jpg", stream, rules)
    assert isinstance(result, Message) and is_message(result, upload.TOO_LARGE, name="huge.jpg", max="1MB")
    assert stream.consumed == 1_000_001  # one byte past the limit, then it stopped


def test_a_file_exactly_at_the_limit_passes_the_size_check() -> None:
    data = files.pdf()
    checked("a.pdf", data, UploadRules(accept={FileKind.PDF}, max_bytes=len(data)))
    assert is_message(
        refused("a.pdf", data, UploadRules(accept={FileKind.PDF}, max_bytes=len(data) - 1)),
        upload.TOO_LARGE,
        name="a.pdf",
        max=format_size(len(data) - 1),
    )


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return files.zip_bomb()


@pytest.mark.parametrize("name", ["bomb.pdf", "bomb.jpg", "bomb.png"])
def test_a_zip_bomb_renamed_is_refused_without_being_expanded(
    zip_bomb: bytes, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def expand(*args: object) -> bytes:
        raise AssertionError("the archive was expanded")

    monkeypatch.setattr(zipfile.ZipExtFile, "read", expand)
    message = refused(name, zip_bomb)
    assert message.msgid == upload.MISMATCH and message.params["name"] == name


def test_a_jpeg_with_a_zip_appended_is_stored_as_its_picture_alone() -> None:
    """The policy for image polyglots: accepted, because re-encoding keeps the pixels and drops the tail."""
    polyglot = files.jpeg_with_gps() + files.small_zip()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))
    result = checked("photo.jpg", polyglot)
    assert not zipfile.is_zipfile(io.BytesIO(result.data))
    assert b"PK\x03\x04" not in result.data and b"payload.exe" not in result.data


def test_a_pdf_with_a_zip_appended_is_refused() -> None:
    assert is_message(refused("scan.pdf", files.pdf() + files.small_zip()), pdfs.APPENDED, name="scan.pdf")


def test_a_pdf_hiding_its_end_inside_a_zip_comment_is_refused() -> None:
    """%%EOF last in the file, yet a zip reader finds its directory: still two files in one."""
    document = files.pdf()
    polyglot = document + files.small_zip(comment=b"\n%%EOF\n")
    assert polyglot.rstrip().endswith(b"%%EOF")
    assert is_message(refused("scan.pdf", polyglot), pdfs.APPENDED, name="scan.pdf")


def test_svg_is_never_accepted() -> None:
    assert is_message(
        refused("seal.svg", files.SVG_WITH_SCRIPT), upload.NOT_ACCEPTED, name="seal.svg", accepted=ACCEPTED
    )
    assert refused("seal.png", files.SVG_WITH_SCRIPT).msgid == upload.MISMATCH
    assert "svg" not in {kind.value for kind in FileKind}


def test_an_empty_file_is_refused() -> None:
    assert is_message(refused("empty.png", b""), upload.EMPTY, name="empty.png")


def test_a_traversal_name_is_shown_as_its_last_part() -> None:
    message = refused("../../etc/passwd.png", files.ELF)
    assert message.params["name"] == "passwd.png"


@pytest.mark.parametrize("name", [b"\x82\xa0\x82\xa2.jpg", "\udc82\udca0.jpg", "\ufffd\ufffd.jpg"])
def test_a_name_that_is_not_utf8_is_refused(name: str | bytes) -> None:
    assert (
        refused(name, files.jpeg_with_gps()).msgid
        == "ファイル名を読み取れません。ファイル名を日本語か英数字に変えてから、選び直してください"
    )


@pytest.mark.parametrize("password", ["secret", ""], ids=["user-password", "owner-password-only"])
def test_an_encrypted_pdf_is_refused(password: str) -> None:
    assert is_message(refused("locked.pdf", files.encrypted_pdf(password)), pdfs.ENCRYPTED, name="locked.pdf")


@pytest.mark.parametrize(
    "content",
    [files.pdf_with_javascript(), files.pdf_launching("cmd.exe"), files.pdf_with_embedded_file()],
    ids=["javascript", "launch", "embedded-file"],
)
def test_a_pdf_with_active_content_is_refused(content: bytes) -> None:
    assert is_message(refused("form.pdf", content), pdfs.ACTIVE, name="form.pdf")


def test_an_image_over_the_pixel_cap_is_refused_before_decoding() -> None:
    bomb = files.png_claiming(100_000, 100_000)
    assert len(bomb) < 200
    started = time.monotonic()
    assert is_message(
        refused("bomb.png", bomb),
        images.TOO_MANY_PIXELS,
        name="bomb.png",
        megapixels=MAX_PIXELS // 1_000_000,
    )
    assert time.monotonic() - started < 1


def test_an_image_just_over_our_cap_is_refused_by_our_check() -> None:
    """A 60-megapixel PNG is below Pillow's own limit (89M): the cap refusing it is ours."""
    assert 60_000_000 < Image.MAX_IMAGE_PIXELS
    message = refused("big.png", files.png_claiming(10_000, 6_000))
    assert message.msgid == images.TOO_MANY_PIXELS
    rules = UploadRules(accept={FileKind.JPEG}, max_bytes=1_000_000, max_pixels=2_000_000)
    assert refused("photo.jpg", files.jpeg_with_gps(2_000, 1_001), rules).msgid == images.TOO_MANY_PIXELS
    checked("photo.jpg", files.jpeg_with_gps(2_000, 1_000), rules)


def test_a_kind_the_field_does_not_accept_is_refused_naming_what_it_does() -> None:
    rules = UploadRules(accept={FileKind.JPEG, FileKind.PNG}, max_bytes=1_000_000)
    assert is_message(
        refused("scan.pdf", files.pdf(), rules), upload.NOT_ACCEPTED, name="scan.pdf", accepted="JPEG / PNG"
    )
    assert is_message(refused("README", b"text", rules), upload.NOT_ACCEPTED, name="README", accepted="JPEG / PNG")
    assert refused("photo.jpg.exe", files.PE, rules).msgid == upload.NOT_ACCEPTED


def test_a_png_named_jpeg_is_refused() -> None:
    message = refused("photo.jpg", files.png_with_text())
    assert message.msgid == upload.MISMATCH and message.params["kind"] == "JPEG"


def test_a_truncated_image_is_unreadable() -> None:
    data = files.jpeg_with_gps()
    assert is_message(refused("cut.jpg", data[: len(data) // 2]), images.UNREADABLE, name="cut.jpg")


def test_a_pdf_that_does_not_parse_is_unreadable() -> None:
    assert is_message(refused("broken.pdf", b"%PDF-1.7\nnot a pdf at all\n%%EOF\n"), pdfs.UNREADABLE, name="broken.pdf")
    assert is_message(refused("cut.pdf", files.pdf()[:200]), pdfs.UNREADABLE, name="cut.pdf")


def test_messages_read_as_japanese_sentences() -> None:
    assert refused("photo.jpg", files.ELF).render() == (
        "「photo.jpg」の中身は、拡張子（.jpg）が示す JPEG ではありません。添付できるのは JPEG / PNG / PDF のファイルです"
    )


@pytest.mark.parametrize(
    ("size", "text"), [(5_000_000, "5MB"), (1_500_000, "1.5MB"), (500_000, "500KB"), (800, "800B"), (2 * 10**9, "2GB")]
)
def test_sizes_are_shown_in_decimal_units(size: int, text: str) -> None:
    assert format_size(size) == text
