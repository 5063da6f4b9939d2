"""Cross-field rules: a definition's ``rules:`` relate answers to each other, from a closed set of kinds chosen
by ``kind:`` (required when another answer is given, a date after or before another, a total within a limit).
A rule looks only at fields that are shown and whose own answer is valid: a hidden field takes no part, and a
field with its own error keeps that error. A rule's error is attached to one named field, so the error summary
links to it; its text is the rule's ``message`` (Japanese, translated like labels) or a default naming the fields.

Each kind is a typed model with its own check; nothing written in a definition is ever evaluated as code.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, get_args

from pydantic import AfterValidator, Field

from portal.catalog.conditions import Frozen, Identifier, ShowIf
from portal.catalog.fieldtypes.base import Problem
from portal.catalog.fieldtypes.date import DateType
from portal.japan.wareki import format_date
from portal.messages import N_, Message
from portal.yamlsource import unknown_key

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

Fields = Mapping[str, "FieldDef"]
# Shown fields whose own answer is valid, by name (None = left empty); hidden and invalid ones are absent.
Answers = Mapping[str, Any]
Broken = tuple[str, Message]  # the field the error is shown at, and the message

_AND = N_("%(first)sと%(rest)s")  # joins the labels of a total's fields


class _Rule(Frozen):
    kind: str = Field(description="the kind of rule")
    message: str | None = Field(
        default=None, description="the error shown instead of the default one (Japanese, translated like labels)"
    )

    def reads(self) -> tuple[str, ...]:
        """Every field the rule looks at."""
        raise NotImplementedError

    def check(self, answers: Answers, fields: Fields) -> Broken | None:
        """The error when the rule does not hold; None when it holds or does not apply."""
        raise NotImplementedError

    def problems(self, fields: Fields) -> Iterator[Problem]:
        """What is wrong with the rule in this definition: paths relative to the rule."""
        raise NotImplementedError

    def _broken(self, field: FieldDef, msgid: str, **params: Any) -> Broken:
        return field.name, Message(self.message or msgid, {"label": Message(field.label), **params})


def _unique(names: tuple[str, ...]) -> tuple[str, ...]:
    if len(set(names)) < len(names):
        raise ValueError("同じ項目が2回書かれています")
    return names


def _named(key: tuple[str | int, ...], name: str, fields: Fields, wanted: Collection[str], kind: str) -> Problem | None:
    """A rule naming a field that does not exist (with the closest one) or that is not one of the ``wanted``
    names (fields of a suitable type); None when it is fine."""
    if name in wanted:
        return None
    if name in fields:
        return key, f"{name!r} は {fields[name].type} の項目です。この規則（{kind}）で使える項目: {', '.join(wanted)}"
    return key, unknown_key(name, list(wanted), f"この規則（{kind}）", "項目")


class RequiredIf(_Rule):
    """``field`` (written ``required: false``) must be answered when ``when`` holds."""

    kind: Literal["required_if"]
    field: Identifier = Field(description="the field that becomes required (written `required: false`)")
    when: ShowIf = Field(description="when it is required: another field's answer, as in show_if")

    def reads(self) -> tuple[str, ...]:
        return (self.field, self.when.field)

    def check(self, answers: Answers, fields: Fields) -> Broken | None:
        if self.field not in answers or answers[self.field] is not None:
            return None  # hidden, or answered
        if not self.when.matches(answers.get(self.when.field)):
            return None
        field = fields[self.field]
        return self._broken(field, field.field_type.required_msgid)

    def problems(self, fields: Fields) -> Iterator[Problem]:
        for key, name in ((("field",), self.field), (("when", "field"), self.when.field)):
            if (problem := _named(key, name, fields, list(fields), self.kind)) is not None:
                yield problem
        if self.field in fields and fields[self.field].required:
            yield (
                ("field",),
                f"{self.field!r} は常に必須です。required_if で必須にするには required: false と書いてください",
            )
        if self.field == self.when.field:
            yield ("when", "field"), f"field と when.field に同じ項目 {self.field!r} が書かれています"
        elif self.when.field in fields:
            for key, message in self.when.value_problems(fields[self.when.field]):
                yield ("when", *key), message


class ExcludedIf(_Rule):
    """``field`` may not be answered with any of ``values`` while ``when`` holds (世帯の一部 for someone else)."""

    kind: Literal["excluded_if"]
    field: Identifier = Field(description="a field with options (radio, select, checkboxes); the error is shown at it")
    values: Annotated[
        tuple[str, ...],
        Field(min_length=1, description="the options it may not be answered with"),
        AfterValidator(_unique),
    ]
    when: ShowIf = Field(description="when they are excluded: another field's answer, as in show_if")

    def reads(self) -> tuple[str, ...]:
        return (self.field, self.when.field)

    def check(self, answers: Answers, fields: Fields) -> Broken | None:
        value = answers.get(self.field)
        chosen = {str(item) for item in value} if isinstance(value, list) else {str(value)} if value else set()
        if chosen.isdisjoint(self.values) or not self.when.matches(answers.get(self.when.field)):
            return None
        return self._broken(
            fields[self.field],
            N_("%(label)sで選んだものは、%(other)sの回答とあわせて選べません"),
            other=Message(fields[self.when.field].label),
        )

    def problems(self, fields: Fields) -> Iterator[Problem]:
        closed = [name for name, field in fields.items() if field.field_type.option_values(field) is not None]
        if (problem := _named(("field",), self.field, fields, closed, self.kind)) is not None:
            yield problem
        elif self.field in fields:
            allowed = fields[self.field].field_type.option_values(fields[self.field]) or ()
            for index, value in enumerate(self.values):
                if value not in allowed:
                    yield (
                        ("values", index),
                        f"{value!r} is not an option of {self.field!r} (options: {', '.join(allowed)})",
                    )
        if (problem := _named(("when", "field"), self.when.field, fields, list(fields), self.kind)) is not None:
            yield problem
        elif self.field == self.when.field:
            yield ("when", "field"), f"field と when.field に同じ項目 {self.field!r} が書かれています"
        else:
            for key, message in self.when.value_problems(fields[self.when.field]):
                yield ("when", *key), message


class _DateOrder(_Rule):
    field: Identifier = Field(description="the date field checked; the error is shown at it")
    other: Identifier = Field(description="the date field it is compared with")
    min_days: int = Field(default=0, ge=0, le=36_500, description="days apart at least (0: the same day is accepted)")

    direction: ClassVar[int]  # +1: on or after, -1: on or before
    same_day: ClassVar[str]
    days_apart: ClassVar[str]

    def reads(self) -> tuple[str, ...]:
        return (self.field, self.other)

    def check(self, answers: Answers, fields: Fields) -> Broken | None:
        day, other = answers.get(self.field), answers.get(self.other)
        if day is None or other is None:
            return None  # hidden or not answered
        other_day = date.fromisoformat(other)
        if (date.fromisoformat(day) - other_day).days * self.direction >= self.min_days:
            return None
        return self._broken(
            fields[self.field],
            self.days_apart if self.min_days else self.same_day,
            other=Message(fields[self.other].label),
            date=format_date(other_day),
            days=self.min_days,
        )

    def problems(self, fields: Fields) -> Iterator[Problem]:
        dates = [name for name, field in fields.items() if isinstance(field.field_type, DateType)]
        for key, name in ((("field",), self.field), (("other",), self.other)):
            if (problem := _named(key, name, fields, dates, self.kind)) is not None:
                yield problem
        if self.field == self.other:
            yield ("other",), f"field と other に同じ項目 {self.field!r} が書かれています"


class DateAfter(_DateOrder):
    """The date ``field`` is on or after the date ``other``, at least ``min_days`` later."""

    kind: Literal["date_after"]
    direction = 1
    same_day = N_("%(label)sは%(other)s（%(date)s）以降の日付を入力してください")
    days_apart = N_("%(label)sは%(other)s（%(date)s）の%(days)d日後以降の日付を入力してください")


class DateBefore(_DateOrder):
    """The date ``field`` is on or before the date ``other``, at least ``min_days`` earlier."""

    kind: Literal["date_before"]
    direction = -1
    same_day = N_("%(label)sは%(other)s（%(date)s）以前の日付を入力してください")
    days_apart = N_("%(label)sは%(other)s（%(date)s）の%(days)d日前以前の日付を入力してください")


class _Total(_Rule):
    fields: Annotated[
        tuple[Identifier, ...],
        Field(
            min_length=1,
            description="number or item_counts fields (the counts of every item); the error is shown at the first shown",
        ),
        AfterValidator(_unique),
    ]

    def reads(self) -> tuple[str, ...]:
        return self.fields

    def check(self, answers: Answers, fields: Fields) -> Broken | None:
        shown = [fields[name] for name in self.fields if name in answers]
        if not shown:
            return None
        total = sum(f.field_type.amount(f, answers[f.name]) for f in shown if answers[f.name] is not None)
        exceeded = self.exceeded(total)
        if exceeded is None:
            return None
        msgid, limit = exceeded
        return self._broken(shown[0], msgid, fields=_joined([Message(f.label) for f in shown]), **limit)

    def problems(self, fields: Fields) -> Iterator[Problem]:
        quantities = [name for name, field in fields.items() if field.field_type.adds_up]
        for index, name in enumerate(self.fields):
            if (problem := _named(("fields", index), name, fields, quantities, self.kind)) is not None:
                yield problem

    def exceeded(self, total: int) -> tuple[str, dict[str, int]] | None:
        """The default message and the limit when ``total`` is outside it."""
        raise NotImplementedError


class TotalMax(_Total):
    """The answers of ``fields`` add up to at most ``max``."""

    kind: Literal["total_max"]
    max: int = Field(ge=0, description="the largest total accepted")

    def exceeded(self, total: int) -> tuple[str, dict[str, int]] | None:
        if total <= self.max:
            return None
        return N_("%(fields)sの合計は%(max)d以下にしてください"), {"max": self.max}


class TotalMin(_Total):
    """The answers of ``fields`` add up to at least ``min`` (an empty field counts 0)."""

    kind: Literal["total_min"]
    min: int = Field(ge=1, description="the smallest total accepted")

    def exceeded(self, total: int) -> tuple[str, dict[str, int]] | None:
        if total >= self.min:
            return None
        return N_("%(fields)sの合計は%(min)d以上にしてください"), {"min": self.min}


Rule = Annotated[RequiredIf | ExcludedIf | DateAfter | DateBefore | TotalMax | TotalMin, Field(discriminator="kind")]
# Each kind's model by the name written in ``kind:`` (the single value of its Literal).
KINDS: dict[str, type[_Rule]] = {
    get_args(model.model_fields["kind"].annotation)[0]: model for model in get_args(get_args(Rule)[0])
}


def _joined(labels: list[Message]) -> Message:
    first, *rest = labels
    return Message(_AND, {"first": first, "rest": _joined(rest)}) if rest else first


def broken_rules(
    rules: Iterable[_Rule], answers: Answers, invalid: Collection[str], fields: Fields
) -> dict[str, Message]:
    """Each rule's error by field, the first per field; rules reading an ``invalid`` field are skipped."""
    errors: dict[str, Message] = {}
    for rule in rules:
        if set(rule.reads()).isdisjoint(invalid):
            broken = rule.check(answers, fields)
            if broken is not None:
                errors.setdefault(*broken)
    return errors
