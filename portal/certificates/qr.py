"""The QR code printed on every certificate page, as inline SVG (no resource for the URL fetcher to fetch)."""

from __future__ import annotations

import segno
from markupsafe import Markup

ERROR_CORRECTION = "m"  # survives a crease or a stamp on a printed copy


def qr_svg(url: str) -> Markup:
    """``url`` as an SVG QR code whose size the stylesheet sets; segno writes only the path, no user text."""
    svg = segno.make(url, error=ERROR_CORRECTION, micro=False).svg_inline(scale=1, omitsize=True)
    return Markup(svg)  # noqa: S704 - segno's own markup: the URL is encoded as modules, never printed
