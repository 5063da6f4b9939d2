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

MAX_BYTES = 200 * 1024
MIN_SIDE, MAX_SIDE = 16, 4096  # pixels (PNG) or user units (SVG)
MAX_ASPECT = 4  # a seal is roughly square or round; a banner is not a seal

SVG_NS = "{http://www.w3.org/2000/svg}"
FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "embed", "object", "audio", "video"}
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
NUMBER = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


class SealError(ValueError):
    """Why the file cannot be a seal, worded for the operator who supplied it."""


def check_seal(name: str, data: bytes) -> str:
    """The seal's file extension (``svg`` or ``png``) once ``data`` passes every check, else SealError."""
    if len(data) > MAX_BYTES:
        raise SealError(f"{name} is {len(data) // 1024} KB; a seal may be at most {MAX_BYTES // 1024} KB")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension == "svg":
        _check_svg(name, data)
    elif extension == "png":
        _check_png(name, data)
    else:
        raise SealError(f"{name}: a seal is an .svg or a .png file")
    return extension


def _check_size(name: str, width: float, height: float, unit: str) -> None:
    if not (MIN_SIDE <= width <= MAX_SIDE and MIN_SIDE <= height <= MAX_SIDE):
        raise SealError(f"{name} is {width:g}×{height:g} {unit}; each side must be {MIN_SIDE} to {MAX_SIDE}")
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise SealError(f"{name} is {width:g}×{height:g} {unit}; a seal is at most {MAX_ASPECT} times wider than tall")


def _check_png(name: str, data: bytes) -> None:
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise SealError(f"{name} is not a readable PNG image") from None
    _check_size(name, width, height, "pixels")


def _check_svg(name: str, data: bytes) -> None:
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise SealError(f"{name}: an SVG seal may not declare a DOCTYPE or entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise SealError(f"{name} is not well-formed XML: {error}") from None
    if root.tag != f"{SVG_NS}svg":
        raise SealError(f"{name}: the root element is not an SVG <svg> element")
    for element in root.iter():
        local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        if local in FORBIDDEN_ELEMENTS:
            raise SealError(f"{name}: an SVG seal may not contain <{local}>")
        if local == "style" and (EXTERNAL_URL.search(element.text or "") or "@import" in (element.text or "")):
            raise SealError(f"{name}: a <style> in an SVG seal may not load anything from outside the file")
        for attribute, value in element.attrib.items():
            local_attribute = attribute.rsplit("}", 1)[-1]
            if local_attribute.lower().startswith("on"):
                raise SealError(f"{name}: an SVG seal may not have event handlers ({local_attribute} on <{local}>)")
            if local_attribute == "href" and not value.strip().startswith("#"):
                raise SealError(f"{name}: an SVG seal may not refer to anything outside the file ({value!r})")
            if EXTERNAL_URL.search(value):
                raise SealError(f"{name}: an SVG seal may not refer to anything outside the file ({value!r})")
    width, height = _svg_size(name, root)
    _check_size(name, width, height, "units")


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
    raise SealError(f"{name}: an SVG seal needs a viewBox or a width and height in pixels")
