"""The name an attachment is shown under: what the resident's computer called it, made harmless.

The name is only ever displayed (and offered as the download's file name); it never names anything in
storage. Browsers send it as UTF-8; a name that does not decode, or that a decoder already replaced bytes in,
is refused rather than shown garbled. Folders some browsers send (``C:\\Users\\…\\photo.jpg``,
``../../etc/passwd.png``) are dropped, keeping the last part; control and bidirectional characters, which
could disguise ``photo‮gpj.exe``, are refused.
"""

from __future__ import annotations

import re
import unicodedata

from portal.attachments.refusal import Refused
from portal.messages import N_

MAX_NAME_LENGTH = 100  # characters, the extension included; longer names lose the end of their stem

UNDECODABLE = N_("ファイル名を読み取れません。ファイル名を日本語か英数字に変えてから、選び直してください")
CONTROL = N_("ファイル名に使えない文字（%(code)s）が含まれています。ファイル名を変えてから、選び直してください")
NO_NAME = N_("ファイル名がありません。名前の付いたファイルを選んでください")

_FOLDERS = re.compile(r"[/\\]")


def clean_name(file_name: str | bytes) -> str:
    """The display name: NFC, without folders, at most MAX_NAME_LENGTH characters; Refused otherwise."""
    if isinstance(file_name, bytes):
        try:
            file_name = file_name.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(UNDECODABLE) from None
    try:
        file_name.encode("utf-8")  # lone surrogates: bytes a lenient decoder smuggled through
    except UnicodeEncodeError:
        raise Refused(UNDECODABLE) from None
    if "\ufffd" in file_name:  # a decoder replaced what it could not read
        raise Refused(UNDECODABLE)
    # Imported here: portal.catalog imports this package for its file field type.
    from portal.catalog.characters import code_point, refused_character

    name = _FOLDERS.split(unicodedata.normalize("NFC", file_name))[-1].strip()
    if (refused := refused_character(name, multiline=False)) is not None:
        raise Refused(CONTROL, code=code_point(refused[0]))
    if name in ("", ".", ".."):
        raise Refused(NO_NAME)
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension) >= MAX_NAME_LENGTH // 2:
            stem, extension = name, ""
        suffix = f".{extension}" if extension else ""
        name = stem[: MAX_NAME_LENGTH - len(suffix)].rstrip() + suffix
    return name


def extension_of(name: str) -> str:
    """The lowercase extension without its dot; "" when there is none."""
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""
