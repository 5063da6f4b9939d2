"""The procedures as the app loads them, signing with development keys made for the test."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from portal.certificates.devpki import create_dev_pki
from portal.certificates.signing import CertificateSigning
from portal.config import DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL, ROOT
from portal.procedures import Procedures


def signing_procedures(pki: Path, municipalities: Iterable[tuple[str, str]]) -> Procedures:
    """The catalog and workflows, with a development key in ``pki`` for each ``(code, name)``, so that 交付
    renders and signs as in production."""
    create_dev_pki(pki, municipalities)
    signing = CertificateSigning(pki, DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL)
    return Procedures.load(ROOT / "forms_catalog", ROOT / "workflows", signing)
