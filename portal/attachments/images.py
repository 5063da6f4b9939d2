"""Images are decoded and encoded again, so what is stored is pixels and nothing else.

Re-encoding drops every piece of metadata (EXIF with its GPS position and camera serial numbers, XMP,
comments, text chunks) and anything appended after the image (a zip or a program riding behind a valid JPEG:
such a polyglot is accepted as its picture alone). The size is read from the header and checked against a
pixel cap before any decoding, so a small file claiming a huge picture (a decompression bomb) costs nothing.
The photo is turned upright from its EXIF orientation first, and its colours converted to sRGB when it
carries a colour profile, so dropping both changes nothing a clerk sees.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from portal.attachments.kinds import FileKind
from portal.attachments.refusal import Refused
from portal.messages import N_

UNREADABLE = N_("「%(name)s」は画像として読み取れません。ファイルが壊れていないか確かめてください")
TOO_MANY_PIXELS = N_("「%(name)s」は画素数が多すぎます。%(megapixels)dメガピクセル以下に縮小してから選んでください")

_FORMATS = {FileKind.JPEG: "JPEG", FileKind.PNG: "PNG"}
_KEPT_INFO = ("transparency",)  # pixel data Pillow keeps in ``info``; everything else there is metadata
_SRGB = ImageCms.createProfile("sRGB")


def reencode(name: str, kind: FileKind, data: bytes, max_pixels: int) -> bytes:
    """The image encoded again in its own format without metadata; Refused when unreadable or too large."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # Pillow's cap, were it below ours
            with Image.open(io.BytesIO(data), formats=[_FORMATS[kind]]) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise Image.DecompressionBombError(f"{width}×{height}")
                clean = _clean(image, kind)
        out = io.BytesIO()
        if kind is FileKind.JPEG:
            clean.save(out, "JPEG", quality=90, optimize=True)
        else:
            clean.save(out, "PNG", optimize=True)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):  # ours, or Pillow's on opening
        raise Refused(TOO_MANY_PIXELS, name=name, megapixels=max_pixels // 1_000_000) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise Refused(UNREADABLE, name=name) from None
    return out.getvalue()


def _clean(image: Image.Image, kind: FileKind) -> Image.Image:
    """Upright, decoded, in sRGB, with only pixel data left in ``info``."""
    image.load()  # a truncated file fails here
    upright = ImageOps.exif_transpose(image) or image
    profile = image.info.get("icc_profile")
    if profile and upright.mode in ("RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            upright = ImageCms.profileToProfile(upright, source, _SRGB, outputMode=upright.mode) or upright
        except (ImageCms.PyCMSError, OSError):
            pass  # a profile that cannot be read is dropped and the pixels kept as they are
    if kind is FileKind.JPEG and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")  # CMYK and the like: what a browser shows
    upright.info = {key: value for key, value in image.info.items() if key in _KEPT_INFO}
    return upright
