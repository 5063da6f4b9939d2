"""The YAML document shape administrators write, checked key by key before the graph is checked.

Kept apart from :mod:`portal.workflow.model` because the file speaks the administrator's language
(``from``/``to``, lists, optional keys) while the model speaks the engine's (tuples, frozensets, defaults
resolved). Every pydantic error location is a path into the YAML, so the loader can name its line.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints

from portal.roles import Role
from portal.workflow.model import ButtonStyle, CommentAudience, CommentRule, Condition, Effect

# State keys and transition names end up in URLs, form values and the database.
Key = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _as_list(value: Any) -> Any:
    """Let ``from: in_review`` stand for ``from: [in_review]``."""
    return [value] if isinstance(value, str) else value


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StateSpec(_Spec):
    label: Text
    final: StrictBool = False
    applicant_edits: StrictBool = False
    description: Text | None = None


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


class WorkflowSpec(_Spec):
    title: Text
    initial: Key
    states: Annotated[dict[Key, StateSpec], Field(min_length=1)]
    transitions: list[TransitionSpec]
