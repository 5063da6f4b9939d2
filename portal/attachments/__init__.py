"""Files residents attach to an application: checked before anything is stored.

Domain core: no Flask. :func:`check_upload` reads an upload within its size limit and returns either a
:class:`CheckedUpload` (a safe display name and the bytes to store: images re-encoded without metadata, PDFs
without active content) or the :class:`~portal.messages.Message` a form field shows.
:func:`store_upload` stores it under a generated key and returns the :class:`AttachmentRef` an answer keeps.
"""

from portal.attachments.kinds import FileKind
from portal.attachments.reference import AttachmentRef, keys_answered, keys_in, store_upload
from portal.attachments.scan import ClamdScanner, ScannerUnavailable, VirusScanner
from portal.attachments.upload import MAX_PIXELS, CheckedUpload, UploadRules, check_upload, format_size

__all__ = [
    "MAX_PIXELS",
    "AttachmentRef",
    "CheckedUpload",
    "ClamdScanner",
    "FileKind",
    "ScannerUnavailable",
    "UploadRules",
    "VirusScanner",
    "check_upload",
    "format_size",
    "keys_answered",
    "keys_in",
    "store_upload",
]
