"""Certificate PDFs are signed PAdES B-B with the municipality's key, and the verify code is an HMAC."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from portal.certificates import CertificateRenderer
from portal.certificates.devpki import create_dev_pki
from portal.certificates.signing import CHAIN_FILE, REASON, CertificateSigning, SigningKeyMissing, cert_file, key_file
from portal.certificates.verification import code_matches, content_digest, masked_name, verification_code, verify_url
from tests.unit.test_certificates_render import juminhyo_context

CODE = "999997"
HMAC_KEY = "k" * 32


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("pki")
    create_dev_pki(directory, [(CODE, "見本県見本市")])
    return directory


@pytest.fixture(scope="module")
def signed(pki: Path) -> bytes:
    rendered = CertificateRenderer().render_pdf("juminhyo", juminhyo_context())
    return CertificateSigning(pki, HMAC_KEY, "https://madoguchi.example.jp").sign(CODE, "見本県見本市", rendered)


def pdf_tool(tool: str, pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_pdfsig_reports_a_valid_pades_signature(signed: bytes, tmp_path: Path) -> None:
    report = pdf_tool("pdfsig", signed, tmp_path)
    assert "Signature Validation: Signature is Valid." in report
    assert "Signature Type: ETSI.CAdES.detached" in report  # PAdES, not the legacy adbe.pkcs7.detached
    assert "Total document signed" in report
    assert "見本県見本市 (999997)" in report


def test_pyhanko_validates_the_signature_against_the_development_ca(signed: bytes, pki: Path) -> None:
    [signature] = PdfFileReader(BytesIO(signed)).embedded_signatures
    trust = ValidationContext(trust_roots=[load_cert_from_pemder(str(pki / CHAIN_FILE))])
    status = validate_pdf_signature(signature, trust)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert signature.sig_object["/Reason"] == REASON
    assert signature.sig_object["/Location"] == "見本県見本市"


def test_a_foreign_ca_does_not_trust_the_signature(signed: bytes, tmp_path: Path) -> None:
    create_dev_pki(tmp_path, [])
    [signature] = PdfFileReader(BytesIO(signed)).embedded_signatures
    status = validate_pdf_signature(
        signature, ValidationContext(trust_roots=[load_cert_from_pemder(str(tmp_path / CHAIN_FILE))])
    )
    assert status.intact and not status.trusted and not status.bottom_line


def test_signing_keeps_the_tagged_pdf_and_its_metadata(signed: bytes, tmp_path: Path) -> None:
    info = pdf_tool("pdfinfo", signed, tmp_path)
    assert "Tagged:          yes" in info
    assert "Title:           住民票の写し 999997-2026-000001" in info
    assert "Author:          見本県見本市" in info


def test_the_signer_is_loaded_once_per_process(pki: Path) -> None:
    signing = CertificateSigning(pki, HMAC_KEY, "https://madoguchi.example.jp")
    assert signing.signer(CODE) is signing.signer(CODE)


def test_a_municipality_without_a_key_cannot_sign_until_its_key_is_installed(tmp_path: Path) -> None:
    signing = CertificateSigning(tmp_path, HMAC_KEY, "https://madoguchi.example.jp")
    with pytest.raises(SigningKeyMissing) as missing:
        signing.sign("999989", "見本県試験町", b"%PDF-1.7")
    assert "999989.key.pem" in str(missing.value) and missing.value.code == "999989"
    assert missing.value.message.msgid == "この自治体の署名鍵が設定されていないため、証明書を発行できません。"
    create_dev_pki(tmp_path, [("999989", "見本県試験町")])  # a refusal is not cached
    assert signing.signer("999989") is not None


def test_a_broken_key_file_is_refused(pki: Path, tmp_path: Path) -> None:
    for name in (CHAIN_FILE, cert_file(pki, CODE).name):
        (tmp_path / name).write_bytes((pki / name).read_bytes())
    key_file(tmp_path, CODE).write_text("not a key")
    with pytest.raises(SigningKeyMissing, match="cannot be read"):
        CertificateSigning(tmp_path, HMAC_KEY, "https://x.example").signer(CODE)


def test_the_development_pki_is_idempotent_and_keeps_keys_private(tmp_path: Path) -> None:
    assert create_dev_pki(tmp_path, [(CODE, "見本市"), ("999989", "試験町")]) == [CODE, "999989"]
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    assert set(before) == {
        "ca.pem",
        "ca.key.pem",
        "999997.key.pem",
        "999997.cert.pem",
        "999989.key.pem",
        "999989.cert.pem",
    }
    assert create_dev_pki(tmp_path, [(CODE, "見本市"), ("999989", "試験町")]) == []
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    assert all((tmp_path / name).stat().st_mode & 0o077 == 0 for name in before if name.endswith(".key.pem"))


# --- verification codes ----------------------------------------------------------------------------


def test_the_verification_code_is_an_unguessable_hmac_of_number_and_content() -> None:
    digest = content_digest(juminhyo_context())
    code = verification_code(HMAC_KEY, "999997-2026-000001", digest)
    assert len(code) == 24 and code.isalnum() and code.isupper()
    assert code == verification_code(HMAC_KEY, "999997-2026-000001", digest)
    assert code != verification_code(HMAC_KEY, "999997-2026-000002", digest)
    other_content = content_digest(juminhyo_context(issued_on="2026-11-27"))
    assert code != verification_code(HMAC_KEY, "999997-2026-000001", other_content)
    assert code != verification_code("o" * 32, "999997-2026-000001", digest)


def test_codes_are_compared_exactly() -> None:
    assert code_matches("ABCDEF", "ABCDEF")
    for given in ("abcdef", "ABCDE", "", None, "ABCDEF "):
        assert not code_matches("ABCDEF", given)
    assert not code_matches(None, "")  # a certificate issued before signing has no code
    assert not code_matches(None, None)


def test_verify_url_uses_the_public_address() -> None:
    assert (
        verify_url("https://madoguchi.example.jp/", "999997-2026-000001", "ABC")
        == "https://madoguchi.example.jp/verify/999997-2026-000001?c=ABC"
    )


@pytest.mark.parametrize(
    ("family", "masked"), [("山田", "山田 ＊＊"), (" 山田 ", "山田 ＊＊"), ("", "＊＊"), (None, "＊＊")]
)
def test_masked_name_keeps_only_the_family_name(family: object, masked: str) -> None:
    assert masked_name(family) == masked
