"""Checks on a municipality's seal (公印) image before it is printed on every certificate it issues.

A seal is an SVG or a PNG. WeasyPrint renders it inside the certificate, so an SVG must be a drawing and
nothing more: no script, no event handler, no embedded HTML, no reference to anything outside the file (the
certificate fetcher refuses those anyway; refusing here tells the operator at upload, not at the first
certificate). Pillow, which WeasyPrint already requires, reads the PNG.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

from PIL import Image, UnidentifiedImageError

from portal.messages import N_, Message

MAX_BYTES = 200 * 1024
MIN_SIDE, MAX_SIDE = 16, 4096  # pixels (PNG) or user units (SVG)
MAX_ASPECT = 4  # a seal is roughly square or round; a banner is not a seal

SVG_NS = "{http://www.w3.org/2000/svg}"
FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video"}
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
NUMBER = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


class SealError(ValueError):
    """Why the file cannot be a seal, worded for the person who supplied it (a Japanese msgid, translated at the
    edge; the command line prints it as it is)."""

    def __init__(self, msgid: str, **params: object) -> None:
        self.message = Message(msgid, params)
        super().__init__(self.message.render())


def check_seal(name: str, data: bytes) -> str:
    """The seal's file extension (``svg`` or ``png``) once ``data`` passes every check, else SealError."""
    if len(data) > MAX_BYTES:
        raise SealError(
            N_("%(name)sは%(size)dKBです。公印の画像は%(max)dKB以下にしてください。"),
            name=name,
            size=len(data) // 1024,
            max=MAX_BYTES // 1024,
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "svg":
        _check_svg(name, data)
    elif extension == "png":
        _check_png(name, data)
    else:
        raise SealError(N_("%(name)s：公印の画像は SVG（.svg）か PNG（.png）のファイルにしてください。"), name=name)
    return extension


def _check_size(name: str, width: float, height: float) -> None:
    size = f"{width:g}×{height:g}"
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise SealError(
            N_("%(name)sの大きさは%(size)sです。縦横とも%(min)dから%(max)dまでにしてください。"),
            name=name,
            size=size,
            min=MIN_SIDE,
            max=MAX_SIDE,
        )
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise SealError(
            N_("%(name)sの大きさは%(size)sです。公印の縦横の比は%(max)d倍までにしてください。"),
            name=name,
            size=size,
            max=MAX_ASPECT,
        )


def _check_png(name: str, data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise SealError(N_("%(name)sは PNG 画像として読み取れません。"), name=name) from None
    _check_size(name, width, height)


def _check_svg(name: str, data: bytes) -> None:
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise SealError(N_("%(name)s：公印の SVG に DOCTYPE や実体（ENTITY）の宣言は使えません。"), name=name)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise SealError(N_("%(name)sは正しい XML ではありません（%(error)s）。"), name=name, error=str(error)) from None
    if root.tag != f"{SVG_NS}svg":
        raise SealError(N_("%(name)s：最上位の要素が SVG の <svg> 要素ではありません。"), name=name)
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if local in FORBIDDEN_ELEMENTS:
            raise SealError(N_("%(name)s：公印の SVG に <%(element)s> は使えません。"), name=name, element=local)
        if local == "style" and (EXTERNAL_URL.search(element.text or "") or "@import" in (element.text or "")):
            raise SealError(N_("%(name)s：公印の SVG の <style> からファイルの外のものは読み込めません。"), name=name)
        for attribute, value in element.attrib.items():
            local_attribute = attribute.rsplit("}", 1)[-1]
            if local_attribute.lower().startswith("on"):
                raise SealError(
                    N_("%(name)s：公印の SVG にイベント処理（<%(element)s> の %(attribute)s）は使えません。"),
                    name=name,
                    element=local,
                    attribute=local_attribute,
                )
            if (local_attribute == "href" and not value.strip().startswith("#")) or EXTERNAL_URL.search(value):
                raise SealError(
                    N_("%(name)s：公印の SVG からファイルの外のもの（%(reference)s）は参照できません。"),
                    name=name,
                    reference=value,
                )
    width, height = _svg_size(name, root)
    _check_size(name, width, height)


def _svg_size(name: str, root: ET.Element) -> tuple[float, float]:
    """The drawing's size from width and height (plain or px numbers), else from its viewBox."""
    width, height = (NUMBER.match(root.get(a, "")) for a in ("width", "height"))
    if width and height:
        return float(width.group(1)), float(height.group(1))
    parts = (root.get("viewBox") or "").replace(",", " ").split()
    try:
        if len(parts) == 4:
            return float(parts[2]), float(parts[3])
    except ValueError:
        pass
    raise SealError(N_("%(name)s：公印の SVG には viewBox か、ピクセル単位の width と height が必要です。"), name=name)
