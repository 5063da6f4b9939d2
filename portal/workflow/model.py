"""The immutable shape of a workflow: its states and the transitions staff and residents may fire.

A definition is loaded once from YAML and shared by every request, so nothing in it may change.
Labels, titles and confirmations are Japanese msgids, translated by the web layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from portal.catalog.model import FieldDef
from portal.roles import Role


class CommentRule(StrEnum):
    """Whether the person firing a transition may, or must, explain it (e.g. the reason for 差戻し)."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


class CommentAudience(StrEnum):
    """Who reads a transition's comment and inputs: ``applicant`` means the applicant and staff, ``staff`` staff
    only.

    A note from the clerk to the approver (決裁に回す) is not for the resident; a reason for 差戻し is.
    """

    APPLICANT = "applicant"
    STAFF = "staff"


class Effect(StrEnum):
    """Work the application must do once the state has changed; the engine itself does no I/O."""

    ISSUE_CERTIFICATE = "issue_certificate"
    ASSIGN_NUMBER = "assign_number"  # the workflow's ``numbering``, once per case; before any certificate


class Condition(StrEnum):
    """A fact about the case that a transition ``requires``; the service establishes it, the engine checks it.

    A closed vocabulary: the YAML may name only these, and each has the reason shown when it does not hold.
    """

    RECORD_MATCH = "record_match"  # the applicant (and anyone requested) is found in the 住民記録
    # No online payment is outstanding: the resident chose another 支払方法, there is no fee, or the provider
    # confirmed the stored fee paid. The states a ``requires: [paid]`` transition leaves are where they pay.
    PAID = "paid"


class Clock(StrEnum):
    """Whether the 標準処理期間 counts while a case is in a state (its ``clock``).

    The clock stops while the case waits for the applicant, not for the office: from the day the case enters a
    paused state to the day it leaves it (or, for ``paused_until_paid``, the day the payment is confirmed), and the
    case's 期限日 then moves by the 開庁日 it waited.
    """

    RUNNING = "running"  # the office has the case: the days count
    PAUSED = "paused"  # the applicant has it: 差戻し, waiting for a correction
    # The applicant who chose オンライン決済 has yet to pay: paused only while that payment is outstanding (a case
    # paid at the counter, or one already paid, counts on). Only where a ``requires: [paid]`` transition leaves.
    PAUSED_UNTIL_PAID = "paused_until_paid"


class ApplicantNotice(StrEnum):
    """What the applicant is told by email when staff move their case into a state (portal.services.notifications).

    A state reached by the applicant's own act (取下げ, 再提出) tells them nothing: they know.
    """

    RETURNED = "returned"  # 差戻し, with the comment written for the applicant as the reason
    ISSUED = "issued"  # 交付
    COMPLETED = "completed"  # 完了
    REJECTED = "rejected"  # 却下, with the comment written for the applicant as the reason


class ButtonStyle(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"
    DANGER = "danger"


@dataclass(frozen=True)
class State:
    key: str
    label: str
    final: bool = False
    applicant_edits: bool = False  # the resident may correct the answers here (差戻し)
    description: str | None = None
    clock: Clock = Clock.RUNNING  # whether the 標準処理期間 counts here
    notify: ApplicantNotice | None = None  # the email the applicant gets on arriving here; the loader resolves it
    resident_label: str | None = None  # what the applicant reads instead of ``label`` (決裁待ち → 審査中)

    @property
    def label_for_applicant(self) -> str:
        """The name of the state on the resident's pages: staff words (決裁待ち, 決裁済み) stay in the back office."""
        return self.resident_label or self.label


@dataclass(frozen=True)
class Numbering:
    """A number the workflow gives each case once (登録番号…), from a gap-free series per municipality, ``name``
    and calendar year (JST); ``format`` places ``{year}`` and ``{n}``, e.g. ``{year}-{n:05d}`` → 2026-00001."""

    name: str
    label: str
    format: str

    def number(self, year: int, n: int) -> str:
        return self.format.format(year=year, n=n)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str  # button text
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]
    comment: CommentRule = CommentRule.NONE
    comment_visible_to: CommentAudience = CommentAudience.STAFF  # the loader resolves the default
    # Earlier transitions whose most recent actor may not fire this one (four-eyes principle).
    distinct_from: frozenset[str] = frozenset()
    effects: tuple[Effect, ...] = ()
    requires: frozenset[Condition] = frozenset()  # facts that must hold, or the transition is refused
    style: ButtonStyle = ButtonStyle.PRIMARY
    confirm: str | None = None  # asked before firing, e.g. 却下してよろしいですか？
    # Typed like a form's fields: what the staff member fills when firing it (収集日…), stored with the history.
    fields: tuple[FieldDef, ...] = ()
    # On a request for someone else, the decision where staff confirm the 委任状 (or the basis) was checked.
    checks_requester: bool = False


@dataclass(frozen=True)
class WorkflowDefinition:
    name: str  # file stem; submissions store it with ``version``
    title: str
    initial: str
    states: Mapping[str, State]  # in file order, read-only
    transitions: tuple[Transition, ...]
    version: str  # sha256 of the file bytes, so a submission knows which rules it went through
    numbering: Numbering | None = None  # what the ``assign_number`` effect issues
    _by_name: Mapping[str, Transition] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {t.name: t for t in self.transitions})

    def checking_requester(self, field: FieldDef) -> WorkflowDefinition:
        """This workflow for one case made on someone's behalf: each ``checks_requester`` transition also asks
        ``field`` (the confirmation that the 委任状 or the basis was checked)."""
        transitions = tuple(
            replace(t, fields=(*t.fields, field)) if t.checks_requester else t for t in self.transitions
        )
        return replace(self, transitions=transitions)

    def state(self, key: str) -> State:
        try:
            return self.states[key]
        except KeyError:
            raise KeyError(f"workflow {self.name!r} has no state {key!r}") from None

    def transition(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"workflow {self.name!r} has no transition {name!r}") from None

    def has_transition(self, name: str) -> bool:
        return name in self._by_name

    def is_final(self, key: str) -> bool:
        return self.state(key).final

    def outgoing(self, key: str) -> tuple[Transition, ...]:
        """Transitions that may leave ``key``, in file order (the order buttons are shown)."""
        return tuple(t for t in self.transitions if key in t.sources)
