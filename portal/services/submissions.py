"""Applying, deciding and correcting: every state change goes through the workflow engine.

Services take a session and the acting user, flush and never commit; the request boundary commits.
Queries are always scoped by municipality, so one municipality's staff never reach another's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.catalog import ProcedureDefinition
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import ActorKind, Municipality, SequenceKind, Submission, TransitionRecord
from portal.procedures import Procedures
from portal.services.actors import ActingUser
from portal.services.certificates import issue_certificate
from portal.services.numbering import next_number
from portal.workflow import (
    CommentAudience,
    Effect,
    HistoryEntry,
    Outcome,
    Transition,
    TransitionRefused,
    apply_transition,
)
from portal.workflow import available_transitions as engine_available

SUBMIT = "submit"  # the history's first row: not a workflow transition, the act of applying


@dataclass(frozen=True)
class QueueFilter:
    state: str | None = None
    procedure: str | None = None


class SubmissionService:
    def __init__(self, session: Session, procedures: Procedures, actor: ActingUser) -> None:
        self.session = session
        self.procedures = procedures
        self.actor = actor

    # -- residents -------------------------------------------------------------------------------

    def submit(
        self, municipality: Municipality, definition: ProcedureDefinition, answers: Mapping[str, Any]
    ) -> Submission:
        """Record validated answers against the exact definition and workflow versions in force."""
        assert self.actor.kind is ActorKind.RESIDENT
        workflow = self.procedures.workflow_of(definition)
        today = jst.today()
        number = next_number(self.session, municipality.code, SequenceKind.RECEPTION, today.year)
        submission = Submission(
            municipality_code=municipality.code,
            reference=f"{today.year}-{number:06d}",
            procedure=definition.slug,
            resident_id=self.actor.id,
            state=workflow.initial,
            definition_version=definition.version,
            workflow_version=workflow.version,
            answers=dict(answers),
        )
        self.session.add(submission)
        self.session.flush()
        self._record(submission, SUBMIT, None, workflow.initial, None, CommentAudience.APPLICANT)
        return submission

    def own_submissions(self, municipality: Municipality) -> list[Submission]:
        query = (
            select(Submission)
            .filter_by(municipality_code=municipality.code, resident_id=self.actor.id)
            .order_by(Submission.submitted_at.desc(), Submission.id.desc())
        )
        return list(self.session.scalars(query))

    def own_submission(self, municipality: Municipality, reference: str) -> Submission | None:
        return self.session.scalars(
            select(Submission).filter_by(
                municipality_code=municipality.code, reference=reference, resident_id=self.actor.id
            )
        ).one_or_none()

    def resubmission(self, submission: Submission) -> Transition | None:
        """The transition that hands a corrected submission back after 差戻し, if the resident may fire it now.

        It is fired from the correction form together with the new answers, never as a bare button.
        """
        workflow = self.procedures.workflow_of(self._definition(submission))
        if not workflow.state(submission.state).applicant_edits:
            return None
        return next((t for t in self.available_transitions(submission) if not workflow.is_final(t.target)), None)

    def resubmit(self, submission: Submission, answers: Mapping[str, Any]) -> Outcome:
        """Replace the answers with the corrected ones and send the submission back for review."""
        transition = self.resubmission(submission)
        if transition is None:
            raise TransitionRefused(Message(N_("この申請は現在修正できません。")))
        submission.answers = dict(answers)
        submission.definition_version = self._definition(submission).version
        return self.fire(submission, transition.name, None)

    # -- staff -----------------------------------------------------------------------------------

    def queue(self, filters: QueueFilter = QueueFilter()) -> list[Submission]:
        """The acting staff member's municipality, oldest first, with each applicant loaded in the same go."""
        query = (
            select(Submission)
            .filter_by(municipality_code=self.actor.municipality_code)
            .options(selectinload(Submission.resident))
            .order_by(Submission.submitted_at, Submission.id)
        )
        if filters.state:
            query = query.filter_by(state=filters.state)
        if filters.procedure:
            query = query.filter_by(procedure=filters.procedure)
        return list(self.session.scalars(query))

    def staff_submission(self, reference: str) -> Submission | None:
        return self.session.scalars(
            select(Submission)
            .filter_by(municipality_code=self.actor.municipality_code, reference=reference)
            .options(selectinload(Submission.history))
        ).one_or_none()

    # -- both ------------------------------------------------------------------------------------

    def available_transitions(self, submission: Submission) -> tuple[Transition, ...]:
        workflow = self.procedures.workflow_of(self._definition(submission))
        return engine_available(
            workflow, submission.state, self.actor.workflow_actor(submission), self._history(submission)
        )

    def fire(self, submission: Submission, name: str, comment: str | None) -> Outcome:
        """Apply one transition or raise TransitionRefused; on success record it and run its effects."""
        definition = self._definition(submission)
        workflow = self.procedures.workflow_of(definition)
        outcome = apply_transition(
            workflow,
            submission.state,
            name,
            self.actor.workflow_actor(submission),
            self._history(submission),
            comment,
        )
        submission.state = outcome.target
        self._record(
            submission, name, outcome.source, outcome.target, outcome.comment, outcome.transition.comment_visible_to
        )
        if Effect.ISSUE_CERTIFICATE in outcome.transition.effects and definition.certificate:
            issue_certificate(self.session, self.procedures, submission, definition)
        self.session.flush()
        return outcome

    def _definition(self, submission: Submission) -> ProcedureDefinition:
        definition = self.procedures.definition(submission.procedure)
        if definition is None:
            raise LookupError(f"procedure {submission.procedure!r} is no longer in the catalog")
        return definition

    def _history(self, submission: Submission) -> list[HistoryEntry]:
        return [
            HistoryEntry(transition=r.transition, actor_id=r.actor_ref)
            for r in submission.history
            if r.transition != SUBMIT
        ]

    def _record(
        self,
        submission: Submission,
        transition: str,
        source: str | None,
        target: str,
        comment: str | None,
        audience: CommentAudience,
    ) -> None:
        record = TransitionRecord(
            transition=transition,
            from_state=source,
            to_state=target,
            actor_kind=self.actor.kind,
            actor_id=self.actor.id,
            actor_name=self.actor.name,
            comment=comment,
            comment_visible_to=audience,
            created_at=jst.now(),
        )
        submission.history.append(record)
        self.session.flush()
