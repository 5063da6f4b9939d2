"""The clerk's review of an application against the 住民記録: who the applicant is as recorded (or, for a request
made on someone's behalf, the person it names), how the typed answers differ from the record, and which facts
the workflow's ``requires`` may count on.

Reading the record is access to personal data: callers are staff of the submission's municipality (the
submission is loaded scoped to it), and nothing read here is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.catalog import FieldDef, ProcedureDefinition, SuppliedChoicesType
from portal.catalog.fieldtypes.household import typed_instead
from portal.catalog.requester import ProxyRequest, proxy_request
from portal.models import Submission
from portal.records.backend import ResidentRecords
from portal.records.compare import Compared, compare, typed_values
from portal.services.records import RecordedHousehold, case_household, requested_household
from portal.workflow import Condition


@dataclass(frozen=True)
class RecordReview:
    recorded: RecordedHousehold
    comparison: tuple[Compared, ...]  # empty when no person was found
    requested: tuple[str, ...]  # person ids the application asks for (世帯の一部)
    # household_members fields whose persons were typed in their otherwise group, not chosen from the record
    typed: tuple[FieldDef, ...] = ()
    on_behalf: bool = False  # ``recorded`` is the person a request on someone's behalf names, not the applicant

    @property
    def missing(self) -> tuple[str, ...]:
        """Requested persons the recorded household does not hold (any of them, if it is unknown)."""
        household = self.recorded.household
        held = {member.person_id for member in household.members} if household else set()
        return tuple(person_id for person_id in self.requested if person_id not in held)

    @property
    def facts(self) -> frozenset[Condition]:
        """RECORD_MATCH when the applicant's person and household are read and hold everyone requested, and no
        one requested was typed instead of chosen from the record."""
        found = self.recorded.person is not None and self.recorded.household is not None
        matched = found and not self.missing and not self.typed
        return frozenset({Condition.RECORD_MATCH}) if matched else frozenset()


def review_record(
    session: Session, records: ResidentRecords | None, submission: Submission, definition: ProcedureDefinition
) -> RecordReview:
    """Review ``submission`` against ``records`` (its municipality's, or None when it has no backend)."""
    request = proxy_request(definition, submission.answers)
    if request is not None:
        return _review_person(records, request)
    recorded = case_household(session, records, submission)
    answers = submission.answers
    requested = tuple(
        person_id
        for field in definition.fields
        if isinstance(field.field_type, SuppliedChoicesType)
        for person_id in answers.get(field.name) or ()
    )
    comparison: tuple[Compared, ...] = ()
    if recorded.person is not None:
        claims = submission.applicant_profile().prefill_values()
        comparison = compare(typed_values(definition, answers), claims, recorded.person)
    return RecordReview(recorded, comparison, requested, typed_instead(definition.fields, answers))


def _review_person(records: ResidentRecords | None, request: ProxyRequest) -> RecordReview:
    """The person a request on someone's behalf names, found by the 基本4情報 typed for them, each item against
    the record (the フリガナ is not asked of the requester, so not compared)."""
    recorded = requested_household(records, request)
    comparison: tuple[Compared, ...] = ()
    if recorded.person is not None:
        typed = {
            "family_name": request.family_name,
            "given_name": request.given_name,
            "birthdate": request.birthdate,
            "gender": request.gender,
            "address": request.address,
        }
        comparison = tuple(row for row in compare(typed, {}, recorded.person) if not row.from_claims)
    return RecordReview(recorded, comparison, (), on_behalf=True)
