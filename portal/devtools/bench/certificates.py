"""``scripts/bench certificates``: the cost of a 住民票の写し against bare WeasyPrint and bare pyHanko (issue 6).

Measured side by side in one run, with the portal's own code (CertificateRenderer, CertificateSigning with a
development PKI made in a temporary directory) and contexts built from the demo 住民記録 the way the 交付
builds them:

- a one-page 個人票 with all its decoration against bare WeasyPrint rendering the same text as a plain page
  with the same fonts (target ≤ 2×);
- CertificateSigning.sign against a bare pyHanko ``sign_pdf`` of the same PDF with a signer built once
  (target ≤ 1.2×): keys and certificates are loaded once per worker, never per document;
- a four-page 世帯連記式 against a one-page one (target ≤ 4×), and its signed size (≤ 60 KB a page); the
  table shows every certificate's signed size (a one-page document carries its font subsets alone).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from html import escape
from io import BytesIO
from itertools import cycle, islice
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pypdf import PdfReader
from weasyprint import HTML

from portal.certificates import CertificateRenderer
from portal.certificates.devpki import create_dev_pki
from portal.certificates.filters import gender, wareki
from portal.certificates.signing import CHAIN_FILE, FIELD_NAME, CertificateSigning, cert_file, key_file
from portal.certificates.verification import content_digest
from portal.demo import DEMO_MUNICIPALITIES, demo_households
from portal.devtools.bench.measure import Ratio, columns, median_ms, pad, profile, report
from portal.models import Municipality
from portal.records.model import Household
from portal.services.certificates import certificate_context
from portal.services.juminhyo import household_content

TEMPLATE = "juminhyo"
CODE = "999997"
ISSUED_ON = date(2026, 11, 26)
HMAC_KEY = "bench-hmac-key-bench-hmac-key-bench-hmac"
PUBLIC_URL = "https://madoguchi.example.jp"
ALL_ITEMS = {"relationship": True, "honseki": True}  # 続柄 and 本籍・筆頭者 printed: every row has a value

RENDER_RATIO, SIGN_RATIO, PAGES_RATIO, KB_A_PAGE = 2.0, 1.2, 4.0, 60.0


@dataclass(frozen=True)
class Case:
    label: str
    context: dict[str, Any]
    pages: int


def _context(signing: CertificateSigning, household: Household, persons: Sequence[Any], number: int) -> dict[str, Any]:
    """The context the 交付 stores (portal.services.certificates.reserve_certificate), verify URL included."""
    data = next(m for m in DEMO_MUNICIPALITIES if m["code"] == CODE)
    municipality = Municipality(**{k: v for k, v in data.items() if k != "procedures"}, demo=True)
    issue_number = f"{CODE}-{ISSUED_ON.year}-{number:06d}"
    content = household_content(household, persons, ALL_ITEMS)
    context = certificate_context(municipality, content, issue_number=issue_number, issued_on=ISSUED_ON)
    code = signing.verification_code(issue_number, content_digest(context))
    context["verify_url"] = signing.verify_url(issue_number, code)
    return context


def cases(signing: CertificateSigning) -> tuple[Case, Case, Case]:
    """A 個人票 of a person with every item (転入前住所, 本籍), and 世帯連記式 of one and of four full pages,
    from the demo 住民記録 (the four pages gather every demo person of the municipality into one household)."""
    households = demo_households()[CODE]
    everyone = [person for household in households for person in household.members]
    single = next(p for p in everyone if p.previous_address and p.domicile and p.relationship != "世帯主")
    home = next(h for h in households if single in h.members)
    large = replace(home, members=tuple(islice(cycle(everyone), 16)))
    return (
        Case("個人票 (1 page)", _context(signing, home, [single], 1), 1),
        Case("世帯連記式 (4 persons, 1 page)", _context(signing, large, large.members[:4], 2), 1),
        Case("世帯連記式 (16 persons, 4 pages)", _context(signing, large, large.members, 3), 4),
    )


def plain_html(context: dict[str, Any]) -> str:
    """The text of a 個人票 as a plain page in the certificate's fonts: what bare WeasyPrint costs."""
    record = context["record"]
    municipality = context["municipality"]

    def line(text: str, font: str = "IPAexMincho") -> str:
        return f'<p style="font-family: {font}">{escape(text)}</p>'

    mj, gothic = "IPAmjMincho", "IPAexGothic"
    lines = [
        line(f"発行番号　{context['issue_number']}", gothic),
        line("住民票の写し"),
        line(f"住所　{record['address']['address']}　{record['address']['katagaki']}", mj),
        line(f"世帯主　{record['head_name']}", mj),
    ]
    for person in record["persons"]:
        name = person["name"]
        domicile = person.get("domicile") or {"honseki": "", "hittosha": ""}
        lines += [
            line(f"氏名　{name['family_kana']}　{name['given_kana']}", gothic),
            line(f"{name['family']}　{name['given']}", mj),
            line(f"生年月日　{wareki(person['birthdate'])}生　性別　{gender(person['gender'])}"),
            line(f"続柄　{person['relationship']}　住民となった年月日　{wareki(person['became_resident_on'])}"),
            line(f"住所を定めた年月日　{wareki(person['address_set_on'])}　転入前住所"),
            line(person["previous_address"], mj),
            line("本籍　筆頭者"),
            line(f"{domicile['honseki']}　{domicile['hittosha']}", mj),
        ]
    lines += [
        line("以下余白"),
        line("この写しは、住民票の原本と相違ないことを証明する。"),
        line(wareki(context["issued_on"])),
        line(f"{municipality['mayor_title']}　{municipality['mayor_name']}"),
        line(context["verify_url"], gothic),
        line("1 / 1", gothic),
    ]
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><style>'
        "@page { size: A4; margin: 16mm } html { font-size: 10.5pt }"
        f"</style></head><body>{''.join(lines)}</body></html>"
    )


def bare_signer(directory: Path) -> Callable[[bytes], bytes]:
    """pyHanko's sign_pdf with a SimpleSigner built once from the same files, the same field and digest."""
    signer = signers.SimpleSigner.load(
        str(key_file(directory, CODE)), str(cert_file(directory, CODE)), ca_chain_files=(str(directory / CHAIN_FILE),)
    )
    assert signer is not None
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
    )

    def sign(pdf: bytes) -> bytes:
        return signers.sign_pdf(IncrementalPdfFileWriter(BytesIO(pdf)), metadata, signer=signer).getvalue()

    return sign


def main(*, rounds: int, warmup: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="madoguchi-bench-") as temporary:
        pki = Path(temporary)
        create_dev_pki(pki, [(CODE, "見本市")])
        run(pki, rounds=rounds, warmup=warmup, profile_only=profile)


def run(pki: Path, *, rounds: int, warmup: int, profile_only: bool) -> None:
    renderer = CertificateRenderer()
    signing = CertificateSigning(pki, HMAC_KEY, PUBLIC_URL)
    kojinhyo, one_page, four_pages = cases(signing)
    location = "見本県見本市"
    plain = plain_html(kojinhyo.context)
    pdf = renderer.render_pdf(TEMPLATE, kojinhyo.context)
    sign_bare = bare_signer(pki)

    if profile_only:
        print(f"== {kojinhyo.label}: CertificateRenderer.render_pdf ==")
        profile(lambda: renderer.render_pdf(TEMPLATE, kojinhyo.context), repeat=rounds)
        print("== plain page: bare WeasyPrint ==")
        profile(lambda: HTML(string=plain).write_pdf(), repeat=rounds)
        print("== CertificateSigning.sign ==")
        profile(lambda: signing.sign(CODE, location, pdf), repeat=rounds)
        return

    timed: dict[str, Callable[[], object]] = {
        "plain page, bare WeasyPrint": lambda: HTML(string=plain).write_pdf(),
        **{
            case.label: (lambda case=case: renderer.render_pdf(TEMPLATE, case.context))
            for case in (kojinhyo, one_page, four_pages)
        },
        "bare pyHanko sign_pdf (個人票)": lambda: sign_bare(pdf),
        "CertificateSigning.sign (個人票)": lambda: signing.sign(CODE, location, pdf),
    }
    print(f"scripts/bench certificates: median of {rounds} interleaved rounds after {warmup} warm-up\n")
    ms = median_ms(timed, rounds=rounds, warmup=warmup)

    pages = {"plain page, bare WeasyPrint": 1, **{case.label: case.pages for case in (kojinhyo, one_page, four_pages)}}
    signed_kb = {}
    for case in (kojinhyo, one_page, four_pages):
        signed = signing.sign(CODE, location, renderer.render_pdf(TEMPLATE, case.context))
        if (count := len(PdfReader(BytesIO(signed)).pages)) != case.pages:  # the figures would compare other things
            raise SystemExit(f"{case.label} printed {count} pages: the benchmark's contexts need updating")
        signed_kb[case.label] = len(signed) / 1024 / case.pages
    width = max(map(columns, timed))
    print(f"  {pad('', width)}  {'ms':>8}  {'pages':>5}  {'ms a page':>9}  {'signed KB a page':>16}")
    for label, value in ms.items():
        count = pages.get(label, 1)
        kb = f"{signed_kb[label]:.1f}" if label in signed_kb else ""
        print(f"  {pad(label, width)}  {value:8.1f}  {count:>5}  {value / count:9.1f}  {kb:>16}")
    print()
    report(
        [
            Ratio("個人票 / plain page (render)", ms[kojinhyo.label] / ms["plain page, bare WeasyPrint"], RENDER_RATIO),
            Ratio(
                "sign / bare sign_pdf",
                ms["CertificateSigning.sign (個人票)"] / ms["bare pyHanko sign_pdf (個人票)"],
                SIGN_RATIO,
            ),
            Ratio("4-page / 1-page 世帯連記式 (render)", ms[four_pages.label] / ms[one_page.label], PAGES_RATIO),
            Ratio(f"signed KB a page, {four_pages.label}", signed_kb[four_pages.label], KB_A_PAGE, " KB"),
        ]
    )
