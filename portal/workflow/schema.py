"""The YAML document shape administrators write, checked key by key before the graph is checked.

Kept apart from :mod:`portal.workflow.model` because the file speaks the administrator's language
(``from``/``to``, lists, optional keys) while the model speaks the engine's (tuples, frozensets, defaults
resolved). Every pydantic error location is a path into the YAML, so the loader can name its line.
"""

from __future__ import annotations

import re
from string import Formatter
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints

from portal.catalog.model import FieldDef
from portal.roles import Role
from portal.workflow.model import ApplicantNotice, ButtonStyle, Clock, CommentAudience, CommentRule, Condition, Effect

# State keys and transition names end up in URLs, form values and the database.
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _as_list(value: Any) -> Any:
    """Let ``from: in_review`` stand for ``from: [in_review]``."""
    return [value] if isinstance(value, str) else value


NUMBER_LENGTH = 32  # Submission.assigned_number
_PLACES = ("year", "n")


def _number_format(value: str) -> str:
    """Only ``{year}`` and ``{n}`` with a format spec (``{n:05d}``): no attribute, index or nested field, so a
    format can never reach anything but two integers, nor a width that fills memory; and what it makes fits
    the column."""
    try:
        places = [
            (name, spec, conversion) for _, name, spec, conversion in Formatter().parse(value) if name is not None
        ]
    except ValueError as exc:
        raise ValueError(f"not a format: {exc}") from None
    for name, spec, conversion in places:
        if name not in _PLACES:
            raise ValueError(f"{{{name}}} is not allowed: only {{year}} and {{n}}, e.g. {{year}}-{{n:05d}}")
        if conversion:
            raise ValueError(f"{{{name}!{conversion}}}: no conversion; write a format spec, e.g. {{n:05d}}")
        if "{" in spec:
            raise ValueError(f"{{{name}:{spec}}}: a format spec cannot hold another field")
        if any(int(digits) > NUMBER_LENGTH for digits in re.findall(r"[0-9]+", spec)):
            raise ValueError(f"{{{name}:{spec}}}: no width or precision above {NUMBER_LENGTH}")
    if "n" not in (name for name, _, _ in places):
        raise ValueError("the format needs {n}, the number in the series")
    try:
        longest = value.format(year=9999, n=999_999_999)
    except ValueError as exc:
        raise ValueError(f"cannot format a number with it: {exc}") from None
    if len(longest) > NUMBER_LENGTH:
        raise ValueError(f"makes numbers longer than {NUMBER_LENGTH} characters ({longest!r})")
    return value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StateSpec(_Spec):
    label: Text
    final: StrictBool = False
    applicant_edits: StrictBool = False
    description: Text | None = None
    clock: Clock = Field(
        default=Clock.RUNNING,
        description="paused: the case waits for the applicant (差戻し); paused_until_paid: for their online payment",
    )
    notify: ApplicantNotice | None = Field(
        default=None,
        description="the email the applicant gets when staff move the case here: issued, completed or rejected on a "
        "final state; returned (the default of applicant_edits states)",
    )
    resident_label: Text | None = Field(
        default=None, description="what residents read instead of label (決裁待ち → 審査中); label when absent"
    )


class TransitionSpec(_Spec):
    name: Key
    label: Text
    sources: Annotated[list[Key], BeforeValidator(_as_list), Field(alias="from", min_length=1)]
    target: Annotated[Key, Field(alias="to")]
    roles: Annotated[list[Role], Field(min_length=1)]
    comment: CommentRule = CommentRule.NONE
    comment_visible_to: CommentAudience | None = None  # None: the loader decides from the graph
    distinct_from: list[Key] = []
    effects: list[Effect] = []
    requires: list[Condition] = []
    style: ButtonStyle = ButtonStyle.PRIMARY
    confirm: Text | None = None
    fields: list[FieldDef] = Field(default=[], description="typed like pages[].fields[]; filled by staff")
    checks_requester: StrictBool = Field(
        default=False,
        description="on a request for someone else (a definition's requester), the staff member firing it confirms "
        "they checked the 委任状, the legal representative's document or the third party's reason",
    )


class NumberingSpec(_Spec):
    name: Annotated[Key, Field(max_length=64, description="the series; workflows naming the same one share it")]
    label: Text
    format: Annotated[str, AfterValidator(_number_format), Field(description="{year} and {n}, e.g. {year}-{n:05d}")]


class WorkflowSpec(_Spec):
    title: Text
    initial: Key
    numbering: NumberingSpec | None = None
    states: Annotated[dict[Key, StateSpec], Field(min_length=1)]
    transitions: list[TransitionSpec]
