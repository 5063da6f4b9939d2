"""Attachments (添付ファイル): photos and scans the resident uploads, stored outside the database.

The answer is a list of :class:`~portal.attachments.AttachmentRef` in their JSON form (key, name, media type,
size, sha256). The web layer checks each upload with :func:`portal.attachments.check_upload` under this
field's :meth:`FileType.rules`, stores it, and passes the references in as the field's inputs (one JSON text
each, as :meth:`FileType.to_raw` writes them); parsing checks them again against the field's settings.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import AfterValidator, ByteSize, Field, ValidationError, ValidatorFunctionWrapHandler, WrapValidator

from portal.attachments.kinds import FileKind
from portal.attachments.reference import AttachmentRef
from portal.attachments.upload import UploadRules, format_size
from portal.catalog.fieldtypes.base import FieldType, Raw, Settings, Translate
from portal.catalog.fieldtypes.choice import SEPARATOR
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

MAX_FILE_SIZE = 20_000_000  # what one upload may be at most, whatever a definition asks
MAX_COUNT = 10


def _distinct(kinds: tuple[FileKind, ...]) -> tuple[FileKind, ...]:
    if len(set(kinds)) != len(kinds):
        raise ValueError(f"each kind once: {', '.join(kinds)}")
    return kinds


def _file_size(value: Any, handler: ValidatorFunctionWrapHandler) -> ByteSize:
    not_a_size = ValueError(f"{value!r} is not a size: write bytes, or a size such as 5MB or 500KB")
    if isinstance(value, bool):
        raise not_a_size
    try:
        size: ByteSize = handler(value)
    except ValidationError:
        raise not_a_size from None
    if not 0 < size <= MAX_FILE_SIZE:
        raise ValueError(f"must be from 1 byte to {format_size(MAX_FILE_SIZE)} (one upload at most)")
    return size


class FileSettings(Settings):
    accept: Annotated[tuple[FileKind, ...], Field(min_length=1), AfterValidator(_distinct)] = Field(
        description="the kinds of file accepted; SVG and archives never are"
    )
    max_size: Annotated[ByteSize, WrapValidator(_file_size)] = Field(
        default=ByteSize(5_000_000),
        description=f'each file at most: bytes, or "5MB", "500KB" (1MB = 1,000,000 bytes; up to {format_size(MAX_FILE_SIZE)})',
    )
    max_count: int = Field(default=1, ge=1, le=MAX_COUNT, description="how many files at most")


class FileType(FieldType[FileSettings]):
    """Files the resident attaches (photos, scans; at least one when ``required``), stored outside the
    database: the answer lists references (key, name, media type, size, sha256). Each file's content must
    match its extension; JPEG and PNG are re-encoded without their metadata (EXIF, GPS), PDFs are refused
    when encrypted or carrying scripts, actions or embedded files.
    """

    name = "file"
    widget = "file"
    settings_model = FileSettings
    required_msgid = N_("%(label)sのファイルを添付してください")
    prefillable = False

    def rules(self, field: FieldDef) -> UploadRules:
        """What :func:`portal.attachments.check_upload` enforces on each upload to this field."""
        settings = self.settings(field)
        return UploadRules(accept=frozenset(settings.accept), max_bytes=int(settings.max_size))

    def parse_present(self, field: FieldDef, raw: Raw) -> list[dict[str, Any]]:
        settings = self.settings(field)
        refs: dict[str, AttachmentRef] = {}
        for text in raw.get(field.name, ()):
            if not text.strip():
                continue
            try:
                ref = AttachmentRef.from_json(json.loads(text))
            except ValueError:  # JSONDecodeError and InvalidKey are ValueErrors
                raise self.error(field, N_("%(label)sの添付ファイルを確認できません。もう一度選んでください")) from None
            if FileKind.from_media_type(ref.media_type) not in settings.accept:  # size: see UploadRules
                raise self.error(field, N_("%(label)sの添付ファイル「%(name)s」は受け付けられません"), name=ref.name)
            refs.setdefault(ref.key, ref)
        if len(refs) > settings.max_count:
            raise self.error(field, N_("%(label)sは%(max)d個まで添付できます"), max=settings.max_count)
        return [ref.to_json() for ref in refs.values()]

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        if value is None:
            return {}
        return {field.name: [json.dumps(ref, ensure_ascii=False, sort_keys=True) for ref in value]}

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        return translate(SEPARATOR).join(ref["name"] for ref in value or ())

    def sample(self, field: FieldDef) -> list[dict[str, Any]]:
        kind = self.settings(field).accept[0]
        name = f"sample.{kind.value}"
        return [AttachmentRef("0" * 32, name, kind.media_type, 1, "0" * 64).to_json()]


register(FileType())
