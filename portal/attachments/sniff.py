"""What the content says it is, read by puremagic from the bytes themselves, whatever the name claims."""

from __future__ import annotations

import puremagic

from portal.attachments.kinds import FileKind


def content_is(kind: FileKind, data: bytes) -> bool:
    """Whether ``kind`` is among puremagic's most confident readings of ``data``.

    Only the best readings count: a zip renamed ``.pdf`` is read as a zip (or an Office document), an ELF or
    PE executable as a program, and none of these is a PDF or an image. A PDF reads as PDF and FDF alike
    (the same header), so agreement means "among", not "alone".
    """
    try:
        matches = puremagic.magic_string(data)
    except puremagic.PureError:  # nothing it knows
        return False
    best = max(match.confidence for match in matches)
    return kind.media_type in {match.mime_type for match in matches if match.confidence == best}
