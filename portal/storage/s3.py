"""The ``s3`` storage: a bucket of AWS S3 or of an S3-compatible service (MinIO, Ceph, a cloud's).

Credentials come from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile or
the machine's role), never from the portal's own settings. Objects are named ``<prefix><key>``. S3 makes a
PUT visible all at once, so a reader never sees half an object.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from portal.storage.base import MissingObject, Readable, StorageUnavailable, check_key
from portal.storage.registry import StorageConfig, register

_MISSING = {"404", "NoSuchKey", "NotFound"}
_CLIENT_CONFIG = Config(
    connect_timeout=5,
    read_timeout=30,
    retries={"max_attempts": 3, "mode": "standard"},
    # Checksums only where S3 requires them: several S3-compatible services refuse the newer defaults.
    request_checksum_calculation="when_required",
    response_checksum_validation="when_required",
)


class S3Storage:
    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = boto3.client("s3", endpoint_url=endpoint_url, config=_CLIENT_CONFIG)

    @contextmanager
    def _request(self, key: str, doing: str) -> Iterator[str]:
        """The object's name for one request; boto's errors become MissingObject or StorageUnavailable."""
        name = self.prefix + check_key(key)
        try:
            yield name
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                raise MissingObject(key) from None
            raise StorageUnavailable(f"{doing} {name} in bucket {self.bucket}: {error}") from None
        except BotoCoreError as error:
            raise StorageUnavailable(f"{doing} {name} in bucket {self.bucket}: {error}") from None

    def put(self, key: str, data: bytes | Readable) -> None:
        with self._request(key, "storing") as name:
            self.client.upload_fileobj(io.BytesIO(data) if isinstance(data, bytes) else data, self.bucket, name)

    def open(self, key: str) -> Readable:
        with self._request(key, "reading") as name:
            return self.client.get_object(Bucket=self.bucket, Key=name)["Body"]  # type: ignore[no-any-return]

    def read(self, key: str) -> bytes:
        stream = self.open(key)
        try:
            return stream.read()
        finally:
            stream.close()

    def delete(self, key: str) -> None:
        with self._request(key, "deleting") as name:
            self.client.delete_object(Bucket=self.bucket, Key=name)

    def exists(self, key: str) -> bool:
        try:
            with self._request(key, "looking for") as name:
                self.client.head_object(Bucket=self.bucket, Key=name)
        except MissingObject:
            return False
        return True


@register("s3")
def _s3(config: StorageConfig) -> S3Storage:
    return S3Storage(config.bucket, config.prefix, config.endpoint_url)
