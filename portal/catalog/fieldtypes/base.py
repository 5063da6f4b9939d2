"""The contract every field type fulfils, and the error it raises for bad input.

A field type owns one kind of answer end to end: which request keys it reads, how the resident's typing
is normalised and checked, how the stored value is turned back into inputs and into text for people.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from portal.catalog.characters import UNPRINTABLE, code_point, refused_character
from portal.certificates.fonts import certificate_glyphs
from portal.messages import N_, Message

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

# Submitted form data, shaped like werkzeug's ``MultiDict.to_dict(flat=False)``.
Raw = Mapping[str, list[str]]
Translate = Callable[[str], str]


class Verbatim(str):
    """An answer shown as the person wrote it or the record holds it (a name, an address), not a text of the
    catalog: pages in any language keep it in Japanese (``lang="ja"``) and add no readings (furigana) to it."""


# (value, label) pairs the web layer supplies per request to a SuppliedChoicesType (not in the definition).
Choices = Sequence[tuple[str, str]]
# A problem found in a field's definition: path relative to the field, and an explanation for admins.
Problem = tuple[tuple[str | int, ...], str]


class FieldError(ValueError):
    """The resident's input for one field is unacceptable; ``message`` says why, naming the label."""

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


class Settings(BaseModel):
    """Type-specific keys of a field definition; unknown keys are errors like everywhere else."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class NoSettings(Settings):
    """For types that take no keys beyond the common ones."""


S = TypeVar("S", bound=Settings)


class FieldType(Generic[S]):
    """Base of the registered field types; subclasses set the class attributes and ``parse_present``."""

    name: ClassVar[str]
    widget: ClassVar[str]  # what the web renderer switches on
    settings_model: ClassVar[type[Settings]] = NoSettings
    required_msgid: ClassVar[str] = N_("%(label)sを入力してください")
    prefillable: ClassVar[bool] = True  # may name a profile key in ``prefill:``
    multiline: ClassVar[bool] = False  # line breaks are part of the answer (a textarea)
    printed: ClassVar[bool] = False  # free text a certificate may print: every character needs a glyph
    adds_up: ClassVar[bool] = False  # a quantity total_min/total_max rules add (see ``amount``)

    def settings(self, field: FieldDef) -> S:
        return field.settings  # type: ignore[return-value]  # validated against settings_model on load

    def input_names(self, field: FieldDef) -> tuple[str, ...]:
        return (field.name,)

    def is_empty(self, field: FieldDef, raw: Raw) -> bool:
        return all(not value.strip() for name in self.input_names(field) for value in raw.get(name, ()))

    def parse(self, field: FieldDef, raw: Raw) -> Any:
        """The normalised JSON-able value, or None for empty input; raises FieldError for bad input."""
        self.check_characters(field, raw)
        if self.is_empty(field, raw):
            return None
        return self.parse_present(field, raw)

    def parse_present(self, field: FieldDef, raw: Raw) -> Any:
        raise NotImplementedError

    def error_input(self, field: FieldDef, raw: Raw) -> str | None:
        """The input a refused answer is wrong in, for types of several inputs that can tell (the page marks it
        invalid and the error summary links to it); None: the field as a whole."""
        return None

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        """Inputs that parse back to ``value``: re-displaying stored answers and prefill."""
        return {} if value is None else {field.name: [str(value)]}

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        """Text for people (confirmation page, back office, certificate); empty answers read as blank."""
        return "" if value is None else Verbatim(value)

    def sample(self, field: FieldDef) -> Any:
        """A stored answer as a resident could give it: ``catalog check`` prints each certificate with one."""
        raise NotImplementedError

    def option_values(self, field: FieldDef) -> tuple[str, ...] | None:
        """The values a ``show_if`` may compare against, for types with a closed set of answers."""
        return None

    def amount(self, field: FieldDef, value: Any) -> int:
        """What a total rule adds for an answer (not None); only types that set ``adds_up``."""
        raise NotImplementedError

    def check(self, field: FieldDef, fields: Mapping[str, FieldDef]) -> Iterator[Problem]:
        """Problems that need the other fields of the definition (e.g. ``fills:`` naming one)."""
        return iter(())

    def error(self, field: FieldDef, msgid: str, **params: Any) -> FieldError:
        """A FieldError whose message names the field's label (translated by the web layer as a msgid)."""
        return FieldError(Message(msgid, {"label": Message(field.label), **params}))

    def check_characters(self, field: FieldDef, raw: Raw) -> None:
        """Every type, before reading its inputs: no bidi or other control characters (see characters.py); free
        text also nothing the certificate fonts cannot print (portal.certificates.fonts)."""
        for name in self.input_names(field):
            for value in raw.get(name, ()):
                refused = refused_character(value, multiline=self.multiline)
                if refused is not None:
                    char, msgid = refused
                    raise self.error(field, msgid, code=code_point(char))
                if self.printed and (unprintable := certificate_glyphs().unprintable(value)) is not None:
                    raise self.error(field, UNPRINTABLE, code=code_point(unprintable), char=unprintable)

    def check_digits(self, field: FieldDef, digits: str, max_digits: int) -> str:
        """Before int(): no answer needs more digits, and Python refuses to convert over 4,300 of them."""
        if len(digits) > max_digits:
            raise self.error(field, N_("%(label)sの数字が長すぎます。%(max)d桁以内で入力してください"), max=max_digits)
        return digits

    def check_length(self, field: FieldDef, text: str, max_length: int) -> str:
        if len(text) > max_length:
            raise self.error(field, N_("%(label)sは%(max)d文字以内で入力してください"), max=max_length)
        return text

    @staticmethod
    def first(raw: Raw, name: str) -> str:
        values = raw.get(name) or [""]
        return values[0]


class SuppliedChoicesType(FieldType[NoSettings]):
    """A type whose choices the web layer supplies; without them the field cannot be answered."""

    def choose(self, field: FieldDef, value: Any, choices: Choices | None) -> Any:
        """``value`` (already parsed, not None) kept only when it is among ``choices``."""
        raise NotImplementedError

    def display_among(self, field: FieldDef, value: Any, translate: Translate, choices: Choices | None) -> str:
        raise NotImplementedError
