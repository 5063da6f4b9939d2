"""Checking a resident's answers against a definition, and turning stored answers back into forms/text.

Works on plain mappings shaped like ``request.form.to_dict(flat=False)`` so it needs no Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from portal.catalog.fieldtypes.base import Choices, FieldError, Raw, SuppliedChoicesType, Translate
from portal.catalog.fieldtypes.group import GroupError, GroupType
from portal.catalog.fieldtypes.household import asked_otherwise, not_asked, shown_when
from portal.catalog.model import FieldDef, ProcedureDefinition
from portal.catalog.rules import Rule, broken_rules
from portal.messages import Message


@dataclass(frozen=True)
class ValidationResult:
    values: dict[str, Any] = field(default_factory=dict)  # visible fields only; None = left empty
    # In field order, by field name; a repeating group's by row (``children-2-birth_date``, see error_field).
    errors: dict[str, Message] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()  # fields whose show_if does not hold, or not asked (otherwise), on every page

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(
    definition: ProcedureDefinition,
    raw: Raw,
    *,
    page: str | None = None,
    choices: Mapping[str, Choices] | None = None,
) -> ValidationResult:
    """Check all pages (the final submission) or only ``page``.

    ``choices`` holds, by field name, what the web layer supplies to fields whose choices are not in the
    definition (the recorded household); such a field with no choices cannot be answered, or is hidden and its
    ``otherwise`` group asked instead (hidden while the household is known).

    ``show_if`` may look back at earlier pages, so ``raw`` should hold their answers too, e.g.
    ``{**to_raw(definition, saved_other_pages), **form}`` (not this page's saved answers: an unticked box
    is absent from the form and would be revived). Only ``page``'s fields are reported and returned.

    The definition's ``rules`` are checked once every field has been read; their errors join the fields'.
    """
    checked = definition.page(page).fields if page is not None else None
    return validate_fields(definition.fields, raw, checked=checked, choices=choices, rules=definition.rules)


def validate_fields(
    fields: Sequence[FieldDef],
    raw: Raw,
    *,
    checked: Sequence[FieldDef] | None = None,
    choices: Mapping[str, Choices] | None = None,
    rules: Sequence[Rule] = (),
) -> ValidationResult:
    """:func:`validate` for any list of fields (a definition's, a workflow transition's inputs), reporting and
    returning only those in ``checked`` (default: all of them), with ``rules`` checked after the fields."""
    reported = {f.name for f in (fields if checked is None else checked)}
    parsed: dict[str, Any] = {}  # every visible field whose answer is valid, for show_if and the rules
    invalid: set[str] = set()
    values: dict[str, Any] = {}
    errors: dict[str, Message] = {}
    hidden: set[str] = set()
    instead_of = asked_otherwise(fields)
    unasked = not_asked(fields, choices)
    for field_def in fields:
        condition = shown_when(field_def, instead_of)
        shown = condition is None or condition.matches(parsed.get(condition.field))
        if not shown or field_def.name in unasked:
            hidden.add(field_def.name)
            continue  # hidden: neither validated nor stored
        field_type = field_def.field_type
        try:
            value = field_type.parse(field_def, raw)
            if value is not None and isinstance(field_type, SuppliedChoicesType):
                value = field_type.choose(field_def, value, (choices or {}).get(field_def.name))
            if value is None and field_def.required:
                raise field_type.error(field_def, field_type.required_msgid)
        except GroupError as exc:
            invalid.add(field_def.name)
            if field_def.name in reported:
                errors.update(exc.errors)
            continue
        except FieldError as exc:
            invalid.add(field_def.name)
            if field_def.name in reported:
                errors[field_def.name] = exc.message
            continue
        parsed[field_def.name] = value
        if field_def.name in reported:
            values[field_def.name] = value
    by_name = {f.name: f for f in fields}
    for name, message in broken_rules(rules, parsed, invalid, by_name).items():
        if name in reported:
            errors.setdefault(name, message)
    in_field_order = {key: errors[key] for name in by_name for key in errors if error_field(key) == name}
    return ValidationResult(values=values, errors=in_field_order, hidden=frozenset(hidden))


def error_field(key: str) -> str:
    """The field an error key belongs to: itself, or the group of a row's (field names hold no "-")."""
    return key.split("-", 1)[0]


def prefill(definition: ProcedureDefinition, profile_values: Mapping[str, str]) -> dict[str, Any]:
    """Answers taken from the resident's profile, normalised by each field's type; unusable ones skipped."""
    values: dict[str, Any] = {}
    for field_def in definition.fields:
        text = profile_values.get(field_def.prefill or "")
        if not text:
            continue
        field_type = field_def.field_type
        try:
            value = field_type.parse(field_def, field_type.to_raw(field_def, text))
        except ValueError:  # a FieldError, or a profile value the type cannot even read (bad ISO date)
            continue
        if value is not None:
            values[field_def.name] = value
    return values


def to_raw(definition: ProcedureDefinition, values: Mapping[str, Any]) -> dict[str, list[str]]:
    """Form inputs that reproduce stored ``values`` (editing a returned application, prefilled forms)."""
    raw: dict[str, list[str]] = {}
    for field_def in definition.fields:
        if field_def.name in values:
            raw.update(field_def.field_type.to_raw(field_def, values[field_def.name]))
    return raw


@dataclass(frozen=True)
class Answer:
    name: str
    label: str
    text: str
    rows: list[tuple[str, list[tuple[str, str]]]] | None = None  # a repeating group's: (heading, [(label, text)])


@dataclass(frozen=True)
class AnsweredPage:
    key: str
    title: str
    answers: list[Answer]


def answers_by_page(
    definition: ProcedureDefinition,
    values: Mapping[str, Any],
    translate: Translate,
    choices: Mapping[str, Choices] | None = None,
) -> list[AnsweredPage]:
    """The answered fields page by page, everything translated; pages without an answer are left out.

    Fields whose choices are supplied show their answers by ``choices`` labels (names, not person ids)."""
    pages = []
    for page in definition.pages:
        answers = [_answer(f, values[f.name], translate, choices) for f in page.fields if f.name in values]
        if answers:
            pages.append(AnsweredPage(page.key, translate(page.title), answers))
    return pages


def _answer(field_def: FieldDef, value: Any, translate: Translate, choices: Mapping[str, Choices] | None) -> Answer:
    field_type = field_def.field_type
    rows = field_type.rows_display(field_def, value, translate) if isinstance(field_type, GroupType) else None
    return Answer(field_def.name, translate(field_def.label), _display(field_def, value, translate, choices), rows)


def display_answers(
    definition: ProcedureDefinition,
    values: Mapping[str, Any],
    translate: Translate,
    choices: Mapping[str, Choices] | None = None,
) -> list[tuple[str, list[tuple[str, str]]]]:
    """(page title, [(field label, answer text)]) for the answered fields (see :func:`answers_by_page`); a repeating
    group's answer is its rows instead of a text, [(row heading, [(label, text)])]."""
    return [
        (page.title, [(answer.label, answer.rows or answer.text) for answer in page.answers])
        for page in answers_by_page(definition, values, translate, choices)
    ]


def display_fields(
    fields: Sequence[FieldDef],
    values: Mapping[str, Any],
    translate: Translate,
    choices: Mapping[str, Choices] | None = None,
) -> list[tuple[str, str]]:
    """[(field label, answer text)] of the ``fields`` that have a key in ``values``, translated."""
    return [(translate(f.label), _display(f, values[f.name], translate, choices)) for f in fields if f.name in values]


def _display(field_def: FieldDef, value: Any, translate: Translate, choices: Mapping[str, Choices] | None) -> str:
    field_type = field_def.field_type
    if isinstance(field_type, SuppliedChoicesType):
        return field_type.display_among(field_def, value, translate, (choices or {}).get(field_def.name))
    return field_type.display(field_def, value, translate)
