"""Decide who may fire which transition now, as pure functions of the definition and the history.

No I/O: the application loads the submission, asks here, then persists the :class:`Outcome` and acts on
its effects. The buttons shown and the check on POST share one rule, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portal.catalog import Raw, validate_fields
from portal.catalog.characters import code_point, refused_character
from portal.messages import N_, Message
from portal.roles import Role
from portal.workflow.model import CommentRule, Condition, Transition, WorkflowDefinition

MAX_COMMENT_LENGTH = 2000

# Why a transition that ``requires`` a condition is refused while the condition does not hold.
UNMET = {
    Condition.RECORD_MATCH: N_("住民記録と照合できていないため、この操作はできません。差戻しまたは却下してください。"),
    Condition.PAID: N_("申請者のオンライン決済による手数料の支払いが完了していないため、この操作はできません。"),
}


@dataclass(frozen=True)
class Actor:
    """Whoever fires a transition; a resident holds Role.APPLICANT only for their own submission."""

    id: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class HistoryEntry:
    """A transition already fired on the submission (history is passed oldest first)."""

    transition: str
    actor_id: str


@dataclass(frozen=True)
class Outcome:
    transition: Transition
    source: str
    target: str
    comment: str | None = None  # stripped; None when blank, ready to store
    inputs: Mapping[str, Any] | None = None  # the transition's fields, validated (None: it has none)


class TransitionRefused(Exception):
    """The transition may not be fired; ``reason`` is shown to the person who tried."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


COMMENT = "comment"  # the comment's key among InputsRefused.errors (no transition field may take the name)


class InputsRefused(TransitionRefused):
    """The transition may be fired, but not with what was filled in: ``errors`` by field name, in field order,
    then the comment's under :data:`COMMENT` (missing where required, too long, a refused character). Its
    ``reason`` is the comment's error when that is the only one, so a page without the fields can say it."""

    def __init__(self, errors: Mapping[str, Message]) -> None:
        only_comment = list(errors) == [COMMENT]
        super().__init__(errors[COMMENT] if only_comment else Message(N_("入力内容にエラーがあります")))
        self.errors = errors


def available_transitions(
    workflow: WorkflowDefinition,
    state: str,
    actor: Actor,
    history: Sequence[HistoryEntry],
    facts: frozenset[Condition] = frozenset(),
) -> tuple[Transition, ...]:
    """Exactly the transitions ``actor`` may fire from ``state`` while ``facts`` hold, in definition order."""
    return tuple(t for t in workflow.outgoing(state) if _refusal(workflow, state, t, actor, history, facts) is None)


def apply_transition(
    workflow: WorkflowDefinition,
    state: str,
    name: str,
    actor: Actor,
    history: Sequence[HistoryEntry],
    comment: str | None,
    facts: frozenset[Condition] = frozenset(),
    inputs: Raw | None = None,
) -> Outcome:
    """Fire ``name`` or raise :class:`TransitionRefused` saying why not.

    ``facts`` are the conditions the caller has established for this case (see ``Transition.requires``);
    a condition not among them does not hold. ``inputs`` is what was filled in the transition's fields, shaped
    like a form (``request.form.to_dict(flat=False)``); bad values raise :class:`InputsRefused`, checked like a
    resident's answers (:func:`portal.catalog.validate_fields`) once the transition itself is allowed.
    """
    if state not in workflow.states:
        raise ValueError(f"state {state!r} is not part of workflow {workflow.name!r}")
    if not workflow.has_transition(name):
        raise TransitionRefused(Message(N_("「%(name)s」という操作はありません。"), {"name": name}))
    transition = workflow.transition(name)
    reason = _refusal(workflow, state, transition, actor, history, facts)
    if reason is None and transition.comment is CommentRule.NONE and (comment or "").strip():
        reason = Message(N_("この操作にはコメントを付けられません。"))  # no form of it has a comment box
    if reason is not None:
        raise TransitionRefused(reason)
    errors: dict[str, Message] = {}
    values = None
    if transition.fields:
        result = validate_fields(transition.fields, inputs or {})
        errors.update(result.errors)
        values = result.values if result.ok else None
    if comment_error := _comment_error(transition, comment):
        errors[COMMENT] = comment_error
    if errors:
        raise InputsRefused(errors)
    return Outcome(transition, state, transition.target, (comment or "").strip() or None, values)


def _refusal(
    workflow: WorkflowDefinition,
    state: str,
    transition: Transition,
    actor: Actor,
    history: Sequence[HistoryEntry],
    facts: frozenset[Condition],
) -> Message | None:
    if workflow.is_final(state):
        return Message(N_("この申請は既に完了しているため、これ以上操作できません。"))
    if state not in transition.sources:
        return Message(N_("この申請は現在の状態ではこの操作を行えません。既に他の職員が処理した可能性があります。"))
    if not actor.roles & transition.roles:
        return Message(N_("この操作を行う権限がありません。"))
    if any(_last_actor(history, earlier) == actor.id for earlier in transition.distinct_from):
        return Message(N_("この申請の審査などを行った職員は、この操作を行えません。別の職員が行ってください。"))
    if unmet := [condition for condition in Condition if condition in transition.requires - facts]:
        return Message(UNMET[unmet[0]])  # in the vocabulary's order: the record before the payment
    return None


def _comment_error(transition: Transition, comment: str | None) -> Message | None:
    text = (comment or "").strip()
    if transition.comment is CommentRule.REQUIRED and not text:
        return Message(N_("この操作には理由（コメント）の入力が必要です。"))
    if len(text) > MAX_COMMENT_LENGTH:
        return Message(N_("コメントは%(max)d文字以内で入力してください。"), {"max": MAX_COMMENT_LENGTH})
    if refused := refused_character(text, multiline=True):  # the same rule as answers: a comment is shown too
        char, msgid = refused
        return Message(msgid, {"label": Message(N_("コメント")), "code": code_point(char)})
    return None


def _last_actor(history: Sequence[HistoryEntry], transition: str) -> str | None:
    """Who most recently fired ``transition``; a case sent back and reviewed again counts its latest reviewer."""
    return next((entry.actor_id for entry in reversed(history) if entry.transition == transition), None)
