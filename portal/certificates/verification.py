"""What a certificate's QR code carries and what the public /verify page may show.

The code in ``/verify/<発行番号>?c=<code>`` is an HMAC over the 発行番号 and a digest of the certified
content, keyed by a server secret (``CERTIFICATE_HMAC_KEY``): a 発行番号 alone, which is sequential, never
opens the verification page. It must exist before the PDF does, because the PDF prints it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

CODE_BYTES = 15  # 120 bits, 24 base32 characters


def content_digest(context: Mapping[str, Any]) -> str:
    """SHA-256 of the certificate's template inputs, in a canonical JSON form (dates as ISO strings)."""
    canonical = json.dumps(context, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def verification_code(key: str, issue_number: str, digest: str) -> str:
    mac = hmac.new(key.encode(), f"{issue_number}\n{digest}".encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:CODE_BYTES]).decode()


def code_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; a certificate without a code (issued before signing) never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def verify_url(public_url: str, issue_number: str, code: str) -> str:
    return f"{public_url.rstrip('/')}/verify/{quote(issue_number)}?c={code}"


def masked_name(family_name: object) -> str:
    """山田 → 山田 ＊＊: enough to tell a reader which certificate this is, not who the person is."""
    family = family_name.strip() if isinstance(family_name, str) else ""
    return f"{family} ＊＊" if family else "＊＊"
