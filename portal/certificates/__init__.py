"""Certificates (証明書) issued at the end of a procedure, rendered to PDF.

A procedure definition names a template (:func:`available_templates`); the 交付 builds the context below
(:mod:`portal.services.certificates`), checks that the template prints it
(:meth:`CertificateRenderer.render_html`) and stores it with the certificate; a worker renders that stored
context with :meth:`CertificateRenderer.render_pdf`. Both raise :class:`CertificateRenderingError` for a
template or data error. The context is plain JSON (dates are ISO strings) and in Japanese: a certificate
is a Japanese official document whatever the reader's UI language.

Context contract (every key is required: templates use StrictUndefined)::

    municipality:    {code, name, prefecture, mayor_title, mayor_name,
                      seal: file name under static/seals/, demo: bool}
    issue_number:    str, e.g. "999997-2026-000001" (発行番号)
    issued_on:       ISO date
    verify_url:      str, the public /verify address printed, and as a QR code, on every page
    number:          str or null, the case's number from its workflow's ``numbering`` (e.g. "2026-00001"),
                     null when the workflow numbers nothing or has not yet
    inputs:          {transition name: {field name: value}}, what staff filled in each transition's ``fields``
                     (the latest firing's), values stored as the field type keeps them (dates ISO strings); a
                     transition not fired (yet) is absent, so guard it: {% if "register" in inputs %}
    answers:         {field name: value}, the application's answers as stored (dates ISO strings, a repeating
                     group a list of {field name: value} rows); a field left empty or hidden is absent. What
                     the municipality certifies from the application, after staff checked it (a 転出先, the
                     damaged property's address). Absent for juminhyo, which certifies the record only: a
                     record's facts come from the record, never from what the applicant typed (a template of a
                     ``certified_persons`` definition gets both: the persons in ``record``, the 転出先 here)

What the 住民記録 held at issue time, never the applicant's answers, for a definition that declares
``certified_persons: <household_members field>`` (the persons chosen there; tenshutsu's 転出証明書) and for the
juminhyo template (住民票の写し, whose answers choose persons and items in its own way)::

    record:    {address: {address, katagaki (方書)}, head_name (世帯主),
                whole_household: bool, persons: [entry, ...] in the record's order}
    requested: juminhyo only: {relationship: bool, honseki: bool}  (続柄, 本籍・筆頭者; not requested prints 省略)

An entry is :func:`portal.records.model.person_to_json` without ``person_id``, ``household_id`` and
``address`` (the household's is printed): every item for ``certified_persons``, and for juminhyo without
``relationship`` or ``domicile`` unless requested. When the household cannot be read then, no longer holds a
person chosen, or the ``certified_persons`` field holds no choice from the record (the household was unknown
when applying and its ``otherwise`` group was typed instead), the 交付 is refused with the reason and nothing
is issued (:mod:`portal.services.certified`). juminhyo prints one entry as a 個人票, several as a 世帯連記式.
For a request made on someone's behalf (a definition's ``requester``), ``record`` is the household of the
person it names, found by the 基本4情報 typed for them (本人のみ is that person); nothing of the requester is
in the context, as the 住民票の写し does not print who asked.

No template ever prints a マイナンバー (個人番号) or 住民票コード; neither is ever in a record. The PDF is tagged
(PDF/UA-1) and signed afterwards (:mod:`portal.certificates.signing`); :mod:`portal.certificates.verification`
makes the verify URL's code.
"""

from __future__ import annotations

from portal.certificates.fetcher import RefusedURLError, StaticFileFetcher
from portal.certificates.renderer import (
    STATIC_DIR,
    TEMPLATES_DIR,
    CertificateRenderer,
    CertificateRenderingError,
    TemplateSource,
    UnknownTemplateError,
    available_templates,
)

__all__ = [
    "STATIC_DIR",
    "TEMPLATES_DIR",
    "CertificateRenderer",
    "CertificateRenderingError",
    "RefusedURLError",
    "StaticFileFetcher",
    "TemplateSource",
    "UnknownTemplateError",
    "available_templates",
]
