"""Accounts created or refreshed at login from the identity provider's claims."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.identity import ResidentProfile, StaffIdentity
from portal.japan import jst
from portal.models import Municipality, Resident, Staff
from portal.records.backend import ResidentRecords
from portal.services.records import find_person


def resident_login(session: Session, profile: ResidentProfile, records: Iterable[ResidentRecords] = ()) -> Resident:
    """Find or create the resident; keep the latest claims server-side for prefill; find (and link) their
    person in each municipality's ``records``."""
    resident = session.scalars(select(Resident).filter_by(subject=profile.subject)).one_or_none()
    if resident is None:
        resident = Resident(subject=profile.subject)
        session.add(resident)
    data = asdict(profile)
    del data["subject"]
    resident.profile = data
    resident.last_login_at = jst.now()
    session.flush()
    for municipality_records in records:
        find_person(session, municipality_records, resident)
    return resident


def staff_login(session: Session, identity: StaffIdentity) -> Staff | None:
    """Find or create the staff member of a known municipality; None when the municipality is not served."""
    if session.get(Municipality, identity.municipality_code) is None:
        return None
    staff = session.scalars(
        select(Staff).filter_by(municipality_code=identity.municipality_code, subject=identity.subject)
    ).one_or_none()
    if staff is None:
        staff = Staff(municipality_code=identity.municipality_code, subject=identity.subject)
        session.add(staff)
    staff.name = identity.name
    staff.email = identity.email
    staff.role_values = sorted(role.value for role in identity.roles)
    staff.last_login_at = jst.now()
    session.flush()
    return staff
