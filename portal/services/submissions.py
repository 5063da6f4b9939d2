"""Applying, deciding and correcting: every state change goes through the workflow engine.

Services take a session and the acting user, flush and never commit; the request boundary commits.
Queries are always scoped by municipality, so one municipality's staff never reach another's data.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.catalog import ProcedureDefinition, Raw, counter, fees, methods
from portal.definitions import Kind
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import (
    ActorKind,
    Channel,
    Municipality,
    Resident,
    SequenceKind,
    Staff,
    Submission,
    TransitionRecord,
    WebhookEvent,
)
from portal.procedures import Case, Procedures
from portal.records.backend import ResidentRecords
from portal.roles import Permission
from portal.services import deadlines, notifications, webhooks
from portal.services.actors import ActingUser
from portal.services.certificates import reserve_certificate
from portal.services.numbering import assign_number, next_number
from portal.services.payments import payment_facts
from portal.services.queue import search_key
from portal.services.tenancy import on_terms_of
from portal.workflow import (
    Clock,
    CommentAudience,
    Condition,
    Effect,
    HistoryEntry,
    Outcome,
    Transition,
    TransitionRefused,
    WorkflowDefinition,
    apply_transition,
)
from portal.workflow import available_transitions as engine_available

SUBMIT = "submit"  # the history's first row: not a workflow transition, the act of applying


class SubmissionService:
    """``records`` (municipality code → its opened 住民記録) is what a certificate certifies; only issuing
    reads it, so residents' own actions need none."""

    def __init__(
        self,
        session: Session,
        procedures: Procedures,
        actor: ActingUser,
        records: Mapping[str, ResidentRecords] = MappingProxyType({}),
    ) -> None:
        self.session = session
        self.procedures = procedures
        self.actor = actor
        self.records = records

    # -- residents -------------------------------------------------------------------------------

    def submit(
        self,
        municipality: Municipality,
        definition: ProcedureDefinition,
        answers: Mapping[str, Any],
        token: str,
    ) -> Submission:
        """Record validated answers against the exact definition and workflow versions in force, with the fee
        they cost on ``definition``'s terms (the municipality's, as offered), the methods chosen and the 期限日: the
        terms' 標準処理期間 in the municipality's 開庁日 from today (JST).

        ``token`` is the confirmation page's one-time token: a second call with it (a double click, a
        retried request, even a concurrent one) returns the submission the first call made and creates
        nothing. The resident's row is locked first, so two calls with one token take turns.
        """
        assert self.actor.kind is ActorKind.RESIDENT
        self.session.execute(select(Resident.id).filter_by(id=self.actor.id).with_for_update())
        earlier = self.submitted_with(municipality, token)
        if earlier is not None:
            return earlier
        resident = self.session.get_one(Resident, self.actor.id)
        return self._create(
            municipality, definition, answers, token, resident.profile, channel=Channel.ONLINE, resident_id=resident.id
        )

    def submit_at_counter(
        self,
        municipality: Municipality,
        definition: ProcedureDefinition,
        entered: counter.Entered,
        token: str,
    ) -> Submission:
        """Record a counter application (窓口受付) a clerk entered on the applicant's behalf: :meth:`submit`'s record
        of the procedure's answers, marked as made at the counter by the acting clerk, with the applicant's identity
        as entered and the address they agreed to be told at (if any). The clerk's row is locked for the token as
        the resident's is online."""
        assert self.actor.kind is ActorKind.STAFF and self.actor.municipality_code == municipality.code
        if not self.actor.may(Permission.ENTER_COUNTER_APPLICATION):
            raise TransitionRefused(Message(N_("窓口での申請を入力する権限がありません。")))
        self.session.execute(select(Staff.id).filter_by(id=self.actor.id).with_for_update())
        earlier = self.submitted_with(municipality, token)
        if earlier is not None:
            return earlier
        return self._create(
            municipality,
            definition,
            entered.answers,
            token,
            entered.identity,
            channel=Channel.COUNTER,
            entered_by_id=self.actor.id,
            entered_identity=entered.identity,
            notify_email=entered.email,
        )

    def _create(
        self,
        municipality: Municipality,
        definition: ProcedureDefinition,
        answers: Mapping[str, Any],
        token: str,
        applicant: Mapping[str, Any],
        **made: Any,
    ) -> Submission:
        published = self.procedures.published(self.session)
        workflow = published.workflow_of(definition)
        today = jst.today()
        due_on = deadlines.due_from(self.session, municipality.code, today, definition.processing_days)
        definition_version_id = self.procedures.definition_version_id(self.session, definition)
        # Last before the writes: the sequence's row stays locked until the commit, and every submission of the
        # municipality waits for it.
        number = next_number(self.session, municipality.code, SequenceKind.RECEPTION, today.year)
        reference = f"{today.year}-{number:06d}"
        submission = Submission(
            municipality_code=municipality.code,
            reference=reference,
            procedure=definition.slug,
            state=workflow.initial,
            closed=workflow.is_final(workflow.initial),
            # the version the answers were validated against; the workflow and template in force now
            definition_version_id=definition_version_id,
            workflow_version_id=published.version_ids[Kind.WORKFLOW, workflow.name],
            certificate_version_id=published.version_ids.get((Kind.CERTIFICATE, definition.certificate or "")),
            answers=dict(answers),
            submission_token=token,
            search_key=search_key(reference, definition, answers, applicant),
            due_on=due_on,
            history=[],  # a new case has none: appending its first record need not load them
            **_charge(definition, answers),
            **made,
        )
        self.session.add(submission)
        self.session.flush()
        self._move_clock(submission, workflow, workflow.initial, today)
        self._record(submission, SUBMIT, None, workflow.initial, None, CommentAudience.APPLICANT)
        notifications.application_received(self.session, submission)
        webhooks.case_changed(self.session, WebhookEvent.SUBMITTED, submission, submission.history[-1])
        return submission

    def submitted_with(self, municipality: Municipality, token: str) -> Submission | None:
        """The submission the acting resident (or clerk, at the counter) made from the confirmation page carrying
        ``token``, if any."""
        maker = {"entered_by_id" if self.actor.kind is ActorKind.STAFF else "resident_id": self.actor.id}
        return self.session.scalars(
            select(Submission).filter_by(municipality_code=municipality.code, submission_token=token, **maker)
        ).one_or_none()

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
        workflow = self._case(submission).workflow
        return next(
            (t for t in self.available_transitions(submission) if _hands_back(workflow, submission.state, t)), None
        )

    def resubmit(self, submission: Submission, answers: Mapping[str, Any]) -> Outcome:
        """Replace the answers with the corrected ones and send the submission back for review."""
        self._lock(submission)
        transition = self.resubmission(submission)
        if transition is None:
            raise TransitionRefused(Message(N_("この申請は現在修正できません。")))
        outcome = self._decide(submission, transition.name, None)
        return self._apply(submission, outcome, answers)

    # -- staff -----------------------------------------------------------------------------------

    def staff_submission(self, reference: str) -> Submission | None:
        return self.session.scalars(
            select(Submission)
            .filter_by(municipality_code=self.actor.municipality_code, reference=reference)
            .options(selectinload(Submission.history))
        ).one_or_none()

    def stop_email(self, submission: Submission) -> None:
        """The applicant of a counter case asked at the counter to be emailed no more: the address they gave is
        forgotten, and what is still queued for them is skipped when it is sent."""
        assert submission.at_counter and self.actor.municipality_code == submission.municipality_code
        submission.notify_email = None
        self.session.flush()

    # -- both ------------------------------------------------------------------------------------

    def available_transitions(
        self, submission: Submission, facts: frozenset[Condition] = frozenset()
    ) -> tuple[Transition, ...]:
        workflow = self._case(submission).workflow
        return engine_available(
            workflow, submission.state, self.actor.workflow_actor(submission), self._history(submission), facts
        )

    def fire(
        self,
        submission: Submission,
        name: str,
        comment: str | None,
        facts: frozenset[Condition] = frozenset(),
        inputs: Raw | None = None,
    ) -> Outcome:
        """Apply one transition or raise TransitionRefused; on success record it and run its effects.

        ``facts`` are the conditions established for this case (``services.review.review_record``); a
        transition that ``requires`` one that is missing is refused. ``inputs`` is the form of the transition's
        fields: a bad value raises InputsRefused (its errors by field) and changes nothing.

        The submission is locked and re-read first, so of two people deciding at the same moment one
        succeeds and the other is refused with nothing changed. Handing a returned submission back for
        review needs corrected answers, so that transition only goes through :meth:`resubmit`.
        """
        self._lock(submission)
        outcome = self._decide(submission, name, comment, facts, inputs)
        workflow = self._case(submission).workflow
        if _hands_back(workflow, submission.state, outcome.transition):
            raise TransitionRefused(Message(N_("修正した内容は修正画面から再提出してください。")))
        return self._apply(submission, outcome)

    def _lock(self, submission: Submission) -> None:
        """Lock the row until the transaction ends and re-read its state and history under the lock.

        PostgreSQL takes the row lock (SELECT … FOR UPDATE); SQLite has already serialised writers with
        BEGIN IMMEDIATE. A state that moved on since the caller loaded the submission is refused here.
        """
        seen = submission.state
        self.session.scalars(
            select(Submission)
            .filter_by(id=submission.id)
            .options(selectinload(Submission.history))
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if submission.state != seen:
            raise TransitionRefused(Message(N_("この申請は既に処理されています。")))

    def _decide(
        self,
        submission: Submission,
        name: str,
        comment: str | None,
        facts: frozenset[Condition] = frozenset(),
        inputs: Raw | None = None,
    ) -> Outcome:
        """What the workflow engine says to firing ``name`` from the submission's locked state."""
        return apply_transition(
            self._case(submission).workflow,
            submission.state,
            name,
            self.actor.workflow_actor(submission),
            self._history(submission),
            comment,
            facts,
            inputs,
        )

    def _apply(self, submission: Submission, outcome: Outcome, answers: Mapping[str, Any] | None = None) -> Outcome:
        """Move to the outcome's state (with corrected ``answers``, for a resubmission), record it with the
        transition's inputs and run its effects: the number first, so that a certificate issued by the same
        transition prints it; the number at most once per case (it is kept on the submission), a certificate at
        most once (the transition that issues it leaves its source state under the lock).

        The clock of the 期限日 moves with the state (:mod:`portal.services.deadlines`): leaving a state where it
        stood still moves the 期限日 on by the 開庁日 waited, entering one stops it.

        All of it in a savepoint: an effect that refuses (a municipality that cannot sign) leaves the case
        exactly as it was, its number not taken, whatever the caller then commits.
        """
        case = self._case(submission)
        effects = outcome.transition.effects
        today = jst.today()
        with self.session.begin_nested():
            if answers is not None:  # corrected on the form of the version the case was made against
                submission.answers = dict(answers)
                terms = on_terms_of(submission.municipality, self._case(submission).definition)
                for key, value in _charge(terms, answers).items():  # charged again for what was corrected
                    setattr(submission, key, value)
                submission.search_key = search_key(submission.reference, terms, answers, submission.applicant_details)
            if submission.due_on is None:  # made by the release before 期限日 were kept (during its rollout)
                self._start_clock(submission, case)
            submission.state = outcome.target
            submission.closed = case.workflow.is_final(outcome.target)
            self._move_clock(submission, case.workflow, outcome.target, today)
            self._record(
                submission,
                outcome.transition.name,
                outcome.source,
                outcome.target,
                outcome.comment,
                outcome.transition.comment_visible_to,
                outcome.inputs,
            )
            if Effect.ASSIGN_NUMBER in effects and case.workflow.numbering is not None:
                assign_number(self.session, submission, case.workflow.numbering)
            if Effect.ISSUE_CERTIFICATE in effects and case.template is not None:
                reserve_certificate(self.session, self.procedures, self.records, submission, case.template)
            record = submission.history[-1]
            notifications.after_transition(
                self.session, case.workflow, submission, record, self.actor, answers is not None
            )
            webhooks.case_changed(self.session, WebhookEvent.TRANSITIONED, submission, record)
        return outcome

    def _case(self, submission: Submission) -> Case:
        return self.procedures.case(submission)

    def _start_clock(self, submission: Submission, case: Case) -> None:
        """The 期限日 from the JST day of submission, on the municipality's terms of today."""
        days = on_terms_of(submission.municipality, case.definition).processing_days
        submitted = submission.submitted_at.astimezone(jst.JST).date()
        submission.due_on = deadlines.due_from(self.session, submission.municipality_code, submitted, days)

    def _move_clock(self, submission: Submission, workflow: WorkflowDefinition, state: str, today: date) -> None:
        """Run the clock in ``state`` (the one the submission has just entered), or stop it there."""
        target = workflow.state(state)
        outstanding = target.clock is Clock.PAUSED_UNTIL_PAID and Condition.PAID not in payment_facts(
            self.session, submission
        )
        deadlines.resume(self.session, submission, today)  # whatever it waited for is over: it moved on
        if deadlines.pauses(target, outstanding):
            deadlines.pause(submission, today)
        self.session.flush()

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
        inputs: Mapping[str, Any] | None = None,
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
            inputs=dict(inputs) if inputs is not None else None,
            created_at=jst.now(),
        )
        submission.history.append(record)
        self.session.flush()


def _charge(definition: ProcedureDefinition, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The fee the answers cost and the 受取方法 / 支払方法 they chose, as stored with the submission."""
    receipt, payment = methods.chosen(definition, answers)
    return {"fee": fees.total(definition, answers), "receipt_method": receipt, "payment_method": payment}


def _hands_back(workflow: WorkflowDefinition, state: str, transition: Transition) -> bool:
    """Leaving a state where the applicant corrects the answers towards more review (再提出)."""
    return workflow.state(state).applicant_edits and not workflow.is_final(transition.target)
