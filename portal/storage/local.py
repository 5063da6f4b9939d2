"""The ``local`` storage: a directory on this machine (or a share every app server and worker mounts).

Objects sit under the first two hex digits of their key (``ab/ab12…``) so no directory grows huge. A write
goes to a temporary file beside its target, is flushed to disk and then renamed over it, so a crash or a
concurrent reader never sees half a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from portal.storage.base import MissingObject, Readable, check_key
from portal.storage.registry import StorageConfig, register


class LocalStorage:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path:
        check_key(key)
        return self.directory / key[:2] / key

    def put(self, key: str, data: bytes | Readable) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
        try:
            with os.fdopen(descriptor, "wb") as out:
                if isinstance(data, bytes):
                    out.write(data)
                else:
                    shutil.copyfileobj(data, out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise MissingObject(key) from None

    def read(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


@register("local")
def _local(config: StorageConfig) -> LocalStorage:
    config.directory.mkdir(parents=True, exist_ok=True)  # refuse to start when it cannot exist
    return LocalStorage(config.directory)
