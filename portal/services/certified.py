"""What a certificate certifies from the 住民記録: persons as recorded when it is issued, never as typed.

Any procedure may declare ``certified_persons: <household_members field>``: its certificate then prints the
persons chosen in that field, read from the records backend at issue time, in the shape juminhyo prints
(:func:`recorded_persons`, the context key ``record``). juminhyo chooses its persons its own way
(:mod:`portal.services.juminhyo`) from the same reading (:func:`certified_household`) and entries (:func:`record`).
A request made on someone's behalf (a definition's ``requester``) certifies the person it names, found by the
基本4情報 typed for them, never the requester's record. Whatever cannot be read or does not hold refuses the 交付
with a reason for the clerk, so nothing is issued.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from portal.catalog import ProcedureDefinition
from portal.catalog.requester import ProxyRequest
from portal.messages import N_, Message
from portal.models import Submission
from portal.records.backend import ResidentRecords
from portal.records.matching import Outcome
from portal.records.model import Household, Person, person_to_json
from portal.services.records import RecordedHousehold, case_household
from portal.services.records import requested_household as requested_record
from portal.workflow import TransitionRefused

NO_RECORDS = Message(N_("この自治体の住民記録が設定されていないため、証明書を発行できません。"))
UNAVAILABLE = Message(
    N_("住民記録システムから応答がないため、証明書を発行できません。しばらくしてからもう一度お試しください。")
)
NOT_FOUND = Message(N_("申請者を住民記録で確認できないため、証明書を発行できません。申請を差戻すか却下してください。"))
PERSON_NOT_FOUND = Message(
    N_(
        "請求された対象の方を住民記録で確認できない（氏名・生年月日・性別・住所が一致する方が一人に定まらない）ため、"
        "証明書を発行できません。申請を差戻すか却下してください。"
    )
)
NOT_CHOSEN = N_(
    "「%(label)s」が住民記録から選ばれていない（申請の時点で世帯を確認できなかった）ため、証明書を発行できません。"
    "窓口で住民記録を確認してください。申請者が住民記録から選び直せるよう差戻すこともできます。"
)
NOT_IN_HOUSEHOLD = N_(
    "「%(label)s」に選ばれた方が申請者の世帯の住民記録にいないため、証明書を発行できません。申請を差戻してください。"
)

# Items a record's entry never carries: its ids, and the address the household prints once for everyone.
NOT_PRINTED = ("person_id", "household_id", "address")


def applicant_household(
    session: Session, records: ResidentRecords | None, submission: Submission
) -> tuple[Household, Person]:
    """The applicant's household and person as recorded now, or TransitionRefused saying why they cannot be
    (no records backend, the backend down, no unique person)."""
    return _found(case_household(session, records, submission), NOT_FOUND)


def requested_household(records: ResidentRecords | None, request: ProxyRequest) -> tuple[Household, Person]:
    """The household and person a request on someone's behalf names, matched now by the 基本4情報 typed for them,
    or TransitionRefused saying why they cannot be (no records backend, the backend down, no unique person)."""
    return _found(requested_record(records, request), PERSON_NOT_FOUND)


def certified_household(
    session: Session, records: ResidentRecords | None, submission: Submission, request: ProxyRequest | None
) -> tuple[Household, Person]:
    """Whose record the certificate certifies: the person ``request`` names, else the applicant."""
    if request is not None:
        return requested_household(records, request)
    return applicant_household(session, records, submission)


def _found(recorded: RecordedHousehold, not_found: Message) -> tuple[Household, Person]:
    if recorded.outcome is None:
        raise TransitionRefused(NO_RECORDS)
    if recorded.outcome is Outcome.UNAVAILABLE:
        raise TransitionRefused(UNAVAILABLE)
    household, person = recorded.household, recorded.person
    members = {member.person_id: member for member in household.members} if household else {}
    listed = members.get(person.person_id) if person else None  # as listed in the household
    if household is None or listed is None:
        raise TransitionRefused(not_found)
    return household, listed


def recorded_persons(
    session: Session,
    records: Mapping[str, ResidentRecords],
    submission: Submission,
    definition: ProcedureDefinition,
) -> dict[str, Any]:
    """``{"record": …}`` with the persons chosen in the definition's ``certified_persons`` field, every item as
    recorded now; TransitionRefused when the household cannot be read, the field holds no choice from the
    record (its ``otherwise`` group was typed instead) or a person chosen is no longer in the household."""
    assert definition.certified_persons is not None
    field = definition.field(definition.certified_persons)
    household, _applicant = applicant_household(session, records.get(submission.municipality_code), submission)
    chosen = submission.answers.get(field.name)
    if not isinstance(chosen, list) or not chosen or not all(isinstance(c, str) for c in chosen):
        raise TransitionRefused(Message(NOT_CHOSEN, {"label": Message(field.label)}))
    persons = [person for person in household.members if person.person_id in chosen]
    if len(persons) != len(set(chosen)):
        raise TransitionRefused(Message(NOT_IN_HOUSEHOLD, {"label": Message(field.label)}))
    return {"record": record(household, persons)}


def record(household: Household, persons: Sequence[Person], omitted: Collection[str] = ()) -> dict[str, Any]:
    """What a template prints of ``persons`` of ``household``, in the record's order as the caller gives them:
    the household's address and 世帯主 once, and each person's entry without the ``omitted`` items."""
    return {
        "address": {"address": household.address.address, "katagaki": household.address.katagaki},
        "head_name": household.head_name,
        "whole_household": len(persons) == len(household.members),
        "persons": [entry(person, omitted) for person in persons],
    }


def entry(person: Person, omitted: Collection[str] = ()) -> dict[str, Any]:
    """One person's items in the record's JSON form, without ids, the household's address or ``omitted``."""
    return {key: value for key, value in person_to_json(person).items() if key not in (*NOT_PRINTED, *omitted)}
