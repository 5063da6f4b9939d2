"""Checking one uploaded file against a field's rules, before anything is stored.

In order, cheapest first: the name (:mod:`.names`), the kind its extension claims (accepted by the field?),
the size while reading (never more than one byte past the limit), the content sniffed
(:mod:`.sniff`) agreeing with the extension, then the kind's own check: images re-encoded
(:mod:`.images`), PDFs inspected (:mod:`.pdfs`). Last, when a scanner is configured, the bytes as uploaded
are scanned for viruses (:mod:`.scan`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field

from portal.attachments.images import reencode
from portal.attachments.kinds import FileKind
from portal.attachments.names import clean_name, extension_of
from portal.attachments.pdfs import check_pdf
from portal.attachments.refusal import Refused
from portal.attachments.scan import ScannerUnavailable, VirusScanner
from portal.attachments.sniff import content_is
from portal.messages import N_, Message
from portal.storage.base import Readable

MAX_PIXELS = 50_000_000  # a 50-megapixel photo decodes to 150 MB; phones save 12 to 50
CHUNK = 64 * 1024

NOT_ACCEPTED = N_("「%(name)s」は添付できない種類のファイルです。添付できるのは %(accepted)s のファイルです")
MISMATCH = N_(
    "「%(name)s」の中身は、拡張子（.%(extension)s）が示す %(kind)s ではありません。添付できるのは %(accepted)s のファイルです"
)
EMPTY = N_("「%(name)s」は空のファイル（0バイト）です。中身のあるファイルを選んでください")
TOO_LARGE = N_("「%(name)s」は大きすぎます。%(max)s以下のファイルを選んでください")
INFECTED = N_("「%(name)s」からウイルスが見つかったため、受け付けられません")
SCANNER_DOWN = N_(
    "ただいまファイルのウイルス検査ができないため、「%(name)s」を受け付けられません。しばらくしてから、もう一度お試しください"
)


@dataclass(frozen=True)
class UploadRules:
    """What one file field accepts (from its definition: ``accept``, ``max_size``). The size limit is the
    upload's: a re-encoded image may come out a little larger."""

    accept: Collection[FileKind]
    max_bytes: int
    max_pixels: int = MAX_PIXELS

    @property
    def accepted(self) -> str:
        """The accepted kinds as messages name them: ``JPEG / PNG / PDF``."""
        return " / ".join(kind.label for kind in FileKind if kind in self.accept)


@dataclass(frozen=True)
class CheckedUpload:
    """A file that passed every check, as it is to be stored (an image: re-encoded, so not what was sent)."""

    name: str  # for display only, never a storage path
    media_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_upload(
    file_name: str | bytes, stream: Readable, rules: UploadRules, *, scanner: VirusScanner | None = None
) -> CheckedUpload | Message:
    """The file ready to store, or the message (a Japanese msgid) saying why it is refused."""
    try:
        return _check(file_name, stream, rules, scanner)
    except Refused as refused:
        return refused.message


def _check(file_name: str | bytes, stream: Readable, rules: UploadRules, scanner: VirusScanner | None) -> CheckedUpload:
    name = clean_name(file_name)
    extension = extension_of(name)
    kind = FileKind.from_extension(extension)
    if kind is None or kind not in rules.accept:
        raise Refused(NOT_ACCEPTED, name=name, accepted=rules.accepted)
    data = _read(name, stream, rules.max_bytes)
    if not content_is(kind, data):
        raise Refused(MISMATCH, name=name, extension=extension, kind=kind.label, accepted=rules.accepted)
    if kind is FileKind.PDF:
        check_pdf(name, data)
        stored = data
    else:
        stored = reencode(name, kind, data, rules.max_pixels)
    if scanner is not None:
        try:
            found = scanner.scan(data)
        except ScannerUnavailable:
            raise Refused(SCANNER_DOWN, name=name) from None
        if found is not None:
            raise Refused(INFECTED, name=name)
    return CheckedUpload(name, kind.media_type, stored)


def _read(name: str, stream: Readable, max_bytes: int) -> bytes:
    """Everything in ``stream``, reading at most one byte past ``max_bytes`` before refusing."""
    data = bytearray()
    while chunk := stream.read(min(CHUNK, max_bytes + 1 - len(data))):
        data += chunk
        if len(data) > max_bytes:
            raise Refused(TOO_LARGE, name=name, max=format_size(max_bytes))
    if not data:
        raise Refused(EMPTY, name=name)
    return bytes(data)


def format_size(size: int) -> str:
    """A size as people read it, in the decimal units definitions use: 5MB, 1.5MB, 500KB, 800B."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + unit
    return f"{size}B"
