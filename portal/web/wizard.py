"""The application form as a wizard: one definition page per step, then 確認 and 完了. A resident fills it online,
a clerk at the counter on a resident's behalf (portal.web.backoffice.counter): the same steps, checks, drafts and
confirmation, each side saying where its pages live, whose drafts they are and how a submission is made.

Each step sends only its own page's inputs; the draft holds the others. So a page's answers replace exactly
that page's inputs in the draft, and an input missing from the request (an unticked box) is cleared.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import catalog
from portal.catalog import Page, ProcedureDefinition, Raw, error_field, fees
from portal.models import Draft, Municipality, Submission
from portal.services.drafts import DraftService, DraftTooLarge, well_formed
from portal.services.records import RecordedHousehold
from portal.web import attachments
from portal.web.formview import (
    GROUP_ADD,
    GROUP_REMOVE,
    answers_from,
    change_rows,
    error_summary,
    has_file_field,
    household_choices,
    lookup_address,
    step_view,
    typed_otherwise,
)

PAGE = "page"  # query argument: the key of the page shown
RETURN_TO = "return"  # query argument: CONFIRM when a 変更 link on the confirmation page opened the page
CONFIRM = "confirm"
SUBMISSION_TOKEN = "submission_token"  # the confirmation page's hidden input


def page(definition: ProcedureDefinition, key: str | None) -> Page | None:
    """The page ``key`` (the first one for none); None when the definition has no such page."""
    if key is None:
        return definition.pages[0]
    return next((p for p in definition.pages if p.key == key), None)


def neighbour(definition: ProcedureDefinition, current: Page, offset: int) -> Page | None:
    """The page ``offset`` steps away (-1 before, +1 after), or None past either end."""
    index = definition.pages.index(current) + offset
    return definition.pages[index] if 0 <= index < len(definition.pages) else None


def page_of_error(definition: ProcedureDefinition, key: str) -> Page:
    """The page holding the field an error key of :func:`portal.catalog.validate` belongs to."""
    name = error_field(key)
    return next(p for p in definition.pages if any(f.name == name for f in p.fields))


def merged(current: Page, saved: Raw, sent: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The saved inputs with those of ``current`` replaced by what its form sent."""
    names = {name for f in current.fields for name in f.field_type.input_names(f)}
    return {
        **{name: list(values) for name, values in saved.items() if name not in names},
        **{name: values for name, values in sent.items() if name in names},
    }


def step_labels(definition: ProcedureDefinition) -> list[str]:
    """The step indicator's labels: each page's title, then 確認 and 完了."""
    return [_(p.title) for p in definition.pages] + [_("確認"), _("完了")]


@dataclass(frozen=True)
class Filling:
    """One form being filled, and what differs between who fills it. ``apply`` and ``confirm`` are the endpoints of
    the steps and of the confirmation page (each taking ``slug``); ``household`` reads the recorded household for a
    page that asks who in it (from the inputs so far, where the applicant is typed), or None; ``start`` gives the
    inputs a new draft begins with; ``accepted`` may add inputs once a page is accepted (the counter prefills the
    later pages from the applicant it entered); ``notices`` adds what a step's page says besides."""

    definition: ProcedureDefinition
    municipality: Municipality
    drafts: DraftService
    version_id: int
    apply: str
    confirm: str
    step_template: str
    confirm_template: str
    household: Callable[[Raw, Page | None], RecordedHousehold | None]
    start: Callable[[], dict[str, list[str]]] = dict
    accepted: Callable[[Page, dict[str, list[str]]], dict[str, list[str]]] = lambda _page, raw: raw
    notices: Callable[[Page], Mapping[str, Any]] = lambda _page: {}
    frame: Mapping[str, Any] = field(default_factory=dict)  # what both templates get besides (breadcrumbs' names)

    @property
    def slug(self) -> str:
        return self.definition.slug

    def url(self, endpoint: str, **values: Any) -> str:
        return url_for(endpoint, slug=self.slug, **values)

    def choices(self, raw: Raw, on: Page | None = None) -> dict[str, catalog.Choices]:
        recorded = self.household(raw, on)
        return household_choices(self.definition, recorded.household if recorded else None)

    def resumed(self) -> Draft | None:
        """The draft, on the version published now; says so when the form changed since its last save."""
        resumed = self.drafts.resume(self.municipality, self.definition, self.version_id)
        if resumed is None:
            return None
        if resumed.form_changed:
            flash(
                _(
                    "下書きを保存した後に、この手続きの入力画面が変更されました。"
                    "なくなった項目の入力内容は削除しました。入力内容を確認してください。"
                ),
                "warning",
            )
        return resumed.draft


def _returning(returning: bool) -> dict[str, str]:
    return {RETURN_TO: CONFIRM} if returning else {}


def _render_step(filling: Filling, shown: Page, raw: Raw, errors: dict, returning: bool, **extra: Any) -> str:
    definition = filling.definition
    recorded = filling.household(raw, shown)
    choices = household_choices(definition, recorded.household if recorded else None)
    view = step_view(definition, shown.key, raw, errors, choices)
    number = definition.pages.index(shown) + 1
    return render_template(
        filling.step_template,
        definition=definition,
        pages=[view],
        errors=error_summary([view]),
        multipart=has_file_field([view]),
        steps=step_labels(definition),
        step_number=number,
        last=number == len(definition.pages),
        returning=returning,
        action=filling.url(filling.apply, page=shown.key, **_returning(returning)),
        confirm_url=filling.url(filling.confirm),
        household_unknown=recorded is not None and recorded.household is None,
        typed_otherwise=recorded is not None and typed_otherwise(shown.fields, choices),
        **filling.frame,
        **extra,
    )


def step(filling: Filling) -> Any:
    """One page of the form. 次へ checks this page only and saves the draft; 戻る saves without checking."""
    definition = filling.definition
    draft = filling.resumed()
    shown = page(definition, request.args.get(PAGE) or (draft.page if draft else None)) or abort(404)
    returning = request.args.get(RETURN_TO) == CONFIRM
    saved = draft.answers if draft else filling.start()
    if request.method == "GET":
        return _render_step(filling, shown, saved, {}, returning, **filling.notices(shown))

    file_names = {f.name for f in attachments.file_fields(shown.fields)}
    sent = {name: values for name, values in answers_from(request.form).items() if name not in file_names}
    going_back = request.form.get("action") == "back"
    remove = request.form.get(attachments.REMOVE)
    changes_rows = GROUP_ADD in request.form or GROUP_REMOVE in request.form
    upload = not going_back and remove is None and "lookup" not in request.form and not changes_rows
    files = attachments.attach(shown.fields, saved, request.files, remove, upload)
    raw = {**merged(shown, saved, sent), **files.raw}
    if files.errors:  # nothing stored, the draft left as it was
        raw.update({name: list(saved[name]) for name in file_names if name in saved})
        choices = filling.choices(raw, shown)
        errors = {**catalog.validate(definition, raw, page=shown.key, choices=choices).errors, **files.errors}
        return _render_step(filling, shown, raw, errors, returning)
    errors: dict = {}
    rows_changed = change_rows(shown.fields, raw, request.form)
    if rows_changed is not None:
        raw, anchor = rows_changed
        destination: Page | None = shown
    elif "lookup" in request.form:
        lookup_address(definition, raw, request.form["lookup"])
        destination = shown
    elif remove is not None:
        destination = shown
    elif going_back:
        destination = neighbour(definition, shown, -1) or shown
    else:
        choices = filling.choices(raw, shown)
        errors = dict(catalog.validate(definition, raw, page=shown.key, choices=choices).errors)
        destination = shown if errors else neighbour(definition, shown, +1)
        if not errors:
            raw = filling.accepted(shown, raw)
    try:
        filling.drafts.save(filling.municipality, definition, filling.version_id, raw, (destination or shown).key)
    except DraftTooLarge:
        flash(_("入力内容が大きすぎるため保存できませんでした。入力内容を見直してください。"), "error")
        return _render_step(filling, shown, raw, {}, returning), 413
    for ref in files.removed:
        flash(_("「%(name)s」を削除しました。", name=ref.name), "success")
    if rows_changed is not None:  # to the row added, or the group a row left
        return redirect(filling.url(filling.apply, page=shown.key, _anchor=anchor, **_returning(returning)))
    if destination is shown:
        return _render_step(filling, shown, raw, errors, returning)
    if destination is None or (returning and not going_back):
        return redirect(filling.url(filling.confirm))
    return redirect(filling.url(filling.apply, page=destination.key))


def confirm(
    filling: Filling,
    earlier: Callable[[str], Submission | None],
    submit: Callable[[dict[str, Any], str], Submission],
    done: Callable[[Submission], str],
) -> Any:
    """Check the answers, each with a 変更 link to its page; 申請する submits the draft once: ``submit(values,
    token)`` makes the submission, ``earlier(token)`` finds the one a first press made, ``done`` is where either
    leads."""
    definition = filling.definition
    token = request.form.get(SUBMISSION_TOKEN, "")
    draft = filling.resumed()
    sent_before = draft is None or token != draft.submission_token  # the draft this page showed is gone or new
    if request.method == "POST" and sent_before and well_formed(token):
        found = earlier(token)
        if found is not None:  # 申請する pressed again (or retried): where the first press led
            filling.drafts.discard(filling.municipality, filling.slug, token)
            return redirect(done(found))
    if draft is None:
        return redirect(filling.url(filling.apply))
    choices = filling.choices(draft.answers)
    result = catalog.validate(definition, draft.answers, choices=choices)
    if not result.ok:
        flash(_("まだ入力されていない項目や、正しくない項目があります。入力内容を確認してください。"), "info")
        first = page_of_error(definition, next(iter(result.errors)))
        return redirect(filling.url(filling.apply, page=first.key))
    if request.method == "GET":
        answers = [
            (
                answered.title,
                [
                    (answer.label, answer.rows or answer.text, _change_url(filling, answered.key, answer.name))
                    for answer in answered.answers
                ],
            )
            for answered in catalog.answers_by_page(definition, result.values, _, choices)
        ]
        return render_template(
            filling.confirm_template,
            definition=definition,
            answers=answers,
            steps=step_labels(definition),
            back_url=filling.url(filling.apply, page=definition.pages[-1].key),
            submission_token=draft.submission_token,
            fee=fees.total(definition, result.values),
            **filling.frame,
        )
    if token != draft.submission_token:
        flash(_("この確認画面からは申請できません。内容を確認して、もう一度「申請する」を押してください。"), "error")
        return redirect(filling.url(filling.confirm)), 303
    # The draft goes first: the submission takes the 受付番号, whose lock every other application then waits for.
    filling.drafts.discard(filling.municipality, filling.slug, draft.submission_token)
    made = submit(result.values, draft.submission_token)
    return redirect(done(made))


def _change_url(filling: Filling, key: str, field_name: str) -> str:
    """A 変更 link: the answer's page, which returns to 確認 once saved, scrolled to the answer's field."""
    return filling.url(filling.apply, page=key, _anchor=f"field-{field_name}", **_returning(True))
