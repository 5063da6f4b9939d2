"""What an answer keeps of an attachment: where it is stored and what people are shown.

The reference is JSON in the submission's answers; the bytes are in the storage under ``key``. A key is
generated when the file is stored, never derived from its name. A reference is a capability: whoever may
read the answers may download the file, so the web layer builds references only from files it stored for
that application and never takes one from a browser unchecked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from portal.attachments.kinds import FileKind
from portal.attachments.names import clean_name
from portal.attachments.refusal import Refused
from portal.storage.base import InvalidKey, Storage, check_key, new_key

if TYPE_CHECKING:
    from portal.attachments.upload import CheckedUpload

_SHA256 = re.compile(r"[0-9a-f]{64}")
_KEYS = {"key", "name", "media_type", "size", "sha256"}


@dataclass(frozen=True)
class AttachmentRef:
    key: str
    name: str
    media_type: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Any) -> AttachmentRef:
        """A reference from its JSON form; ValueError for anything else (a missing key, a bad value)."""
        if not isinstance(value, Mapping) or set(value) != _KEYS:
            raise ValueError("not an attachment reference")
        ref = cls(**value)
        if not ref._well_formed():
            raise ValueError("not an attachment reference")
        return ref

    def _well_formed(self) -> bool:
        try:
            check_key(self.key)
            name_clean = isinstance(self.name, str) and clean_name(self.name) == self.name
        except (InvalidKey, Refused):
            return False
        return (
            name_clean
            and FileKind.from_media_type(self.media_type) is not None
            and type(self.size) is int
            and self.size > 0
            and isinstance(self.sha256, str)
            and _SHA256.fullmatch(self.sha256) is not None
        )


def keys_in(inputs: Mapping[str, Sequence[str]]) -> set[str]:
    """The storage keys of the references among a form's inputs (a file field keeps each as JSON)."""
    keys = set()
    for values in inputs.values():
        for text in values:
            if not text.startswith("{"):
                continue
            try:
                keys.add(AttachmentRef.from_json(json.loads(text)).key)
            except ValueError:
                continue
    return keys


def keys_answered(answers: Any) -> set[str]:
    """The storage keys of the references in a submission's answers, wherever a file field keeps them (a repeating
    group's rows too), whichever version of the form they answered."""
    if isinstance(answers, Mapping):
        try:
            return {AttachmentRef.from_json(answers).key}
        except ValueError:
            answers = list(answers.values())
    if isinstance(answers, list):
        return set().union(*(keys_answered(value) for value in answers))
    return set()


def store_upload(storage: Storage, upload: CheckedUpload) -> AttachmentRef:
    """Store a checked upload under a new key; its reference."""
    key = new_key()
    storage.put(key, upload.data)
    return AttachmentRef(key, upload.name, upload.media_type, upload.size, upload.sha256)
