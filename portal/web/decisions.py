"""A case's decision, one at a time: the person chooses an action among those they may fire now, then fills that
action's fields and comment, then confirms with its button (the case page's decision panel; a resident's 取下げ is
the same form without the choosing).

Choosing is a plain GET (``?action=<name>``) that renders the chosen action's form, so it works without
JavaScript; portal.js shows the chosen form in place instead. A decision refused for what was filled comes back
chosen, with what was typed and each error marked on its field, the comment's included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext

from portal.messages import Message
from portal.web.formview import FieldView, field_view
from portal.workflow import COMMENT, Transition, WorkflowDefinition


@dataclass(frozen=True)
class Refused:
    """A decision refused for what was filled: shown again with what was typed and why."""

    transition: str
    raw: Mapping[str, list[str]]
    errors: Mapping[str, Message]  # by field name, the comment's under COMMENT
    comment: str


NOTHING_REFUSED = Refused("", {}, {}, "")


@dataclass(frozen=True)
class Step:
    """One action's form: its fields (ids prefixed by the action, several forms sharing a page), the comment as
    typed and its error, and the state the case goes to."""

    transition: Transition
    fields: list[FieldView]
    target_label: str
    ends_case: bool = False  # it leads to a final state (取下げ, 却下, 交付)
    comment: str = ""
    comment_error: str | None = None

    @property
    def comment_id(self) -> str:
        return f"comment-{self.transition.name}"


@dataclass(frozen=True)
class Decision:
    steps: list[Step]
    chosen: str | None  # the action whose form is shown; None: still to choose
    unavailable: bool = False  # an action was asked for that this person cannot fire now (another acted first)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (input id, message) for the error summary

    @property
    def choosing(self) -> bool:
        """More than one action: choose first. A single one is chosen already."""
        return len(self.steps) > 1


def decision(
    workflow: WorkflowDefinition,
    transitions: Sequence[Transition],
    requested: str | None = None,
    refused: Refused = NOTHING_REFUSED,
    *,
    staff: bool = True,
) -> Decision:
    """The panel for ``transitions`` (those the person may fire now, in the workflow's order), with ``requested``
    (``?action=``) chosen when it is one of them, or the ``refused`` one shown again. States are named as
    ``staff`` or the applicant read them."""
    steps = [
        _step(workflow, t, refused if t.name == refused.transition else NOTHING_REFUSED, staff) for t in transitions
    ]
    names = [t.name for t in transitions]
    wanted = refused.transition or requested
    chosen = wanted if wanted in names else names[0] if len(names) == 1 else None
    errors = [(view.input_id, view.error) for step in steps for view in step.fields if view.error] + [
        (step.comment_id, step.comment_error) for step in steps if step.comment_error
    ]
    return Decision(steps, chosen, unavailable=bool(wanted) and wanted not in names, errors=errors)


def _step(workflow: WorkflowDefinition, t: Transition, refused: Refused, staff: bool) -> Step:
    fields = [
        field_view(f, refused.raw, refused.errors.get(f.name), id_prefix=f"field-{t.name}-", errors=refused.errors)
        for f in t.fields
    ]
    comment_error = refused.errors.get(COMMENT)
    target = workflow.state(t.target)
    return Step(
        transition=t,
        fields=fields,
        target_label=gettext(target.label if staff else target.label_for_applicant),
        ends_case=target.final,
        comment=refused.comment,
        comment_error=comment_error.render(gettext) if comment_error else None,
    )
