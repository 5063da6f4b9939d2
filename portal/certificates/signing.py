"""Signing certificate PDFs with the municipality's key: PAdES baseline B-B (pyHanko), one signer per process.

Keys live as files in one directory (``SIGNING_DIR``), per 地方公共団体コード: ``<code>.key.pem`` (PKCS#8,
unencrypted, readable by the app's user only), ``<code>.cert.pem`` (the signing certificate) and ``ca.pem``
(the issuing chain, embedded in every signature). A municipality without its files cannot issue: the
certificate is refused, never delivered unsigned. Moving the keys into an HSM is a change of this module
only: pyHanko's ``pyhanko.sign.pkcs11.PKCS11Signer`` replaces :class:`~pyhanko.sign.signers.SimpleSigner`.
"""

from __future__ import annotations

import threading
from io import BytesIO
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from portal.certificates.verification import code_matches, verification_code, verify_url
from portal.messages import N_, Message

FIELD_NAME = "Signature"  # the PDF signature field every certificate carries
REASON = "証明書の発行"
CHAIN_FILE = "ca.pem"


def key_file(directory: Path, code: str) -> Path:
    return directory / f"{code}.key.pem"


def cert_file(directory: Path, code: str) -> Path:
    return directory / f"{code}.cert.pem"


class SigningKeyMissing(LookupError):
    """The municipality has no usable signing key: issuing must stop before anything changes."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"no signing key for {code}: {detail}")
        self.code = code
        self.message = Message(N_("この自治体の署名鍵が設定されていないため、証明書を発行できません。"))


class CertificateSigning:
    """Everything that makes a certificate verifiable, built once per process: the municipalities' signers
    (each loaded from disk on first use, then reused for every document), the secret of the verify codes
    (``CERTIFICATE_HMAC_KEY``) and the public address the QR code points to (``PUBLIC_URL``)."""

    def __init__(self, directory: Path, hmac_key: str, public_url: str) -> None:
        self.directory = directory
        self.hmac_key = hmac_key
        self.public_url = public_url
        self._signers: dict[str, signers.SimpleSigner] = {}
        self._lock = threading.Lock()

    def verification_code(self, issue_number: str, content_digest: str) -> str:
        return verification_code(self.hmac_key, issue_number, content_digest)

    def code_matches(self, expected: str | None, given: str | None) -> bool:
        return code_matches(expected, given)

    def verify_url(self, issue_number: str, code: str) -> str:
        return verify_url(self.public_url, issue_number, code)

    def signer(self, code: str) -> signers.SimpleSigner:
        """The cached signer of municipality ``code``, or :class:`SigningKeyMissing` (never cached, so a key
        installed later is picked up without a restart)."""
        with self._lock:
            if code not in self._signers:
                self._signers[code] = self._load(code)
            return self._signers[code]

    def _load(self, code: str) -> signers.SimpleSigner:
        key, cert, chain = key_file(self.directory, code), cert_file(self.directory, code), self.directory / CHAIN_FILE
        missing = [path.name for path in (key, cert, chain) if not path.is_file()]
        if missing:
            raise SigningKeyMissing(code, f"{', '.join(missing)} not found in {self.directory}")
        loaded = signers.SimpleSigner.load(str(key), str(cert), ca_chain_files=(str(chain),))
        if loaded is None:  # pyHanko logs why and returns None
            raise SigningKeyMissing(code, f"{key.name} or {cert.name} cannot be read")
        return loaded

    def sign(self, code: str, location: str, pdf: bytes) -> bytes:
        """``pdf`` with a PAdES B-B signature appended as an incremental update (tagging is kept)."""
        metadata = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=REASON,
            location=location,
        )
        signer = self.signer(code)
        writer = IncrementalPdfFileWriter(BytesIO(pdf))
        return signers.sign_pdf(writer, metadata, signer=signer).getvalue()
