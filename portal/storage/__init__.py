"""Where attachments' bytes live: outside the database, behind a small interface.

Domain core: no Flask. :mod:`~.base` holds the :class:`Storage` protocol and the key format,
:mod:`~.registry` which implementation configuration names (``local`` directory or ``s3``-compatible
object storage). Keys are generated (:func:`new_key`), never derived from what a person typed.
"""

from portal.storage.base import InvalidKey, MissingObject, Readable, Storage, StorageUnavailable, check_key, new_key
from portal.storage.registry import StorageConfig, build_storage, storage_names

__all__ = [
    "InvalidKey",
    "MissingObject",
    "Readable",
    "Storage",
    "StorageConfig",
    "StorageUnavailable",
    "build_storage",
    "check_key",
    "new_key",
    "storage_names",
]
