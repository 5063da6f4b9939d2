"""The audit chain under real concurrency: clerks reading a case at the same moment, each in a connection and thread
of their own released together by a barrier, append one entry each; the chain never forks (no two entries chain to
the same one) and verifies. On PostgreSQL the chain's head row lock is what makes them take turns (SQLite takes
one writer at a time anyway).

Everything commits for real, in the ``committing_engine`` database, in a municipality of this module's own.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.definitions import Kind
from portal.models import AuditAction, AuditEntry, CatalogVersion, Municipality, Resident, Staff, Submission
from portal.models.audit import GENESIS
from portal.roles import Role
from portal.services import audit, auditchain
from portal.services.actors import ActingUser

CODE = "999911"  # this module's own municipality (the assignment races take 999920, the 期限日 races 999938)
READERS = 8


@pytest.fixture(scope="module")
def setting(committing_engine: Engine) -> tuple[list[ActingUser], int]:
    """Clerks of the module's municipality and one case of theirs (the entries only name it)."""
    with Session(committing_engine, expire_on_commit=False) as session:
        session.add(
            Municipality(
                code=CODE, name="監査市", prefecture="見本県", mayor_title="監査市長", mayor_name="監査 太郎",
                seal="999997.svg", demo=True,
            )
        )  # fmt: skip
        session.flush()
        clerks = [
            Staff(municipality_code=CODE, subject=f"audit-race-{n}", name=f"窓口 {n}", role_values=[Role.CLERK.value])
            for n in range(READERS)
        ]
        resident = Resident(subject="audit-race-resident", profile={})
        session.add_all([*clerks, resident])
        session.flush()
        versions = {
            kind: session.scalars(select(CatalogVersion.id).filter_by(kind=kind, name="juminhyo")).first()
            for kind in (Kind.DEFINITION, Kind.WORKFLOW)
        }
        case = Submission(
            municipality_code=CODE, reference="2026-000001", procedure="juminhyo", resident_id=resident.id,
            state="submitted", definition_version_id=versions[Kind.DEFINITION],
            workflow_version_id=versions[Kind.WORKFLOW], answers={},
        )  # fmt: skip
        session.add(case)
        session.commit()
        return [ActingUser.of_staff(clerk) for clerk in clerks], case.id


def _read_at_once(engine: Engine, clerks: list[ActingUser], case_id: int) -> None:
    barrier = threading.Barrier(len(clerks))

    def read(clerk: ActingUser) -> None:
        barrier.wait()  # before any transaction: SQLite's BEGIN IMMEDIATE would hold the others off the barrier
        with Session(engine) as session:
            case = session.get_one(Submission, case_id)
            audit.accessed(session, audit.Accessor.staff(clerk), AuditAction.CASE_VIEWED, case)
            session.commit()

    with ThreadPoolExecutor(len(clerks)) as pool:
        for done in [pool.submit(read, clerk) for clerk in clerks]:
            done.result()


def test_readers_at_once_make_one_chain(committing_engine: Engine, setting: tuple[list[ActingUser], int]) -> None:
    clerks, case_id = setting
    for _round in range(3):
        _read_at_once(committing_engine, clerks, case_id)
    with Session(committing_engine) as session:
        chain = list(session.scalars(select(AuditEntry).filter_by(municipality_code=CODE).order_by(AuditEntry.id)))
        assert len(chain) == 3 * READERS
        previous = [GENESIS, *(entry.hash for entry in chain[:-1])]
        assert [entry.prev_hash for entry in chain] == previous  # no fork: each follows the one before
        outcome = auditchain.verify(session, CODE)
        assert isinstance(outcome, auditchain.Verified) and outcome.entries == 3 * READERS, outcome
