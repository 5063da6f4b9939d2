"""A resident the 住民記録 knows, for tests that issue certificates in a municipality of their own."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.demo import demo_households
from portal.models import LinkMethod, Resident, ResidentRecordLink
from portal.records.demo import store_household


def recorded_resident(session: Session, code: str, subject: str) -> Resident:
    """A resident linked to 山田 太郎 of the demo records, whose household is stored (again: storing it twice
    changes nothing) as municipality ``code``'s: a 交付 for them certifies that household."""
    yamada = demo_households()["999997"][0]
    store_household(session, code, yamada)
    resident = Resident(subject=subject, profile={"family_name": "山田", "given_name": "太郎"})
    session.add(resident)
    session.flush()
    person_id = yamada.members[0].person_id
    session.add(
        ResidentRecordLink(
            municipality_code=code, resident_id=resident.id, person_id=person_id, method=LinkMethod.BASIC_INFO
        )
    )
    session.flush()
    return resident
