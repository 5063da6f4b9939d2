"""The closed list of file kinds a definition may accept, with what identifies each.

SVG is deliberately absent (it can carry script), and so is every archive: a kind is added here only with a
check that makes its content safe to hand to a clerk's computer.
"""

from __future__ import annotations

from enum import StrEnum


class FileKind(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    PDF = "pdf"

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @property
    def label(self) -> str:
        """How messages name the kind (the same in every language)."""
        return self.value.upper()

    @classmethod
    def from_extension(cls, extension: str) -> FileKind | None:
        """The kind a file name's extension (without the dot, any case) claims, or None."""
        return _EXTENSIONS.get(extension.lower())

    @classmethod
    def from_media_type(cls, media_type: str) -> FileKind | None:
        return next((kind for kind, known in _MEDIA_TYPES.items() if known == media_type), None)


_MEDIA_TYPES = {FileKind.JPEG: "image/jpeg", FileKind.PNG: "image/png", FileKind.PDF: "application/pdf"}
_EXTENSIONS = {"jpg": FileKind.JPEG, "jpeg": FileKind.JPEG, "png": FileKind.PNG, "pdf": FileKind.PDF}
