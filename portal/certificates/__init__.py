"""Certificates (証明書) issued at the end of a procedure, rendered to PDF.

A procedure definition names a template (:func:`available_templates`); the web layer builds the context
below and calls :meth:`CertificateRenderer.render_pdf`. Templates print Japanese: the certificate is a
Japanese official document whatever the reader's UI language, so only ``procedure_title`` and the
``answer_text`` labels arrive already translated.

Context contract (every key is required: templates use StrictUndefined)::

    municipality:    {code, name, prefecture, mayor_title, mayor_name,
                      seal: file name under static/seals/, demo: bool}
    issue_number:    str, e.g. "999997-2026-000001" (発行番号)
    verify_url:      str, the public /verify address printed, and as a QR code, on every page
    issued_on:       datetime.date
    procedure_title: str
    reference:       str (受付番号 of the submission)
    applicant:       {family_name, given_name, family_name_kana, given_name_kana,
                      birthdate: date | ISO str, postal_code: 7 half-width digits, address}
    answers:         the submission's answers
    answer_text:     answer name → display text, already translated

juminhyo (住民票の写し) reads ``answers["items"]`` (a list that may hold "honseki"
for 本籍・筆頭者 and "relationship" for 続柄; anything not listed prints 省略), ``answers["copies"]``, and
``answer_text["scope"]`` and ``answer_text["purpose"]`` (plus ``answer_text["members"]`` when present).
No template ever prints a マイナンバー (個人番号). The PDF is tagged (PDF/UA-1) and signed afterwards
(:mod:`portal.certificates.signing`); :mod:`portal.certificates.verification` makes the verify URL's code.
"""

from __future__ import annotations

from portal.certificates.fetcher import RefusedURLError, StaticFileFetcher
from portal.certificates.renderer import (
    STATIC_DIR,
    TEMPLATES_DIR,
    CertificateRenderer,
    UnknownTemplateError,
    available_templates,
)

__all__ = [
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "CertificateRenderer",
    "RefusedURLError",
    "StaticFileFetcher",
    "UnknownTemplateError",
    "available_templates",
]
