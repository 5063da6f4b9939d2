"""The audit log's hash chains: an untouched chain verifies; an entry edited, deleted, swapped or slipped in by
someone who gets past the append-only trigger is found, and the first bad entry named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.demo import load_demo_data
from portal.models import AuditAction, AuditChain, AuditEntry
from portal.models.audit import GENESIS, PLATFORM
from portal.services import audit, auditchain
from portal.services.actors import Administrator

CODE, OTHER = "999997", "999989"


@pytest.fixture
def entries(db_session: Session) -> list[AuditEntry]:
    """Five entries of 見本市's chain, one of 試験町's and one platform-wide."""
    load_demo_data(db_session)
    actor = Administrator.command_line("tester")
    made = []
    for fee in range(5):
        made.append(
            audit.record(
                db_session, actor, AuditAction.PROCEDURE_CHANGED, f"procedure:{CODE}/juminhyo", {"fee": fee},
                {"fee": fee + 1}, CODE,
            )
        )  # fmt: skip
    audit.record(db_session, actor, AuditAction.CLOSURE_ADDED, f"municipality:{OTHER}", None, {"x": "閉庁"}, OTHER)
    audit.record(db_session, actor, AuditAction.CATALOG_PUBLISHED, "definition:juminhyo", None, {"version": 2}, None)
    return made


@contextmanager
def past_the_trigger(session: Session) -> Iterator[None]:
    """What a database administrator can do: the append-only trigger out of the way (inside the test's
    transaction, which is rolled back)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only"))
    else:
        for event in ("update", "delete"):
            session.execute(text(f"DROP TRIGGER audit_entry_no_{event}"))
    yield
    session.expire_all()


def test_untouched_chains_verify(db_session: Session, entries: list[AuditEntry]) -> None:
    assert auditchain.chains(db_session) == [OTHER, CODE, PLATFORM]
    outcomes = {name: auditchain.verify(db_session, name) for name in auditchain.chains(db_session)}
    assert all(isinstance(outcome, auditchain.Verified) for outcome in outcomes.values()), outcomes
    assert outcomes[CODE].entries == 5 and outcomes[OTHER].entries == 1 and outcomes[PLATFORM].entries == 1
    assert outcomes[CODE].head == entries[-1].hash


def test_each_entry_chains_to_the_one_before_in_its_own_chain(db_session: Session, entries: list[AuditEntry]) -> None:
    assert entries[0].prev_hash == GENESIS
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    other = db_session.scalars(select(AuditEntry).filter_by(municipality_code=OTHER)).one()
    assert other.prev_hash == GENESIS  # municipalities' chains are apart
    head = db_session.get(AuditChain, CODE)
    assert head is not None and (head.last_entry_id, head.last_hash) == (entries[-1].id, entries[-1].hash)


def test_the_hash_is_sha256_of_the_canonical_json(db_session: Session, entries: list[AuditEntry]) -> None:
    import hashlib

    entry = entries[0]
    canonical = auditchain.canonical(entry).decode()
    assert canonical.startswith('{"action":"procedure_changed","actor_id":null,"actor_kind":"command_line"')
    assert f'"prev_hash":"{GENESIS}"' in canonical and '"before":{"fee":0}' in canonical
    assert hashlib.sha256(canonical.encode()).hexdigest() == entry.hash


def _broken(session: Session, name: str = CODE) -> auditchain.Broken:
    outcome = auditchain.verify(session, name)
    assert isinstance(outcome, auditchain.Broken), outcome
    return outcome


def test_an_edited_field_is_found(db_session: Session, entries: list[AuditEntry]) -> None:
    with past_the_trigger(db_session):
        db_session.execute(
            text("UPDATE audit_entry SET actor_name = 'someone else' WHERE id = :id"), {"id": entries[2].id}
        )
    broken = _broken(db_session)
    assert broken.entry_id == entries[2].id and "changed" in broken.reason
    assert isinstance(auditchain.verify(db_session, OTHER), auditchain.Verified)  # the other chains are intact


def test_an_edited_json_value_is_found(db_session: Session, entries: list[AuditEntry]) -> None:
    with past_the_trigger(db_session):
        db_session.execute(
            text("""UPDATE audit_entry SET "after" = '{"fee": 0}' WHERE id = :id"""), {"id": entries[1].id}
        )
    assert _broken(db_session).entry_id == entries[1].id


def test_a_deleted_middle_entry_is_found_at_the_next(db_session: Session, entries: list[AuditEntry]) -> None:
    before, deleted, after = (entry.id for entry in entries[1:4])
    with past_the_trigger(db_session):
        db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": deleted})
    broken = _broken(db_session)
    assert broken.entry_id == after and f"entry {before}'s" in broken.reason and "deleted" in broken.reason


def test_a_deleted_last_entry_is_found_by_the_head(db_session: Session, entries: list[AuditEntry]) -> None:
    last, before = entries[-1].id, entries[-2].id
    with past_the_trigger(db_session):
        db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": last})
    broken = _broken(db_session)
    assert broken.entry_id == last and f"ends at entry {before}" in broken.reason


def test_swapped_hashes_are_found(db_session: Session, entries: list[AuditEntry]) -> None:
    first, second = entries[1], entries[2]
    with past_the_trigger(db_session):
        for entry, other in ((first, second), (second, first)):
            db_session.execute(
                text("UPDATE audit_entry SET hash = :h WHERE id = :id"), {"h": other.hash, "id": entry.id}
            )
    assert _broken(db_session).entry_id == first.id


def test_an_entry_inserted_out_of_chain_is_found(db_session: Session, entries: list[AuditEntry]) -> None:
    """Slipped in with the hash it should have, but chained to an older entry: the next one no longer follows."""
    forged = AuditEntry(
        at=entries[1].at, actor_kind=entries[1].actor_kind, actor_id=None, actor_name="forger",
        municipality_code=CODE, action=AuditAction.SEAL_REPLACED, target=f"municipality:{CODE}", before=None,
        after={"seal": "forged.svg"}, prev_hash=entries[0].hash,
    )  # fmt: skip
    forged.hash = auditchain.digest(forged)
    db_session.add(forged)  # an INSERT: the trigger allows it, as the application's own
    db_session.flush()
    broken = _broken(db_session)
    assert broken.entry_id == forged.id and "inserted out of chain" in broken.reason


def test_an_entry_appended_behind_the_heads_back_is_found(db_session: Session, entries: list[AuditEntry]) -> None:
    """Chained correctly to the last entry but not through the head: the head still names the entry before."""
    forged = AuditEntry(
        at=entries[-1].at, actor_kind=entries[-1].actor_kind, actor_id=None, actor_name="forger",
        municipality_code=CODE, action=AuditAction.SEAL_REPLACED, target=f"municipality:{CODE}", before=None,
        after=None, prev_hash=entries[-1].hash,
    )  # fmt: skip
    forged.hash = auditchain.digest(forged)
    db_session.add(forged)
    db_session.flush()
    assert _broken(db_session).entry_id == entries[-1].id  # the head names it; the chain goes on past it


def test_entries_moved_to_another_chain_break_both(db_session: Session, entries: list[AuditEntry]) -> None:
    with past_the_trigger(db_session):
        db_session.execute(
            text("UPDATE audit_entry SET municipality_code = :o WHERE id = :id"), {"o": OTHER, "id": entries[4].id}
        )
    assert _broken(db_session, CODE).entry_id == entries[4].id  # the head names the entry now elsewhere
    assert _broken(db_session, OTHER).entry_id == entries[4].id
