"""PDFs are stored as sent (re-writing would break a signed PDF), so they are inspected instead.

pypdf opens the file and every object reachable from its trailer is looked at, without decoding any stream
(so a compressed bomb is never expanded). Refused: encryption (a clerk could not open it, nor could this
check), anything a viewer runs or opens by itself (JavaScript, launch and submit actions, an action on
opening or on an event, XFA forms, rich media) and embedded files. A PDF ends with ``%%EOF``; anything but
whitespace after the last one is another file riding along (a PDF+zip polyglot), and so is a zip directory
at the end of the file, which zip readers find even inside a PDF.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from portal.attachments.refusal import Refused
from portal.messages import N_

UNREADABLE = N_("「%(name)s」は PDF として読み取れません。ファイルが壊れていないか確かめてください")
ENCRYPTED = N_("「%(name)s」はパスワードなどで保護されています。保護を解除した PDF を選んでください")
ACTIVE = N_(
    "「%(name)s」にはスクリプト、自動で実行される動作、埋め込まれたファイルのいずれかが含まれているため、受け付けられません"
)
APPENDED = N_("「%(name)s」の PDF の後ろに別のデータが付いているため、受け付けられません")

MAX_OBJECTS = 200_000  # far beyond a scanned document of the size limit; more is refused as unreadable
_EOF = b"%%EOF"
_ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EF", "/XFA", "/RichMedia"}
_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToE", "/RichMediaExecute"}
_AUTOMATIC = ("/OpenAction", "/AA")  # on opening, on page and field events: only destinations may sit there


def check_pdf(name: str, data: bytes) -> None:
    """Refused unless ``data`` is a plain, unencrypted PDF with nothing after it."""
    end = data.rfind(_EOF)
    if end < 0:
        raise Refused(UNREADABLE, name=name)
    if data[end + len(_EOF) :].strip(b" \t\r\n\f\x00") or zipfile.is_zipfile(io.BytesIO(data)):
        raise Refused(APPENDED, name=name)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise Refused(ENCRYPTED, name=name)
        active = any(_is_active(obj) for obj in _objects(reader))
    except Refused:
        raise
    except Exception:  # pypdf meets hostile input with many exception types; unreadable is the answer
        raise Refused(UNREADABLE, name=name) from None
    if active:
        raise Refused(ACTIVE, name=name)


def _is_active(obj: DictionaryObject) -> bool:
    if not _ACTIVE_KEYS.isdisjoint(obj) or _resolved(obj, "/S") in _ACTIVE_ACTIONS:
        return True
    return any(isinstance(_resolved(obj, key), DictionaryObject) for key in _AUTOMATIC)


def _resolved(obj: DictionaryObject, key: str) -> PdfObject | None:
    value = obj.get(key)
    return value.get_object() if isinstance(value, PdfObject) else value


def _objects(reader: PdfReader) -> Iterator[DictionaryObject]:
    """Every dictionary (streams included) reachable from the trailer, each indirect object once."""
    seen: set[tuple[int, int]] = set()
    stack: list[PdfObject] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            if len(seen) > MAX_OBJECTS:
                raise ValueError("too many objects")
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            yield obj
            stack.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
