"""The local storage: a directory, written atomically, that no key can lead out of."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from portal.storage import InvalidKey, MissingObject, StorageConfig, build_storage, new_key
from portal.storage.local import LocalStorage

TRAVERSALS = [
    "../outside",
    "../../etc/passwd",
    "/etc/passwd",
    "ab/../../outside",
    "..",
    "",
    "0123456789abcdef0123456789abcde\0",
    "0123456789ABCDEF0123456789ABCDEF",  # upper case: not a key new_key makes
    "0123456789abcdef0123456789abcdef/",
    "0123456789abcdef0123456789abcdef0",
]


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "attachments")


def files_under(directory: Path) -> list[str]:
    return sorted(str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file())


def test_bytes_and_streams_round_trip_under_a_sharded_path(storage: LocalStorage) -> None:
    first, second = new_key(), new_key()
    storage.put(first, b"\xff\xd8 picture")
    storage.put(second, io.BytesIO(b"%PDF- scan" * 100_000))  # read in chunks, not at once
    assert storage.read(first) == b"\xff\xd8 picture"
    with storage.open(second) as stream:
        assert stream.read(5) == b"%PDF-"
    assert storage.exists(first) and storage.exists(second)
    assert files_under(storage.directory) == sorted([f"{first[:2]}/{first}", f"{second[:2]}/{second}"])


def test_keys_are_uuid_hex_and_never_repeat() -> None:
    keys = {new_key() for _ in range(1000)}
    assert len(keys) == 1000 and all(len(key) == 32 and key == key.lower() for key in keys)


@pytest.mark.parametrize("key", TRAVERSALS)
def test_a_key_that_is_not_a_generated_key_is_refused_by_every_method(
    storage: LocalStorage, tmp_path: Path, key: str
) -> None:
    for call in (
        lambda: storage.put(key, b"escaped"),
        lambda: storage.open(key),
        lambda: storage.read(key),
        lambda: storage.delete(key),
        lambda: storage.exists(key),
    ):
        with pytest.raises(InvalidKey, match="not a storage key"):
            call()
    assert files_under(tmp_path) == []  # nothing written, inside the storage or beside it


def test_delete_removes_and_is_idempotent(storage: LocalStorage) -> None:
    key = new_key()
    storage.put(key, b"data")
    storage.delete(key)
    storage.delete(key)  # a retried delete is no error
    assert not storage.exists(key)
    assert files_under(storage.directory) == []


def test_reading_a_missing_key_says_it_is_missing(storage: LocalStorage) -> None:
    key = new_key()
    with pytest.raises(MissingObject):
        storage.read(key)
    with pytest.raises(MissingObject):
        storage.open(key)
    assert not storage.exists(key)


class Failing(io.RawIOBase):
    """A stream that breaks after its first chunk, like a connection dropped mid-upload."""

    def __init__(self) -> None:
        self.calls = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.calls += 1
        if self.calls > 1:
            raise OSError("connection reset")
        return b"half of a file"


def test_a_failed_write_leaves_nothing_behind_and_the_old_object_intact(storage: LocalStorage) -> None:
    key, other = new_key(), new_key()
    storage.put(key, b"the complete original")
    with pytest.raises(OSError, match="connection reset"):
        storage.put(key, Failing())
    with pytest.raises(OSError, match="connection reset"):
        storage.put(other, Failing())
    assert storage.read(key) == b"the complete original"
    assert not storage.exists(other)
    assert files_under(storage.directory) == [f"{key[:2]}/{key}"]  # no temporary file left over


def test_building_the_local_storage_creates_its_directory(tmp_path: Path) -> None:
    directory = tmp_path / "instance" / "attachments"
    storage = build_storage(StorageConfig("local", directory))
    assert isinstance(storage, LocalStorage) and directory.is_dir()
