"""The API's handlers: authenticate the token, load the case scoped to its municipality, call the services the
pages use, answer JSON. Another municipality's case is not found (404), as everywhere.

Every read is written to the audit log (the case's access log), naming the token and what was read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, current_app, g, json, request, url_for
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from portal.attachments.kinds import FileKind
from portal.catalog import FieldDef, Raw
from portal.database import db
from portal.models import ApiScope, ApiToken, AuditAction, Submission, TransitionRecord
from portal.models.base import utcnow
from portal.procedures import Case as CaseVersions
from portal.services import api_cases, api_tokens, audit, tenancy
from portal.services.certificates import delivered_certificate
from portal.services.payments import payment_facts
from portal.services.review import review_record
from portal.services.revocation import certificates_of
from portal.services.submissions import SubmissionService
from portal.web import attachments
from portal.web.api import schemas
from portal.web.api.openapi import IDEMPOTENCY_KEY, Operation, document, operation
from portal.web.api.problems import problem
from portal.web.current import current_procedures, current_records, municipality_records
from portal.web.responses import pdf_response
from portal.workflow import InputsRefused, TransitionRefused

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,200}")
REPLAYED = "Idempotent-Replayed"


@bp.before_request
def _authenticate() -> Response | None:
    """Bearer token or 401 (RFC 6750: ``invalid_token`` when one was presented but is not a live token)."""
    if request.endpoint == "api.openapi":
        return None
    scheme, _sep, presented = request.headers.get("Authorization", "").partition(" ")
    presented = presented.strip() if scheme.lower() == "bearer" else ""
    token = api_tokens.authenticate(db.session, presented, utcnow()) if presented else None
    if token is None:
        challenge = 'Bearer realm="madoguchi"' + (', error="invalid_token"' if presented else "")
        return problem(401, _("APIトークンがないか、無効です。"), headers={"WWW-Authenticate": challenge})
    g.api = token  # the request log names the token (portal.web.requestlog)
    g.municipality = tenancy.municipality(db.session, token.municipality_code)
    return None


def _token() -> ApiToken:
    token: ApiToken = g.api
    return token


def _writing(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _token().scope is not ApiScope.WRITE:
            return problem(403, _("このAPIトークンは読み取り専用です。"))
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _json(model: BaseModel, status: int = 200) -> Response:
    return current_app.response_class(model.model_dump_json(), status=status, mimetype="application/json")


def _invalid(error: ValidationError) -> dict[str, str]:
    return {".".join(str(part) for part in e["loc"]) or "body": e["msg"] for e in error.errors()}


def _service() -> SubmissionService:
    return SubmissionService(db.session, current_procedures(), api_tokens.acting(_token()), current_records(db.session))


def _case(reference: str) -> Submission:
    return _service().staff_submission(reference) or abort(404, description=_("この受付番号の申請はありません。"))


def _versions(submission: Submission) -> CaseVersions:
    return current_procedures().case(submission)


def _reader() -> audit.Accessor:
    """The token as the audit log names whoever reads through it."""
    token = _token()
    return audit.Accessor.api_client(token.id, token.actor_name)


@operation(
    bp,
    Operation("get", "/openapi.json", "openapi", "This document (OpenAPI 3.1).", None, ("application/json",)),
)
def openapi() -> Response:
    response = current_app.response_class(json.dumps(document(bp.url_prefix or "")), mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


# Cases ----------------------------------------------------------------------------------------------------------


def _summary(submission: Submission) -> schemas.CaseSummary:
    state = _versions(submission).workflow.state(submission.state)
    return schemas.CaseSummary(
        reference=submission.reference,
        procedure=submission.procedure,
        state=submission.state,
        state_label=_(state.label),
        closed=submission.closed,
        submitted_at=submission.submitted_at,
        updated_at=submission.updated_at,
        due_on=submission.due_on,
        href=url_for(".case", reference=submission.reference),
    )


@operation(
    bp,
    Operation(
        "get",
        "/cases",
        "cases",
        "The municipality's cases by last change (updated_at, then id), a page at a time.",
        ApiScope.READ,
        schemas.CasePage,
        query=schemas.CaseQuery,
        errors=(400,),
    ),
)
def cases() -> Response:
    raw = request.args.to_dict(flat=False)
    repeated = [name for name, values in raw.items() if len(values) > 1]
    try:
        if repeated:
            raise ValueError(repeated)
        query = schemas.CaseQuery.model_validate({name: values[0] for name, values in raw.items()})
    except ValidationError as error:
        return problem(400, _("検索条件に誤りがあります。"), errors=_invalid(error))
    except ValueError:
        return problem(400, _("検索条件に誤りがあります。"), errors={name: "given more than once" for name in repeated})
    try:
        after = api_cases.parse_cursor(query.cursor) if query.cursor else None
    except (ValueError, OverflowError):
        return problem(400, _("検索条件に誤りがあります。"), errors={"cursor": "not a cursor of this list"})
    filters = api_cases.CaseFilter(query.procedure, query.state, query.updated_since)
    page = api_cases.case_page(db.session, _token().municipality_code, filters, after, query.limit)
    audit.listed(db.session, _reader(), _token().municipality_code, [s.reference for s in page.cases])
    return _json(schemas.CasePage(items=[_summary(s) for s in page.cases], next_cursor=page.next))


def _history(record: TransitionRecord) -> schemas.HistoryEntry:
    return schemas.HistoryEntry(
        transition=record.transition,
        from_state=record.from_state,
        to_state=record.to_state,
        actor_kind=record.actor_kind.value,
        actor_name=record.actor_name,
        comment=record.comment,
        comment_visible_to=record.comment_visible_to.value,
        inputs=record.inputs,
        at=record.created_at,
    )


def _certificates(submission: Submission) -> list[schemas.Certificate]:
    listed = []
    for certificate in certificates_of(db.session, submission):
        status = "revoked" if certificate.revoked else "issued" if certificate.rendered else "processing"
        href = (
            url_for(".certificate", reference=submission.reference, issue_number=certificate.issue_number)
            if status == "issued"
            else None
        )
        listed.append(
            schemas.Certificate(
                issue_number=certificate.issue_number, issued_on=certificate.issued_on, status=status, href=href
            )
        )
    return listed


def _facts(submission: Submission, versions: CaseVersions) -> Any:
    """What the workflow's ``requires`` may count on, as the case page finds it: the 住民記録 and the payment."""
    records = municipality_records(submission.municipality_code, db.session)
    return review_record(db.session, records, submission, versions.definition).facts | payment_facts(
        db.session, submission
    )


@operation(
    bp,
    Operation(
        "get",
        "/cases/{reference}",
        "case",
        "One case with its answers, history, attachment and certificate links, and what this token may fire.",
        ApiScope.READ,
        schemas.Case,
        errors=(404,),
    ),
)
def case(reference: str) -> Response:
    found = _case(reference)
    versions = _versions(found)
    transitions = []
    if _token().scope is ApiScope.WRITE:
        transitions = [
            schemas.TransitionOption(
                name=t.name, label=_(t.label), comment=t.comment.value, fields=[f.name for f in t.fields]
            )
            for t in _service().available_transitions(found, _facts(found, versions))
        ]
    body = schemas.Case(
        **_summary(found).model_dump(),
        fee=found.fee,
        receipt_method=found.receipt_method.value if found.receipt_method else None,
        payment_method=found.payment_method.value if found.payment_method else None,
        assigned_number=found.assigned_number,
        answers=found.answers,
        history=[_history(record) for record in found.history],
        attachments=[
            schemas.Attachment(
                key=ref.key,
                name=ref.name,
                media_type=ref.media_type,
                size=ref.size,
                sha256=ref.sha256,
                href=url_for(".attachment", reference=found.reference, key=ref.key),
            )
            for ref in attachments.answered_refs(versions.definition, found.answers)
        ],
        certificates=_certificates(found),
        transitions=transitions,
    )
    audit.accessed(db.session, _reader(), AuditAction.CASE_VIEWED, found)
    return _json(body)


@operation(
    bp,
    Operation(
        "get",
        "/cases/{reference}/attachments/{key}",
        "attachment",
        "A file the applicant attached, as stored.",
        ApiScope.READ,
        tuple(kind.media_type for kind in FileKind),
        errors=(404,),
    ),
)
def attachment(reference: str, key: str) -> Response:
    found = _case(reference)
    response = attachments.download(attachments.find(_versions(found).definition, found.answers, key))
    audit.accessed(db.session, _reader(), AuditAction.ATTACHMENT_DOWNLOADED, found, f"attachment:{key}")
    return response


@operation(
    bp,
    Operation(
        "get",
        "/cases/{reference}/certificates/{issue_number}",
        "certificate",
        "A certificate's signed PDF, while it is valid.",
        ApiScope.READ,
        ("application/pdf",),
        errors=(404, 409),
    ),
)
def certificate(reference: str, issue_number: str) -> Response:
    found = _case(reference)
    listed = next((c for c in certificates_of(db.session, found) if c.issue_number == issue_number), None)
    if listed is None or listed.revoked:
        abort(404, description=_("この発行番号の有効な証明書はありません。"))
    delivered = delivered_certificate(db.session, found)
    if delivered is None:
        return problem(409, _("証明書は発行処理中です。しばらくしてから取得してください。"))
    audit.accessed(
        db.session, _reader(), AuditAction.CERTIFICATE_DOWNLOADED, found, f"certificate:{delivered.issue_number}"
    )
    return pdf_response(delivered)


# Transitions ----------------------------------------------------------------------------------------------------


def _form_inputs(fields: tuple[FieldDef, ...], inputs: dict[str, Any]) -> tuple[Raw, dict[str, str]]:
    """Stored-shape values as the inputs the transition's form would send, checked then like the case page's;
    (inputs, errors by field) for names that are not its fields or values that cannot be a field's."""
    by_name = {f.name: f for f in fields}
    raw: Raw = {}
    errors: dict[str, str] = {}
    for name, value in inputs.items():
        f = by_name.get(name)
        if f is None:
            errors[name] = _("この操作に「%(name)s」という項目はありません。", name=name)
            continue
        try:
            raw.update(f.field_type.to_raw(f, value))
        except (TypeError, ValueError, KeyError, AttributeError):
            errors[name] = _("%(label)sの値の形式が正しくありません。", label=_(f.label))
    return raw, errors


@operation(
    bp,
    Operation(
        "post",
        "/cases/{reference}/transitions/{name}",
        "fire",
        "Fire a workflow transition, as the case page's button does (same locks, same four-eyes rule); the "
        "history names the token (API: <name>).",
        ApiScope.WRITE,
        schemas.TransitionResult,
        body=schemas.TransitionRequest,
        errors=(400, 404, 409, 422),
        headers=(IDEMPOTENCY_KEY,),
    ),
)
@_writing
def fire(reference: str, name: str) -> Response:
    found = _case(reference)
    key = request.headers.get(IDEMPOTENCY_KEY["name"])
    if key is not None and not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        return problem(400, _("Idempotency-Key は200文字以内の英数字・記号で指定してください。"))
    try:
        sent = schemas.TransitionRequest.model_validate_json(request.get_data() or b"{}")
    except ValidationError as error:
        return problem(422, _("送信内容に誤りがあります。"), errors=_invalid(error))
    remembered = None
    if key is not None:
        fingerprint = hashlib.sha256(f"{request.method} {request.path}\n".encode() + request.get_data()).hexdigest()
        try:
            remembered = api_cases.remembered(db.session, _token().id, key, fingerprint)
        except api_cases.KeyReused:
            return problem(422, _("この Idempotency-Key は別の要求に使われています。"))
        if remembered.status:
            replay = current_app.response_class(
                json.dumps(remembered.response), status=remembered.status, mimetype="application/json"
            )
            replay.headers[REPLAYED] = "true"
            return replay
    versions = _versions(found)
    if not versions.workflow.has_transition(name):
        abort(404, description=_("「%(name)s」という操作はありません。", name=name))
    transition = versions.workflow.transition(name)
    raw, errors = _form_inputs(transition.fields, sent.inputs)
    if errors:
        return problem(422, _("入力内容にエラーがあります"), errors=errors)
    facts = _facts(found, versions) if transition.requires else frozenset()
    try:
        _service().fire(found, name, sent.comment, facts, raw)
    except InputsRefused as refusal:
        errors = {field: message.render(_) for field, message in refusal.errors.items()}
        return problem(422, refusal.reason.render(_), errors=errors)
    except TransitionRefused as refusal:
        return problem(409, refusal.reason.render(_))
    result = schemas.TransitionResult(case=_summary(found), transition=_history(found.history[-1]))
    if remembered is not None:
        api_cases.remember(db.session, remembered, 200, result.model_dump(mode="json"))
    return _json(result)
