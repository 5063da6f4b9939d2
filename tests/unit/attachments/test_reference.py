"""What an answer keeps of an attachment, and how a forged or damaged reference is refused."""

from __future__ import annotations

from typing import Any

import pytest

from portal.attachments import AttachmentRef

GOOD = {
    "key": "0123456789abcdef0123456789abcdef",
    "name": "写真.jpg",
    "media_type": "image/jpeg",
    "size": 1234,
    "sha256": "a" * 64,
}


def test_a_reference_round_trips_through_json() -> None:
    ref = AttachmentRef.from_json(GOOD)
    assert ref == AttachmentRef(**GOOD) and ref.to_json() == GOOD


@pytest.mark.parametrize(
    "change",
    [
        {"key": "../../etc/passwd"},
        {"key": "0123456789ABCDEF0123456789ABCDEF"},
        {"name": "../写真.jpg"},
        {"name": "photo\u202egpj.exe"},
        {"name": ""},
        {"name": 5},
        {"media_type": "image/svg+xml"},
        {"media_type": "application/zip"},
        {"size": 0},
        {"size": "1234"},
        {"size": True},
        {"sha256": "A" * 64},
        {"sha256": "a" * 63},
        {"extra": "key"},
    ],
)
def test_a_damaged_reference_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not an attachment reference"):
        AttachmentRef.from_json({**GOOD, **change})


@pytest.mark.parametrize("value", [None, [], "0123456789abcdef0123456789abcdef", {"key": GOOD["key"]}])
def test_anything_but_a_reference_mapping_is_refused(value: Any) -> None:
    with pytest.raises(ValueError, match="not an attachment reference"):
        AttachmentRef.from_json(value)
