"""The s3 storage against a real S3 protocol: moto's standalone server on a loopback port."""

from __future__ import annotations

import io
from typing import Any

import pytest

from portal.storage import InvalidKey, MissingObject, StorageConfig, StorageUnavailable, build_storage, new_key
from portal.storage.s3 import S3Storage
from tests.unit.storage.conftest import Bucket, free_port


def names_in(bucket: Bucket) -> list[str]:
    client: Any = bucket.client
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=bucket.name).get("Contents", []))


@pytest.fixture
def storage(bucket: Bucket) -> S3Storage:
    built = build_storage(StorageConfig("s3", directory=None, bucket=bucket.name, endpoint_url=bucket.endpoint_url))  # type: ignore[arg-type]
    assert isinstance(built, S3Storage)
    return built


def test_bytes_and_streams_round_trip(storage: S3Storage, bucket: Bucket) -> None:
    first, second = new_key(), new_key()
    storage.put(first, b"\xff\xd8 picture")
    storage.put(second, io.BytesIO(b"%PDF- scan" * 100_000))
    assert storage.read(first) == b"\xff\xd8 picture"
    stream = storage.open(second)
    try:
        assert stream.read(5) == b"%PDF-"
    finally:
        stream.close()
    assert storage.read(second) == b"%PDF- scan" * 100_000
    assert storage.exists(first) and storage.exists(second)
    assert names_in(bucket) == sorted([first, second])


def test_objects_are_named_under_the_prefix(bucket: Bucket) -> None:
    storage = S3Storage(bucket.name, "madoguchi/attachments/", bucket.endpoint_url)
    key = new_key()
    storage.put(key, b"data")
    assert names_in(bucket) == [f"madoguchi/attachments/{key}"]
    assert storage.read(key) == b"data"


def test_delete_removes_and_is_idempotent(storage: S3Storage, bucket: Bucket) -> None:
    key = new_key()
    storage.put(key, b"data")
    storage.delete(key)
    storage.delete(key)
    assert not storage.exists(key)
    assert names_in(bucket) == []


def test_reading_a_missing_key_says_it_is_missing(storage: S3Storage) -> None:
    key = new_key()
    with pytest.raises(MissingObject):
        storage.read(key)
    assert not storage.exists(key)


@pytest.mark.parametrize("key", ["../other-prefix/object", "/etc/passwd", "", "ABCDEF0123456789ABCDEF0123456789"])
def test_a_key_that_is_not_a_generated_key_is_refused_before_any_request(
    storage: S3Storage, bucket: Bucket, key: str
) -> None:
    for call in (
        lambda: storage.put(key, b"escaped"),
        lambda: storage.read(key),
        lambda: storage.delete(key),
        lambda: storage.exists(key),
    ):
        with pytest.raises(InvalidKey):
            call()
    assert names_in(bucket) == []


def test_a_missing_bucket_is_unavailable_not_missing(bucket: Bucket) -> None:
    storage = S3Storage("no-such-bucket", "", bucket.endpoint_url)
    with pytest.raises(StorageUnavailable, match="no-such-bucket"):
        storage.put(new_key(), b"data")


def test_an_unreachable_endpoint_is_unavailable(aws_credentials: None) -> None:
    storage = S3Storage("attachments", "", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageUnavailable, match="in bucket attachments"):
        storage.read(new_key())
    with pytest.raises(StorageUnavailable):
        storage.put(new_key(), b"data")
