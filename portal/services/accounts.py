"""Accounts created or refreshed at login from the identity provider's claims."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.identity import ResidentProfile, StaffIdentity
from portal.japan import jst
from portal.models import Municipality, Resident, Staff


def resident_login(session: Session, profile: ResidentProfile) -> Resident:
    """Find or create the resident; keep the latest claims server-side for prefill.

    Their person in a municipality's records is looked up only when they deal with that municipality
    (services.records.find_person): a login never sends their 基本4情報 to every core system.
    """
    resident = session.scalars(select(Resident).filter_by(subject=profile.subject)).one_or_none()
    if resident is None:
        resident = Resident(subject=profile.subject)
        session.add(resident)
    data = asdict(profile)
    del data["subject"]
    resident.profile = data
    resident.last_login_at = jst.now()
    session.flush()
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
