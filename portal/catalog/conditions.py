"""A condition on another field's answer, and the model basics it shares with the definition models.

``show_if`` (show a field) and a rule's ``when`` (apply a rule) are the same condition, so both
:mod:`portal.catalog.model` and :mod:`portal.catalog.rules` build on this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from portal.catalog.fieldtypes.base import Problem

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShowIf(Frozen):
    """Holds when another field's answer is ``equals`` or one of ``in``."""

    field: Identifier
    equals: str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in", min_length=1)

    @model_validator(mode="after")
    def _one_condition(self) -> ShowIf:
        if (self.equals is None) == (self.in_ is None):
            raise PydanticCustomError("show_if", "write exactly one of 'equals' and 'in'")
        return self

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.equals,) if self.equals is not None else self.in_ or ()

    def matches(self, value: Any) -> bool:
        """Whether the controlling field's parsed ``value`` meets the condition (lists: any selected)."""
        if value is None:
            return False
        if isinstance(value, bool):
            answers = {"true" if value else "false"}
        elif isinstance(value, list):
            answers = {str(item) for item in value}
        else:
            answers = {str(value)}
        return not answers.isdisjoint(self.accepted)

    def value_problems(self, target: FieldDef) -> Iterator[Problem]:
        """Values ``target`` (the field named) can never answer, for types with a closed set of answers."""
        allowed = target.field_type.option_values(target)
        if allowed is None:
            return
        keys = [("equals",)] if self.equals is not None else [("in", i) for i in range(len(self.accepted))]
        for key, value in zip(keys, self.accepted, strict=True):
            if value not in allowed:
                yield key, f"{value!r} is not an option of {target.name!r} (options: {', '.join(allowed)})"
