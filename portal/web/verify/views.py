"""Public handlers: look the certificate up by 発行番号 and code, show its status, compare an uploaded PDF."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from portal.database import db
from portal.services.verification import VerifiedCertificate, verified_certificate
from portal.web.current import current_procedures
from portal.web.security import csrf

bp = Blueprint("verify", __name__, url_prefix="/verify")

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a certificate is ~50 kB; room for a re-saved copy


@bp.url_value_preprocessor
def _allow_upload(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Raise the request size limit for this page only. URL value preprocessors run before every
    before_request function, so the NUL filter parses the form under this limit."""
    request.max_content_length = MAX_UPLOAD_BYTES


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _certificate(issue_number: str) -> VerifiedCertificate:
    found = verified_certificate(db.session, current_procedures().signing, issue_number, request.args.get("c"))
    return found or abort(404)


@bp.get("/<issue_number>")
def certificate(issue_number: str) -> str:
    return render_template("verify/certificate.html", certificate=_certificate(issue_number), matches=None)


@bp.post("/<issue_number>")
@csrf.exempt  # it only reads: a token would give every anonymous visitor of a QR code a session
def compare(issue_number: str) -> tuple[str, int]:
    found = _certificate(issue_number)
    upload = request.files.get("pdf")
    if upload is None or not upload.filename:
        error = _("照合するPDFファイルを選択してください。")
        return render_template("verify/certificate.html", certificate=found, matches=None, error=error), 400
    digest = hashlib.file_digest(upload.stream, "sha256").hexdigest()
    matches = hmac.compare_digest(digest, found.sha256)
    return render_template("verify/certificate.html", certificate=found, matches=matches), 200
