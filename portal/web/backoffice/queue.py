"""The queue page (views, search, filters, keyset pages), its CSV export and bulk assignment from it."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from portal.database import db
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import CHANNEL_LABELS, AuditAction, Channel, Submission
from portal.roles import Permission
from portal.services import audit, tenancy
from portal.services.actors import ActingUser
from portal.services.assignment import MAX_BULK, AssignmentService
from portal.services.deadlines import Deadline, deadline_of
from portal.services.queue import PAGE_SIZE, VIEW_LABELS, Cursor, QueueFilter, QueueService, Versions, View, chunks
from portal.web import csvfile
from portal.web.access import safe_next, staff_actor, staff_required
from portal.web.backoffice.views import bp
from portal.web.current import current_procedures, current_published
from portal.web.responses import refused

MAX_SEARCH = 100
SEARCHES_KEY = "queue_searches"  # token → the text searched, in the server-side session
KEPT_SEARCHES = 20
EXPORT_LIMIT = 10_000  # cases in one CSV: narrow the queue for more
EXPORT_CHUNK = 500
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class QueueRow:
    submission: Submission
    title: str
    applicant: str
    state_label: str
    final: bool
    assignee: str  # "" when nobody
    deadline: Deadline | None  # None: a case made before 期限日 were kept
    channel: str  # 受付経路, as the page and the CSV name it

    @property
    def overdue(self) -> bool:
        return self.deadline is not None and self.deadline.overdue


def _service() -> QueueService:
    return QueueService(db.session, current_procedures(), staff_actor())


def _filters(args: MultiDict[str, str]) -> tuple[QueueFilter, list[tuple[str, str]]]:
    """The view and filters the query string asks for, and (input id, message) for each it cannot use. The search
    text is not in the query string, only the token of the search as remembered in the session (see search)."""
    errors: list[tuple[str, str]] = []
    view = args.get("view", "")
    token = args.get("search", "")
    search = _recalled(token) if token else ""
    if search is None:
        search = ""
        errors.append(
            ("filter-q", _("この検索は見つかりません（ログアウトすると消えます）。もう一度検索してください。"))
        )
    if len(search) > MAX_SEARCH:
        errors.append(("filter-q", _("検索する語は%(max)d文字以内で入力してください。", max=MAX_SEARCH)))
    days = {}
    for name, label in (("from", _("申請日（から）")), ("to", _("申請日（まで）"))):
        days[name] = _day(args.get(name, ""))
        if days[name] is False:
            errors.append((f"filter-{name}", _("%(label)sは 2026-04-01 の形で入力してください。", label=label)))
    start, end = (days[n] if isinstance(days[n], date) else None for n in ("from", "to"))
    if start and end and start > end:
        errors.append(("filter-to", _("申請日（まで）は、申請日（から）と同じか後の日付にしてください。")))
    channel = args.get("channel", "")
    filters = QueueFilter(
        view=View(view) if view in View.__members__.values() else View.ACTION,
        search=search[:MAX_SEARCH],
        procedure=args.get("procedure") or None,
        state=args.get("state") or None,
        channel=Channel(channel) if channel in Channel.__members__.values() else None,
        submitted_from=start,
        submitted_to=end,
    )
    return filters, errors


def _day(value: str) -> date | None | bool:
    """An ISO date (what a date input sends); None when empty; False when it is not a date."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value) if ISO_DATE.fullmatch(value) else False
    except ValueError:
        return False


def _query(filters: QueueFilter, **extra: str) -> dict[str, str]:
    """The query string that shows ``filters`` (only what is set), plus ``extra`` (a page cursor)."""
    shown = {
        "view": filters.view.value,
        "search": _remembered(filters.search) if filters.search else "",
        "procedure": filters.procedure or "",
        "state": filters.state or "",
        "channel": filters.channel.value if filters.channel else "",
        "from": filters.submitted_from.isoformat() if filters.submitted_from else "",
        "to": filters.submitted_to.isoformat() if filters.submitted_to else "",
        **extra,
    }
    return {key: value for key, value in shown.items() if value}


def _remembered(search: str) -> str:
    """The token of ``search`` in the session, made now if it has none: a name typed in the search box is personal
    data, which no URL carries (browser history, proxies); the server-side session keeps the last searches."""
    searches: dict[str, str] = dict(session.get(SEARCHES_KEY) or {})
    token = next((token for token, text in searches.items() if text == search), None)
    if token is None:
        token = secrets.token_urlsafe(9)
        searches[token] = search
        session[SEARCHES_KEY] = dict(list(searches.items())[-KEPT_SEARCHES:])
    return token


def _recalled(token: str) -> str | None:
    """The search a token stands for, or None when this session has none by that token."""
    found = (session.get(SEARCHES_KEY) or {}).get(token)
    return found if isinstance(found, str) else None


@bp.post("/search")
@staff_required(Permission.VIEW_QUEUE)
def search() -> Any:
    """The search and filter form: the typed search is remembered in the session and the queue shown with its token
    and the other filters (a view, a procedure, a state and dates, nothing personal) in the URL."""
    typed = request.form.get("q", "").strip()[: MAX_SEARCH + 1]  # one more: the queue then says it is too long
    shown = {
        name: request.form.get(name, "").strip()[:100]
        for name in ("view", "procedure", "state", "channel", "from", "to")
    }
    if typed:
        shown["search"] = _remembered(typed)
    return redirect(url_for(".queue", **{name: value for name, value in shown.items() if value}), 303)


def _rows(submissions: list[Submission], versions: Versions, today: date) -> list[QueueRow]:
    rows = []
    for submission in submissions:
        definition, workflow = versions.of(submission)
        state = workflow.state(submission.state)
        rows.append(
            QueueRow(
                submission=submission,
                title=_(definition.title),
                # a case purged past its 保存期間 no longer says whose it was
                applicant=submission.applicant_name if submission.purged_at is None else _("（削除済み）"),
                state_label=_(state.label),
                final=state.final,
                assignee=submission.assignee.name if submission.assignee is not None else "",
                deadline=deadline_of(submission, workflow, today),
                channel=_(CHANNEL_LABELS[submission.channel]),
            )
        )
    return rows


def _cursor(name: str, filters: QueueFilter) -> Cursor | None:
    token = request.args.get(name)
    if not token:
        return None
    try:
        return Cursor.parse(token, filters)
    except ValueError:
        abort(400)


@bp.get("/")
@staff_required(Permission.VIEW_QUEUE)
def queue() -> str:
    published = current_published(db.session)
    offered = tenancy.offered_procedures(g.municipality, published)
    filters, errors = _filters(request.args)
    states: dict[str, str] = {}
    for definition in offered:
        for key, state in published.workflow_of(definition).states.items():
            states.setdefault(key, _(state.label))
    service = _service()
    rows: list[QueueRow] = []
    page = None
    if not errors:
        page = service.page(filters, after=_cursor("after", filters), before=_cursor("before", filters))
        rows = _rows(page.submissions, service.versions(page.submissions), jst.today())
    return render_template(
        "backoffice/queue.html",
        rows=rows,
        page=page,
        offered=offered,
        states=states,
        filters=filters,
        errors=errors,
        views=[
            (view, _(label), url_for(".queue", **_query(QueueFilter(view=view)))) for view, label in VIEW_LABELS.items()
        ],
        view_label=_(VIEW_LABELS[filters.view]),
        query=_query(filters),
        next_url=url_for(".queue", **_query(filters, after=page.next.token)) if page and page.next else None,
        previous_url=url_for(".queue", **_query(filters, before=page.previous.token))
        if page and page.previous
        else None,
        all_url=url_for(".queue", **_query(QueueFilter(view=View.ALL, search=filters.search))),
        page_size=PAGE_SIZE,
        channels=[(channel.value, _(label)) for channel, label in CHANNEL_LABELS.items()],
        colleagues=AssignmentService(db.session, staff_actor()).colleagues(),
        me=staff_actor().id,
        back=request.full_path.rstrip("?"),
    )


# -- CSV ----------------------------------------------------------------------------------------------------------


@bp.post("/queue.csv")
@staff_required(Permission.VIEW_QUEUE)
def export() -> Any:
    """The view as filtered, every page of it, as CSV for Excel (UTF-8 with a BOM), streamed in chunks.

    The export is first recorded in the audit log, with the view, the filters (whether a search was typed, not
    what: a name is personal data) and the 受付番号 of every case it holds, in the request's transaction; the rows
    are then read by those ids, so the file holds exactly the cases recorded."""
    filters, errors = _filters(request.form)
    back = url_for(".queue", **_query(filters))
    if errors:
        return refused(Message(N_("絞り込みの条件を修正してから書き出してください。")), back)
    service = _service()
    found = service.references(filters, EXPORT_LIMIT)
    if found is None:
        return refused(
            Message(N_("%(max)d件を超えるため書き出せません。条件で絞り込んでください。"), {"max": EXPORT_LIMIT}), back
        )
    actor = staff_actor()
    after = {
        "view": filters.view.value,
        "filters": _recorded(filters),
        "count": len(found),
        "references": [reference for _id, reference in found],
    }
    audit.record(
        db.session, audit.Accessor.staff(actor), AuditAction.QUEUE_EXPORTED, f"queue:{actor.municipality_code}",
        None, after, actor.municipality_code,
    )  # fmt: skip
    ids = [row_id for row_id, _reference in found]
    now = jst.now()
    response = current_app.response_class(stream_with_context(_csv(actor, ids, now.date())), mimetype="text/csv")
    name = f"queue-{actor.municipality_code}-{now:%Y%m%d-%H%M}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _recorded(filters: QueueFilter) -> dict[str, Any]:
    """The filters as the audit log keeps them: never the search text itself."""
    recorded: dict[str, Any] = {"searched": bool(filters.search)}
    for key, value in (
        ("procedure", filters.procedure),
        ("state", filters.state),
        ("channel", filters.channel.value if filters.channel else None),
        ("from", filters.submitted_from.isoformat() if filters.submitted_from else None),
        ("to", filters.submitted_to.isoformat() if filters.submitted_to else None),
    ):
        if value:
            recorded[key] = value
    return recorded


def _csv(actor: ActingUser, ids: list[int], today: date) -> Iterator[str]:
    """The rows, read after the response has begun: the request's session has ended by then (its transaction, with
    the audit entry, committed), so the chunks are read in a session of their own, closed with the stream."""
    service = QueueService(db.session, current_procedures(), actor)
    yield csvfile.BOM + csvfile.line(
        [_("受付番号"), _("手続き"), _("受付経路"), _("申請者"), _("状況"), _("担当"), _("申請日"), _("期限日")]
    )
    for chunk in chunks(ids, EXPORT_CHUNK):
        submissions = service.by_ids(chunk)
        for row in _rows(submissions, service.versions(submissions), today):
            submitted = row.submission.submitted_at.astimezone(jst.JST).date().isoformat()
            due = row.deadline.due_on.isoformat() if row.deadline else ""
            yield csvfile.line(
                [
                    row.submission.reference,
                    row.title,
                    row.channel,
                    row.applicant,
                    row.state_label,
                    row.assignee,
                    submitted,
                    due,
                ]
            )


# -- bulk assignment ------------------------------------------------------------------------------------------------


@bp.post("/assignments")
@staff_required(Permission.VIEW_QUEUE)
def bulk_assign() -> Any:
    """The cases ticked on the queue to one colleague, each from the 担当 the queue showed for it (``seen-<ref>``);
    a case someone changed meanwhile is reported by its 受付番号 and left as it is, the others are assigned."""
    back = safe_next(request.form.get("back"), url_for(".queue"))
    references = request.form.getlist("reference")
    if not references:
        return refused(Message(N_("割り当てる申請を選んでください。")), back)
    if len(references) > MAX_BULK:
        return refused(Message(N_("一度に割り当てられるのは%(max)d件までです。"), {"max": MAX_BULK}), back)
    service = AssignmentService(db.session, staff_actor())
    to = _staff_id(request.form.get("to"))
    colleague = service.colleague(to) if to is not None else None
    if colleague is None:
        return refused(Message(N_("割り当てる職員を選んでください。")), back)
    seen = {reference: _staff_id(request.form.get(f"seen-{reference}")) for reference in references}
    results = service.bulk_assign(references, colleague.id, seen)
    done = [r for r in results if r.refusal is None]
    if done:
        flash(_("%(count)d件を%(name)sさんの担当にしました。", count=len(done), name=colleague.name), "success")
    for result in results:
        if result.refusal is not None:
            reason = result.refusal.render(_)
            flash(_("%(reference)s：%(reason)s", reference=result.reference, reason=reason), "error")
    return redirect(back, 303)


def _staff_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None
