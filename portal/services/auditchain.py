"""The audit log's hash chains: how an entry is hashed, appended under its chain's lock, and verified.

Each municipality's entries are one chain and the platform-wide ones another (:func:`chain_of`), so
municipalities never wait for each other's lock. An entry's ``hash`` is the SHA-256 of its fields and the hash of
the entry before it, serialised in the JSON Canonicalization Scheme (RFC 8785: sorted keys, no whitespace, UTF-8),
so anyone can recompute it from a dump of the table. Appending locks the chain's head row first: of two transactions
appending at once, the second waits for the first to commit and then chains to its entry, never to the same one
(ids grow in that order, so a chain is its entries in id order). Verifying walks a chain in id order and stops at
the first entry whose content no longer gives its hash (edited), whose previous hash is not the hash of the entry
before (one deleted before it, or it was inserted out of chain), or where the chain ends before its head (entries
at its end deleted).

Whoever can rewrite both the entries and the head inside the database can forge a consistent chain: keep the heads
``flask audit verify`` prints somewhere else (a log collector, a signed mail) to tell that too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import rfc8785
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.models import AuditChain, AuditEntry
from portal.models.audit import GENESIS, PLATFORM

WALK_BATCH = 1000


def chain_of(municipality_code: str | None) -> str:
    return municipality_code or PLATFORM


def canonical(entry: AuditEntry) -> bytes:
    """What an entry's hash covers: every field but its id and its own hash, as RFC 8785 JSON."""
    fields: dict[str, Any] = {
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_kind": entry.actor_kind.value,
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "municipality_code": entry.municipality_code,
        "action": entry.action.value,
        "target": entry.target,
        "submission_id": entry.submission_id,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    return rfc8785.dumps(fields)


def digest(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry)).hexdigest()


def append(session: Session, entry: AuditEntry) -> AuditEntry:
    """Chain ``entry`` to the last entry of its chain and insert it (flushed, not committed). The chain's head
    stays locked until the transaction ends: record an access last, once the page or file is ready."""
    head = _locked_head(session, chain_of(entry.municipality_code))
    entry.prev_hash = head.last_hash
    entry.hash = digest(entry)
    session.add(entry)
    session.flush()
    head.last_entry_id = entry.id
    head.last_hash = entry.hash
    session.flush()
    return entry


def _locked_head(session: Session, name: str) -> AuditChain:
    locked = select(AuditChain).filter_by(name=name).with_for_update().execution_options(populate_existing=True)
    head = session.scalars(locked).one_or_none()
    if head is None:  # the chain's first entry: whoever inserts the head first, both then lock the same row
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        session.execute(insert(AuditChain).values(name=name, last_hash=GENESIS).on_conflict_do_nothing())
        head = session.scalars(locked).one()
    return head


@dataclass(frozen=True)
class Verified:
    chain: str
    entries: int
    head: str  # the last entry's hash: keep it outside the database to tell a chain rewritten as a whole

    def __str__(self) -> str:
        return f"{self.chain}: {self.entries} entries verified, head {self.head}"


@dataclass(frozen=True)
class Broken:
    chain: str
    entry_id: int | None  # the first bad entry
    reason: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "its head"
        return f"{self.chain}: {where}: {self.reason}"


def chains(session: Session) -> list[str]:
    """Every chain that has a head or an entry (an entry whose head was deleted too), sorted."""
    heads = set(session.scalars(select(AuditChain.name)))
    codes = session.scalars(select(AuditEntry.municipality_code).distinct())
    return sorted(heads | {chain_of(code) for code in codes})


def verify(session: Session, name: str) -> Verified | Broken:
    """Walk chain ``name`` in id order; the first entry that breaks it, or what was verified."""
    head = session.get(AuditChain, name)
    previous: AuditEntry | None = None
    count = 0
    for entry in _entries(session, name):
        expected = previous.hash if previous is not None else GENESIS
        if digest(entry) != entry.hash:
            return Broken(name, entry.id, "its content does not give its hash: it was changed")
        if entry.prev_hash != expected:
            before = f"entry {previous.id}'s" if previous is not None else "the chain's start"
            return Broken(
                name,
                entry.id,
                f"its previous hash is not {before}: an entry before it was deleted, or it was inserted out of chain",
            )
        previous = entry
        count += 1
    last_id, last_hash = (previous.id, previous.hash) if previous is not None else (None, GENESIS)
    if head is None and previous is not None:
        return Broken(name, None, "the chain has entries but no head")
    if head is not None and (head.last_entry_id, head.last_hash) != (last_id, last_hash):
        return Broken(
            name,
            head.last_entry_id,
            f"the head names this entry but the chain ends at entry {last_id}: entries at its end were deleted",
        )
    return Verified(name, count, last_hash)


def _entries(session: Session, name: str) -> Iterator[AuditEntry]:
    """The chain's entries in id order, a batch at a time (a chain may hold millions of reads)."""
    where = AuditEntry.municipality_code.is_(None) if name == PLATFORM else AuditEntry.municipality_code == name
    after = 0
    while True:
        batch = list(
            session.scalars(
                select(AuditEntry).where(where, AuditEntry.id > after).order_by(AuditEntry.id).limit(WALK_BATCH)
            )
        )
        for entry in batch:
            yield entry
            session.expunge(entry)  # walked: the session need not keep it
        if len(batch) < WALK_BATCH:
            return
        after = batch[-1].id
