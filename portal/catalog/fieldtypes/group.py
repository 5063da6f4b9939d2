"""A repeating group (世帯員, children, animals): the same few questions once per row, ``min`` to ``max`` rows.

Rows are numbered from 1 in the inputs: ``<group>-rows`` says how many rows the form shows, and row i's answer
to a sub field sits under ``<group>-<i>-<the sub field's own input name>``, so each sub field's type reads its
row as if it were alone. A row left wholly blank is dropped: an extra empty row never blocks 次へ. The answer is
the list of rows, each ``{sub field name: value}`` without empty answers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from pydantic import Field, model_validator

from portal.catalog.fieldtypes.base import FieldError, FieldType, Problem, Raw, Settings, Translate
from portal.catalog.registry import register
from portal.messages import N_, Message

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

ROWS = "rows"
MOST_ROWS = 50  # the largest ``max`` a definition may give: every row's inputs are named up front
# Kinds of answer a row cannot hold: a row has no files, no nested rows, and no recorded household to choose from.
NOT_IN_GROUP = frozenset({"group", "file", "household_members"})
_ROW_ERROR = N_("%(item)s %(number)d：%(error)s")
_ROW_TEXT = N_("%(item)s %(number)s")


class GroupSettings(Settings):
    """``fields`` are asked once per row; ``item_label`` names a row (「児童」 → 児童 1, 児童 2)."""

    fields: tuple[FieldDef, ...] = Field(
        min_length=1,
        description="the questions of one row, written like a page's fields; no group, file or household_members, "
        "and no show_if, prefill or postal code fills inside a row",
    )
    item_label: str = Field(
        min_length=1, description="what one row is (児童): headings 児童 1, 児童 2 and 「児童を追加」"
    )
    min: int = Field(default=1, ge=1, description="rows at least, when answered (a required group always is)")
    max: int = Field(ge=1, le=MOST_ROWS, description=f"rows at most (up to {MOST_ROWS})")

    @model_validator(mode="after")
    def _ordered(self) -> GroupSettings:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is larger than max ({self.max}): no number of rows is allowed")
        return self


class GroupError(FieldError):
    """Rows with unacceptable answers: ``errors`` by the input key of each sub field (``children-2-birth_date``)."""

    def __init__(self, errors: Mapping[str, Message]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = dict(errors)


class GroupType(FieldType[GroupSettings]):
    """A repeating group: ``fields`` asked once per row (世帯員, children, animals), between ``min`` and ``max`` rows,
    which residents add and remove with buttons (no JavaScript needed). A row left blank is dropped; an error names
    its row (「児童 2：生年月日を入力してください」). Stored as a list of rows, ``[{sub field name: value}]``: so
    the confirmation page and the back office list them, and a certificate reads ``answers.<name>``."""

    name = "group"
    widget = "group"
    settings_model = GroupSettings
    prefillable = False

    def input_names(self, field: FieldDef) -> tuple[str, ...]:
        return (self.rows_input(field),) + tuple(
            f"{self.row_prefix(field, number)}{name}"
            for number in range(1, self.settings(field).max + 1)
            for sub in self.settings(field).fields
            for name in sub.field_type.input_names(sub)
        )

    @staticmethod
    def rows_input(field: FieldDef) -> str:
        return f"{field.name}-{ROWS}"

    @staticmethod
    def row_prefix(field: FieldDef, number: int) -> str:
        return f"{field.name}-{number}-"

    def row_count(self, field: FieldDef, raw: Raw) -> int:
        """How many rows the form showed (never more than ``max``): the rows input, else the last row typed in."""
        most = self.settings(field).max
        shown = self.first(raw, self.rows_input(field)).strip()
        if shown.isascii() and shown.isdigit():
            return min(int(shown[-3:]), most)
        numbers = (self._row_number(field, name) for name in raw)
        return min(max((n for n in numbers if n is not None), default=0), most)

    def _row_number(self, field: FieldDef, name: str) -> int | None:
        number, dash, _rest = name.removeprefix(f"{field.name}-").partition("-")
        return int(number) if name.startswith(f"{field.name}-") and dash and number.isdigit() else None

    def row_raw(self, field: FieldDef, raw: Raw, number: int) -> dict[str, list[str]]:
        """Row ``number``'s inputs under its sub fields' own names."""
        prefix = self.row_prefix(field, number)
        return {name.removeprefix(prefix): list(values) for name, values in raw.items() if name.startswith(prefix)}

    def _blank(self, field: FieldDef, row: Raw) -> bool:
        return all(sub.field_type.is_empty(sub, row) for sub in self.settings(field).fields)

    def is_empty(self, field: FieldDef, raw: Raw) -> bool:
        return all(
            self._blank(field, self.row_raw(field, raw, number)) for number in range(1, self.row_count(field, raw) + 1)
        )

    def parse(self, field: FieldDef, raw: Raw) -> list[dict[str, Any]] | None:
        """Every row that is not blank; GroupError names each bad answer by its row."""
        settings = self.settings(field)
        rows: list[dict[str, Any]] = []
        errors: dict[str, Message] = {}
        for number in range(1, self.row_count(field, raw) + 1):
            row_raw = self.row_raw(field, raw, number)
            if self._blank(field, row_raw):
                continue
            row: dict[str, Any] = {}
            for sub in settings.fields:
                try:
                    value = sub.field_type.parse(sub, row_raw)
                    if value is None and sub.required:
                        raise sub.field_type.error(sub, sub.field_type.required_msgid)
                except FieldError as exc:
                    item = Message(settings.item_label)
                    errors[self.row_prefix(field, number) + sub.name] = Message(
                        _ROW_ERROR, {"item": item, "number": number, "error": exc.message}
                    )
                    continue
                if value is not None:
                    row[sub.name] = value
            rows.append(row)
        if errors:
            raise GroupError(errors)
        if not rows:
            return None
        if len(rows) < settings.min:
            raise self.error(field, N_("%(label)sは%(min)d件以上入力してください"), min=settings.min)
        return rows

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        rows = value or []
        raw: dict[str, list[str]] = {self.rows_input(field): [str(len(rows))]}
        for number, row in enumerate(rows, start=1):
            prefix = self.row_prefix(field, number)
            for sub in self.settings(field).fields:
                if sub.name in row:
                    raw.update({prefix + name: v for name, v in sub.field_type.to_raw(sub, row[sub.name]).items()})
        return raw

    def rows_display(
        self, field: FieldDef, value: Any, translate: Translate
    ) -> list[tuple[str, list[tuple[str, str]]]]:
        """(row heading, [(sub field label, answer text)]) per row: the confirmation page and the back office."""
        settings = self.settings(field)
        return [
            (
                Message(_ROW_TEXT, {"item": Message(settings.item_label), "number": number}).render(translate),
                [
                    (translate(sub.label), sub.field_type.display(sub, row[sub.name], translate))
                    for sub in settings.fields
                    if sub.name in row
                ],
            )
            for number, row in enumerate(value or [], start=1)
        ]

    def sample(self, field: FieldDef) -> list[dict[str, Any]]:
        settings = self.settings(field)
        return [{sub.name: sub.field_type.sample(sub) for sub in settings.fields} for _ in range(settings.min)]

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        """One line per row: 「児童 1：氏 山田、名 花子」."""
        separator = translate(N_("、"))
        return "\n".join(
            f"{heading}：" + separator.join(f"{label} {text}" for label, text in answers)
            for heading, answers in self.rows_display(field, value, translate)
        )

    def with_row_added(self, field: FieldDef, raw: Raw) -> dict[str, list[str]]:
        """``raw`` with one more (blank) row shown, unless ``max`` are shown already."""
        shown = max(self.row_count(field, raw), self.rows_shown_at_least(field))
        return {**raw, self.rows_input(field): [str(min(shown + 1, self.settings(field).max))]}

    def with_row_removed(self, field: FieldDef, raw: Raw, number: int) -> dict[str, list[str]]:
        """``raw`` without row ``number``; the rows after it move up one, so the numbers stay 1…n."""
        shown = max(self.row_count(field, raw), self.rows_shown_at_least(field))
        if not 1 <= number <= shown:
            return dict(raw)
        kept = {name: list(values) for name, values in raw.items() if self._row_number(field, name) is None}
        for old in range(1, shown + 1):
            if old == number:
                continue
            new = old if old < number else old - 1
            kept.update({self.row_prefix(field, new) + k: v for k, v in self.row_raw(field, raw, old).items()})
        kept[self.rows_input(field)] = [str(shown - 1)]
        return kept

    def rows_shown_at_least(self, field: FieldDef) -> int:
        """Blank rows a form opens with: ``min`` for a required group, none for an optional one."""
        return self.settings(field).min if field.required else 0

    def check(self, field: FieldDef, fields: Mapping[str, FieldDef]) -> Iterator[Problem]:
        subs = self.settings(field).fields
        seen: set[str] = set()
        for index, sub in enumerate(subs):
            path: tuple[str | int, ...] = ("fields", index)
            if sub.name in seen:
                yield (*path, "name"), f"duplicate field name {sub.name!r} in the group"
            seen.add(sub.name)
            if sub.type in NOT_IN_GROUP:
                yield (*path, "type"), f"a group cannot hold a {sub.type} field"
            for key in ("show_if", "prefill"):
                if getattr(sub, key) is not None:
                    yield (*path, key), f"a field in a group cannot have {key}"
            if getattr(sub.settings, "fills", None):
                yield (*path, "fills"), "a postal code in a group cannot fill an address"
            yield from (((*path, *p), text) for p, text in sub.field_type.check(sub, {s.name: s for s in subs}))


register(GroupType())
