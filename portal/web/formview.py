"""What the field macros need to render a definition's form, already translated for the request, and what a
posted form gives back (its answers, the 「住所を検索」 button).

The catalog knows fields; the templates know HTML. This module is the narrow bridge: one FieldView per
field with ids, translated labels, raw values and the error, so templates contain no logic about types.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import abort, flash
from flask_babel import gettext

from portal.attachments import AttachmentRef
from portal.catalog import (
    ERA_CHOICES,
    Choices,
    FieldDef,
    Page,
    ProcedureDefinition,
    ShowIf,
    SuppliedChoicesType,
    lookup_postal_code,
    registry,
    validate,
)
from portal.catalog.datebound import TODAY, DateBound
from portal.catalog.fieldtypes.bank_account import KIND_CHOICES
from portal.catalog.fieldtypes.base import Raw
from portal.catalog.fieldtypes.group import GroupType
from portal.catalog.fieldtypes.household import asked_otherwise, not_asked, otherwise, shown_when
from portal.japan import jst
from portal.messages import Message
from portal.records.model import Household
from portal.web import attachments
from portal.workflow import Transition

AUTOCOMPLETE_BY_PREFILL = {
    "family_name": "family-name",
    "given_name": "given-name",
    "postal_code": "postal-code",
    "address": "street-address",
}
AUTOCOMPLETE_BY_WIDGET = {"phone": "tel", "email": "email"}
GROUP_ADD = "group_add"  # a repeating group's 追加 button; its value names the group
GROUP_REMOVE = "group_remove"  # a row's 削除 button; its value is "<group>-<row number>"
ROW_PLACEHOLDER = "__N__"
# The CSRF token, 「住所を検索」, 次へ/戻る, an attachment's 削除 and a group's 追加/削除
NOT_ANSWERS = frozenset({"csrf_token", "lookup", "action", attachments.REMOVE, GROUP_ADD, GROUP_REMOVE})


@dataclass(frozen=True)
class FieldView:
    name: str
    widget: str
    input_id: str
    label: str
    help: str | None
    required: bool
    error: str | None
    raw: Mapping[str, list[str]]
    options: list[tuple[str, str]] = field(default_factory=list)
    items: list[tuple[str, str]] = field(default_factory=list)
    max_each: int | None = None
    min: Any = None
    max: Any = None
    rows: int | None = None
    max_length: int | None = None
    autocomplete: str | None = None
    show_if_field: str | None = None
    show_if_values: list[str] = field(default_factory=list)
    fills: str | None = None
    unanswerable: bool = False  # its choices are supplied per request, and none could be (no recorded household)
    attached: list[AttachmentRef] = field(default_factory=list)  # a file field's stored files, each with 削除
    accept: str | None = None  # a file field's media types, for the file picker
    max_count: int | None = None  # a file field's files at most
    file_hint: str | None = None  # what a file field accepts
    locked: bool = False  # a file field shown without 削除 or a file input (the correction form)
    invalid_input: str | None = None  # the input of a several-input field the error is about; None: all of them
    invalid_id: str | None = None  # that input's id, which the error summary links to (else to input_id)
    group_rows: list[GroupRow] = field(default_factory=list)  # a repeating group's rows, each its fields' views
    row_template: GroupRow | None = None  # a group's blank row numbered ROW_PLACEHOLDER, for portal.js
    item_label: str | None = None  # what a group's row is (児童), for 「児童を追加」
    least_rows: int = 0  # a group's rows that cannot be removed (its min when required)


@dataclass(frozen=True)
class GroupRow:
    number: int | str  # from 1, or ROW_PLACEHOLDER
    heading: str  # 「児童 2」
    input_id: str  # the row's fieldset, where 追加 leads
    fields: list[FieldView]
    removable: bool  # more rows are shown than the group needs


@dataclass(frozen=True)
class PageView:
    key: str
    title: str
    help: str | None
    fields: list[FieldView]


def _options(choices: Any) -> list[tuple[str, str]]:
    return [(option.value, gettext(option.label)) for option in choices or ()]


def _translated(choices: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(key, gettext(label)) for key, label in choices]


def _setting(settings: Any, name: str) -> Any:
    """A field type's setting, None where its type has none. Read from the instance's fields: ``getattr`` with a
    default costs pydantic an exception for every setting a type lacks, and a page asks each field for all of them."""
    return getattr(settings, "__dict__", {}).get(name)


def _bound(settings: Any, name: str) -> int | str | None:
    """Number bounds as numbers; a date bound as "today" or, for the hint, the ISO date it is today."""
    value = _setting(settings, name)
    if isinstance(value, DateBound):
        return TODAY if value.text == TODAY else value.resolve(jst.today()).isoformat()
    return value


def field_view(
    f: FieldDef,
    raw: Raw,
    error: Message | None,
    choices: Choices | None = None,
    id_prefix: str = "field-",
    errors: Mapping[str, Message] | None = None,
) -> FieldView:
    """``id_prefix`` keeps ids unique where several forms share a page (a case's transitions); ``errors`` are the
    whole form's, where a repeating group finds its rows'."""
    settings = f.settings
    widget = registry.get(f.type).widget
    supplied = isinstance(f.field_type, SuppliedChoicesType)
    if supplied:
        options = list(choices or ())
    elif widget == "date":
        options = _translated(ERA_CHOICES)
    elif widget == "bank_account":
        options = _translated(KIND_CHOICES)
    else:
        options = _options(_setting(settings, "options"))
    return FieldView(
        name=f.name,
        widget=widget,
        input_id=f"{id_prefix}{f.name}",
        label=gettext(f.label),
        help=gettext(f.help) if f.help else None,
        required=f.required,
        error=error.render(gettext) if error else None,
        raw=raw,
        options=options,
        items=_options(_setting(settings, "items")),
        max_each=_setting(settings, "max_each"),
        min=_bound(settings, "min"),
        max=_bound(settings, "max"),
        rows=_setting(settings, "rows"),
        max_length=_setting(settings, "max_length"),
        autocomplete=AUTOCOMPLETE_BY_PREFILL.get(f.prefill or "") or AUTOCOMPLETE_BY_WIDGET.get(widget),
        show_if_field=f.show_if.field if f.show_if else None,
        show_if_values=list(f.show_if.accepted) if f.show_if else [],
        fills=_setting(settings, "fills"),
        unanswerable=supplied and choices is None,
        **_invalid_input(f, raw, f"{id_prefix}{f.name}", error),
        **(_file_view(f, raw) if widget == "file" else {}),
        **(_group_view(f, raw, errors or {}, id_prefix) if widget == "group" else {}),
    )


def _invalid_input(f: FieldDef, raw: Raw, input_id: str, error: Message | None) -> dict[str, Any]:
    """Which input of a several-input field the error concerns (when its type can tell), and the id linked to: the
    field's first input has ``input_id``, the others ``input_id`` and their own name after the field's
    (``field-account-branch``), as the macros write them."""
    invalid = f.field_type.error_input(f, raw) if error else None
    if invalid is None:
        return {}
    first = f.field_type.input_names(f)[0]
    return {
        "invalid_input": invalid,
        "invalid_id": input_id if invalid == first else input_id + invalid.removeprefix(f.name),
    }


def _group_view(f: FieldDef, raw: Raw, errors: Mapping[str, Message], id_prefix: str) -> dict[str, Any]:
    """Each shown row's fields, named and identified by row (``children-2-birth_date``), with their errors; and a
    blank row numbered ``ROW_PLACEHOLDER`` that portal.js copies to add a row in the page."""
    group = f.field_type
    assert isinstance(group, GroupType)
    settings = group.settings(f)
    least = group.rows_shown_at_least(f)
    shown = max(group.row_count(f, raw), least)

    def row(number: int | str, raw: Raw) -> GroupRow:
        prefix = f"{f.name}-{number}-"
        # Each sub field as if named by its row, so that whatever reads its inputs by name reads the row's.
        views = [
            field_view(
                sub.model_copy(update={"name": prefix + sub.name}),
                raw,
                errors.get(prefix + sub.name),
                id_prefix=id_prefix,
            )
            for sub in settings.fields
        ]
        heading = gettext("%(item)s %(number)s", item=gettext(settings.item_label), number=number)
        return GroupRow(number, heading, f"{id_prefix}{f.name}-{number}", views, shown > least)

    return {
        "group_rows": [row(number, raw) for number in range(1, shown + 1)],
        "row_template": row(ROW_PLACEHOLDER, {}),
        "item_label": gettext(settings.item_label),
        "least_rows": least,
    }


def _file_view(f: FieldDef, raw: Raw) -> dict[str, Any]:
    return {
        "attached": attachments.stored_refs(f, raw),
        "accept": ",".join(kind.media_type for kind in f.settings.accept),  # type: ignore[attr-defined]
        "max_count": f.settings.max_count,  # type: ignore[attr-defined]
        "file_hint": attachments.file_hint(f),
    }


def page_views(
    definition: ProcedureDefinition,
    raw: Raw,
    errors: Mapping[str, Message],
    choices: Mapping[str, Choices] | None = None,
) -> list[PageView]:
    """Every page at once (the correction form), without the fields not asked for what is known of the household
    (a household_members field's ``otherwise``)."""
    unasked, instead_of = not_asked(definition.fields, choices), asked_otherwise(definition.fields)
    return [
        _page_view(
            page,
            [
                _conditioned(
                    field_view(f, raw, errors.get(f.name), (choices or {}).get(f.name), errors=errors),
                    shown_when(f, instead_of),
                )
                for f in page.fields
                if f.name not in unasked
            ],
        )
        for page in definition.pages
    ]


def _conditioned(view: FieldView, condition: ShowIf | None) -> FieldView:
    """The view shown under ``condition``: its own show_if, or for a group asked otherwise, the replaced field's."""
    if condition is None:
        return view
    return replace(view, show_if_field=condition.field, show_if_values=list(condition.accepted))


def transition_views(
    transitions: Sequence[Transition],
    refused: str = "",
    raw: Raw | None = None,
    errors: Mapping[str, Message] | None = None,
) -> dict[str, list[FieldView]]:
    """The fields of each transition that has any (transition name → views), their ids prefixed by its name: one
    page shows every transition's form. The ``refused`` one shows what was typed (``raw``) and its ``errors``."""
    views: dict[str, list[FieldView]] = {}
    for t in transitions:
        if t.fields:
            typed, found = (raw or {}, errors or {}) if t.name == refused else ({}, {})
            views[t.name] = [field_view(f, typed, found.get(f.name), id_prefix=f"field-{t.name}-") for f in t.fields]
    return views


def step_view(
    definition: ProcedureDefinition,
    key: str,
    raw: Raw,
    errors: Mapping[str, Message],
    choices: Mapping[str, Choices] | None = None,
) -> PageView:
    """One page of the wizard. A field shown only for an answer given on another page is decided here from the
    draft (that answer is not on this page for the script to watch): left out while hidden, else shown plainly.
    A household_members field with ``otherwise`` is shown, or its group instead, by what is known of the household."""
    page = definition.page(key)
    on_page = {f.name for f in page.fields}
    hidden = validate(definition, raw, page=key, choices=choices).hidden
    unasked, instead_of = not_asked(definition.fields, choices), asked_otherwise(definition.fields)
    fields = []
    for f in page.fields:
        condition = shown_when(f, instead_of)
        elsewhere = condition is not None and condition.field not in on_page
        if f.name in unasked or (elsewhere and f.name in hidden):
            continue
        view = field_view(f, raw, errors.get(f.name), (choices or {}).get(f.name), errors=errors)
        fields.append(
            replace(view, show_if_field=None, show_if_values=[]) if elsewhere else _conditioned(view, condition)
        )
    return _page_view(page, fields)


def _page_view(page: Page, fields: list[FieldView]) -> PageView:
    return PageView(
        key=page.key, title=gettext(page.title), help=gettext(page.help) if page.help else None, fields=fields
    )


def typed_otherwise(fields: Sequence[FieldDef], choices: Mapping[str, Choices] | None) -> bool:
    """Whether ``fields`` ask a group instead of the household's members, because the household is unknown."""
    unasked = not_asked(fields, choices)
    return any(f.name in unasked for f in fields if otherwise(f) is not None)


def page_asks_household(page: Page) -> bool:
    """Whether the page has fields whose choices are the resident's recorded household."""
    return any(isinstance(f.field_type, SuppliedChoicesType) for f in page.fields)


def asks_household(definition: ProcedureDefinition) -> bool:
    """Whether the form has fields whose choices are the resident's recorded household."""
    return any(page_asks_household(page) for page in definition.pages)


def household_choices(definition: ProcedureDefinition, household: Household | None) -> dict[str, Choices]:
    """The recorded household as the choices of those fields (氏名 and 続柄); none when it is unknown."""
    if household is None:
        return {}
    members = [
        (
            person.person_id,
            gettext("%(name)s（%(relationship)s）", name=person.name.full, relationship=person.relationship),
        )
        for person in household.members
    ]
    return {f.name: members for f in definition.fields if isinstance(f.field_type, SuppliedChoicesType)}


def has_file_field(pages: list[PageView]) -> bool:
    """Whether the form must be sent as multipart/form-data."""
    return any(f.widget == "file" for page in pages for f in page.fields)


def error_summary(pages: list[PageView]) -> list[tuple[str, str]]:
    """(input id, message) of every error shown, a group's rows' in row order after the group's own."""
    return [
        (view.invalid_id or view.input_id, view.error)
        for page in pages
        for f in page.fields
        for view in _with_rows(f)
        if view.error
    ]


def _with_rows(view: FieldView) -> Iterator[FieldView]:
    yield view
    for row in view.group_rows:
        yield from row.fields


def transition_errors(views: Mapping[str, list[FieldView]]) -> list[tuple[str, str]]:
    """The error summary of a case page whose transition fields were refused."""
    return [(f.invalid_id or f.input_id, f.error) for fields in views.values() for f in fields if f.error]


def form_data(form: Mapping[str, Any]) -> dict[str, list[str]]:
    """A request form as the catalog's Raw mapping (every key to its list of values)."""
    return form.to_dict(flat=False)  # type: ignore[attr-defined, no-any-return]


def answers_from(form: Mapping[str, Any]) -> dict[str, list[str]]:
    """A posted procedure form's answers, without the inputs that are not."""
    return {name: values for name, values in form_data(form).items() if name not in NOT_ANSWERS}


def lookup_address(definition: ProcedureDefinition, raw: dict[str, list[str]], field_name: str) -> None:
    """The no-JavaScript 「住所を検索」 button: fill the address field named by the postal code's ``fills``."""
    try:
        fills = getattr(definition.field(field_name).settings, "fills", None)
    except KeyError:
        fills = None
    if not fills:
        abort(400)
    found = lookup_postal_code((raw.get(field_name) or [""])[0])
    if found:
        raw[fills] = [found.formatted]
        flash(gettext("郵便番号から住所を入力しました。番地などを続けて入力してください。"), "info")
    else:
        flash(gettext("その郵便番号の住所が見つかりませんでした。住所を直接入力してください。"), "error")


def change_rows(
    fields: Sequence[FieldDef], raw: Raw, form: Mapping[str, str]
) -> tuple[dict[str, list[str]], str] | None:
    """A repeating group's 追加 or 削除 button without JavaScript: ``raw`` with the row added or removed, and the id
    of the element to show next (the new row, or the group); None when neither button was pressed."""
    if GROUP_ADD in form:
        name, number = form[GROUP_ADD], None
    elif GROUP_REMOVE in form:
        name, _dash, number = form[GROUP_REMOVE].rpartition("-")
    else:
        return None
    group = next((f for f in fields if f.name == name and isinstance(f.field_type, GroupType)), None)
    if group is None:
        abort(400)
    field_type = group.field_type
    assert isinstance(field_type, GroupType)
    if number is None:
        added = field_type.with_row_added(group, raw)
        return added, f"field-{name}-{field_type.row_count(group, added)}"
    if not number.isdigit():
        abort(400)
    return field_type.with_row_removed(group, raw, int(number)), f"field-{name}"
