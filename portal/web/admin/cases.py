"""A case as its municipality's administrators keep it: who read it and when (the audit log's entries about it), its
保存期間, and the legal hold that stops its purge (portal/services/retention.py).

Only an administrator of the case's municipality: a platform operator sees no case (403), another municipality's
case, or a 受付番号 it does not have, is not found (404).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.database import db
from portal.messages import N_, Message
from portal.models import Submission
from portal.services import audit, retention
from portal.services.retention import MAX_REASON_LENGTH, RetentionRefused
from portal.web.admin.presenting import audit_rows, retention_period
from portal.web.admin.views import _administrator, _managed, _page_number, bp
from portal.web.current import current_procedures, current_published
from portal.web.responses import refused

NO_SUCH_CASE = Message(N_("その受付番号の申請は見つかりません。"))


def _case(code: str, reference: str) -> Submission:
    _administering(code)
    query = select(Submission).filter_by(municipality_code=code, reference=reference)
    return db.session.scalars(query).one_or_none() or abort(404)


def _administering(code: str) -> None:
    _managed(code)  # another municipality: 404
    if not retention.administers_cases(_administrator(), code):
        abort(403)


@bp.get("/municipalities/<code>/cases")
def find_case(code: str) -> Any:
    """The 受付番号 typed on the audit log page leads to the case's page (a 受付番号 is no personal data)."""
    _administering(code)
    reference = request.args.get("reference", "").strip()
    back = url_for(".municipality_audit", code=code)
    exists = db.session.scalars(select(Submission.id).filter_by(municipality_code=code, reference=reference)).first()
    if not reference or len(reference) > 20 or exists is None:
        return refused(NO_SUCH_CASE, back)
    return redirect(url_for(".case", code=code, reference=reference), 303)


@bp.get("/municipalities/<code>/cases/<reference>")
def case(code: str, reference: str) -> str:
    found = _case(code, reference)
    page = audit.access_log(db.session, found, _page_number())
    procedures = current_procedures()
    retained = retention.retained(db.session, procedures, found)
    return render_template(
        "admin/case.html",
        submission=found,
        title=_(procedures.case(found).definition.title),
        retained=retained,
        period=retention_period(retained.retention) if retained.retention else None,
        page=page,
        rows=audit_rows(page.entries, current_published(db.session)),
        max_reason=MAX_REASON_LENGTH,
    )


@bp.post("/municipalities/<code>/cases/<reference>/hold")
def hold(code: str, reference: str) -> Any:
    found = _case(code, reference)
    back = url_for(".case", code=code, reference=reference)
    try:
        retention.hold(db.session, _administrator(), found, request.form.get("reason"))
    except RetentionRefused as refusal:
        return refused(refusal.reason, back)
    flash(_("この申請を保全しました。保全を解除するまで、保存期間が過ぎても削除しません。"), "success")
    return redirect(back, 303)


@bp.post("/municipalities/<code>/cases/<reference>/release")
def release(code: str, reference: str) -> Any:
    found = _case(code, reference)
    back = url_for(".case", code=code, reference=reference)
    try:
        retention.release(db.session, _administrator(), found, request.form.get("reason"))
    except RetentionRefused as refusal:
        return refused(refusal.reason, back)
    flash(_("保全を解除しました。"), "success")
    return redirect(back, 303)
