"""A request made on someone's behalf, as the case page shows it: ``on_behalf(submission)`` for the banner
(backoffice/_requester.html) and ``personal_notices(submission)`` for the 本人通知 it caused, template globals as
casework.py's, so the case page's own view needs no change."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from portal.catalog.requester import (
    BASIS_LABELS,
    BASIS_TITLES,
    CHECKED,
    GENDER_LABELS,
    REPRESENTATIVE_LABELS,
    THIRD_PARTY_REASONS,
    Basis,
    proxy_request,
)
from portal.database import db
from portal.models import PersonalNotice, Submission
from portal.services import personal_notices as notices
from portal.web import attachments
from portal.web.backoffice import views
from portal.web.backoffice.views import bp
from portal.web.templating import wareki_date


@dataclass(frozen=True)
class OnBehalf:
    title: str  # 代理人による請求
    requester: str  # the logged-in resident who asked
    basis: str
    rows: list[tuple[str, str]]  # the person as typed, the relationship, the reason
    documents: list[attachments.Link]  # the 委任状 or the legal representative's document
    document_label: str | None  # what they are, when the basis needs one
    checked: bool  # a decision has confirmed the basis was checked


@bp.app_template_global()
def on_behalf(submission: Submission) -> OnBehalf | None:
    """What the case page's banner says of a request made on someone's behalf; None for the person's own."""
    definition = views._case(submission).definition
    request = proxy_request(definition, submission.answers)
    if request is None:
        return None
    basis = _(BASIS_LABELS[request.basis])
    if request.representative in REPRESENTATIVE_LABELS:
        basis += _("（%(text)s）", text=_(REPRESENTATIVE_LABELS[request.representative]))
    rows = [
        (_("対象の方の氏名"), request.name),
        (_("対象の方の生年月日"), _date(request.birthdate)),
        (_("対象の方の性別"), _(GENDER_LABELS.get(request.gender, request.gender))),
        (_("対象の方の住所（入力されたもの）"), request.address),
    ]
    if request.relationship:
        rows.append((_("対象の方とのご関係"), request.relationship))
    if request.basis is Basis.THIRD_PARTY:
        rows.append((_("請求の事由"), _(THIRD_PARTY_REASONS.get(request.reason or "", request.reason or ""))))
        rows.append((_("請求の事由の詳細"), request.purpose or ""))
    document = request.document
    return OnBehalf(
        title=_(BASIS_TITLES[request.basis]),
        requester=submission.resident.display_name,
        basis=basis,
        rows=rows,
        documents=attachments.links(
            definition, submission.answers, ".attachment", field=document, reference=submission.reference
        )
        if document
        else [],
        document_label=_(definition.field(document).label) if document else None,
        checked=any(record.inputs and record.inputs.get(CHECKED) for record in submission.history),
    )


@bp.app_template_global()
def personal_notices(submission: Submission) -> list[PersonalNotice]:
    return notices.notices_of(db.session, submission)


def _date(iso: str) -> str:
    try:
        return wareki_date(date.fromisoformat(iso))
    except ValueError:
        return iso
