"""Finding the record person for a logged-in resident, and remembering them; and for the applicant of a counter
application, who has no account, by the identity staff entered.

The caller passes the municipality's opened records backend; this module never chooses one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.catalog.requester import ProxyRequest
from portal.identity import ResidentProfile
from portal.models import LinkMethod, Resident, ResidentRecordLink, Submission
from portal.records.backend import RecordsUnavailable, ResidentRecords
from portal.records.matching import BasicInfo, Match, Outcome, basic_info, match, stated_info
from portal.records.model import Household, Person

log = logging.getLogger(__name__)


def find_person(session: Session, records: ResidentRecords, resident: Resident) -> Match:
    """The resident's person: by the stored link; otherwise by 基本4情報 from their claims, linking only a
    unique match. Whatever fails (no match, several, missing claims, backend down) is the outcome, never
    an exception, and leaves no link."""
    code = records.municipality_code
    link = session.scalars(
        select(ResidentRecordLink).filter_by(municipality_code=code, resident_id=resident.id)
    ).one_or_none()
    query = basic_info(resident.resident_profile())
    try:
        person = records.person(link.person_id) if link is not None else None
        if person is not None:
            found = Match(Outcome.LINKED, person, 1)
        elif query is None:
            found = Match(Outcome.LINK_STALE if link is not None else Outcome.INCOMPLETE)
        else:
            found = match(records.candidates(query), query)
            if link is not None:  # the record moved on (a new person id): match again rather than stay stuck
                log.info("resident %s in %s: linked person no longer in the records", resident.id, code)
                _unlink(session, link)
    except RecordsUnavailable as exc:
        log.warning("resident %s: %s", resident.id, exc)
        return Match(Outcome.UNAVAILABLE)
    if found.outcome is Outcome.MATCHED:
        assert found.person is not None
        _link(session, code, resident, found.person.person_id)
    # ids and counts only: names, dates and addresses stay out of the logs
    log.info("resident %s in %s: records %s (%d matched)", resident.id, code, found.outcome, found.count)
    return found


@dataclass(frozen=True)
class RecordedHousehold:
    """The resident's person and household as recorded, or the outcome that says why they are unknown."""

    outcome: Outcome | None  # None: the municipality has no records backend
    person: Person | None = None
    household: Household | None = None


def match_identity(records: ResidentRecords, profile: ResidentProfile) -> Match:
    """The person whose 基本4情報 are ``profile``'s (the identity entered for a counter application), matched the way a
    login is; nothing is linked, there being no account to link. Failures are the outcome, as in :func:`find_person`."""
    query = basic_info(profile)
    if query is None:
        return Match(Outcome.INCOMPLETE)
    try:
        found = match(records.candidates(query), query)
    except RecordsUnavailable as exc:
        log.warning("counter applicant: %s", exc)
        return Match(Outcome.UNAVAILABLE)
    log.info("counter applicant in %s: records %s (%d matched)", records.municipality_code, found.outcome, found.count)
    return found


def recorded_household(session: Session, records: ResidentRecords | None, resident: Resident) -> RecordedHousehold:
    """The resident's person (:func:`find_person`) and their household; a household that cannot be read
    counts as unavailable, so callers get both or neither."""
    if records is None:
        return RecordedHousehold(None)
    return _with_household(records, find_person(session, records, resident))


def identity_household(records: ResidentRecords | None, profile: ResidentProfile) -> RecordedHousehold:
    """:func:`recorded_household` of the applicant whose identity staff entered (:func:`match_identity`)."""
    if records is None:
        return RecordedHousehold(None)
    return _with_household(records, match_identity(records, profile))


def case_household(session: Session, records: ResidentRecords | None, submission: Submission) -> RecordedHousehold:
    """The submission's applicant as recorded: the resident's, or for a counter application the identity's."""
    if submission.resident is not None:
        return recorded_household(session, records, submission.resident)
    return identity_household(records, submission.applicant_profile())


def _with_household(records: ResidentRecords, found: Match) -> RecordedHousehold:
    if found.person is None:
        return RecordedHousehold(found.outcome)
    code = records.municipality_code
    try:
        household = records.household(found.person.household_id)
    except RecordsUnavailable as exc:
        log.warning("records of %s: %s", code, exc)
        return RecordedHousehold(Outcome.UNAVAILABLE)
    if household is None:
        log.warning("records of %s: a matched person's household is not in the records", code)
        return RecordedHousehold(Outcome.UNAVAILABLE)
    return RecordedHousehold(found.outcome, found.person, household)


def named_household(records: ResidentRecords | None, query: BasicInfo | None) -> RecordedHousehold:
    """The person someone else named by 基本4情報 (a request on their behalf) and their household, matched as a
    login is but never linked to anyone: MATCHED on exactly one person, else the outcome that says why not."""
    if records is None:
        return RecordedHousehold(None)
    if query is None:
        return RecordedHousehold(Outcome.INCOMPLETE)
    try:
        found = match(records.candidates(query), query)
        household = records.household(found.person.household_id) if found.person is not None else None
    except RecordsUnavailable as exc:
        log.warning("named person: %s", exc)
        return RecordedHousehold(Outcome.UNAVAILABLE)
    log.info("named person in %s: records %s (%d matched)", records.municipality_code, found.outcome, found.count)
    if found.person is None:
        return RecordedHousehold(found.outcome)
    if household is None:
        log.warning("named person in %s: the person's household is not in the records", records.municipality_code)
        return RecordedHousehold(Outcome.UNAVAILABLE)
    return RecordedHousehold(found.outcome, found.person, household)


def requested_household(records: ResidentRecords | None, request: ProxyRequest) -> RecordedHousehold:
    """The person a request on someone's behalf names, by the 基本4情報 typed for them (:func:`named_household`)."""
    return named_household(records, stated_info(request.name, request.birthdate, request.gender, request.address))


def _unlink(session: Session, link: ResidentRecordLink) -> None:
    with session.begin_nested():
        session.delete(link)


def _link(session: Session, code: str, resident: Resident, person_id: str) -> None:
    """In a savepoint: a concurrent login of the same resident that linked first wins, and this request
    goes on unharmed."""
    try:
        with session.begin_nested():
            session.add(
                ResidentRecordLink(
                    municipality_code=code, resident_id=resident.id, person_id=person_id, method=LinkMethod.BASIC_INFO
                )
            )
    except IntegrityError:
        log.warning("resident %s in %s: link not stored (a concurrent login linked first?)", resident.id, code)
