"""Files for the upload checks, made in the tests (Pillow, pypdf, zipfile) rather than kept as binaries."""

from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib

from PIL import ExifTags, Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

GPS = {1: "N", 2: (35.0, 41.0, 22.2), 3: "E", 4: (139.0, 41.0, 30.0)}  # somewhere in 千代田区
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def photo(width: int = 40, height: int = 20) -> Image.Image:
    """A picture with a left half red and a right half blue, so a rotation shows."""
    image = Image.new("RGB", (width, height), "red")
    image.paste("blue", (width // 2, 0, width, height))
    return image


def jpeg_with_gps(width: int = 40, height: int = 20, orientation: int = 1) -> bytes:
    """A phone's photo: camera make and serial number, the GPS position, a comment."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.BodySerialNumber] = "SERIAL-0042"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    photo(width, height).save(out, "JPEG", exif=exif, comment=b"taken at home")
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "山田 太郎")
    info.add_text("Comment", "自宅の住所")
    out = io.BytesIO()
    photo().convert("RGBA").save(out, "PNG", pnginfo=info)
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: about side² bytes."""
    out = io.BytesIO()
    Image.frombytes("L", (side, side), os.urandom(side * side)).save(out, "PNG")
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture: a decompression bomb, never decoded."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))

    header = struct.pack("!IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def pdf(writer: PdfWriter | None = None) -> bytes:
    if writer is None:
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def blank_writer() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    return writer


def encrypted_pdf(user_password: str) -> bytes:
    writer = blank_writer()
    writer.encrypt(user_password, "owner-password")
    return pdf(writer)


def pdf_with_javascript() -> bytes:
    writer = blank_writer()
    writer.add_open_action(JavaScript("app.alert('hello');"))
    return pdf(writer)


def pdf_launching(program: str) -> bytes:
    writer = blank_writer()
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject(program)}
    )
    return pdf(writer)


def pdf_with_embedded_file() -> bytes:
    writer = blank_writer()
    writer.add_attachment("invoice.exe", b"MZ\x90\x00")
    return pdf(writer)


def pdf_opening_at_its_first_page() -> bytes:
    """An /OpenAction that is a destination (show page 1), not an action: harmless and common."""
    writer = blank_writer()
    writer.open_destination = writer.pages[0]
    return pdf(writer)


def small_zip(comment: bytes = b"") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.exe", b"MZ\x90\x00" + b"\0" * 100)
        archive.comment = comment
    return out.getvalue()


def zip_bomb(expanded: int = 50_000_000) -> bytes:
    """A few dozen KB that would expand to ``expanded`` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("zeros.bin", "w", force_zip64=True) as member:
            block = b"\0" * 1_000_000
            for _ in range(expanded // len(block)):
                member.write(block)
    return out.getvalue()


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\0" * 8 + b"\x02\x00\x3e\x00" + b"\0" * 100
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\0" * 46 + b"\x80\0\0\0" + b"\0" * 64 + b"PE\0\0"
SVG_WITH_SCRIPT = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
