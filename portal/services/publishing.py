"""Publishing the shared standard catalog: each changed source file becomes a new immutable version.

Publishing is idempotent (a file whose content is the latest version's stores nothing), a file taken out of
the catalog is stored as a withdrawal, and nothing is stored unless every source parses and every reference
(a procedure's workflow and certificate template) is to a source published with it. Each published change is
written to the audit log as a platform-wide entry: the catalog is every municipality's.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.catalog import ProcedureDefinition
from portal.definitions import Change, Kind, Parsed, Sources, diff, parse
from portal.japan import jst
from portal.models import AuditAction, CatalogVersion, Submission
from portal.services import audit
from portal.services.actors import Administrator
from portal.workflow import WorkflowDefinition
from portal.yamlsource import DefinitionError


@dataclass(frozen=True)
class Stranded:
    """Cases sitting in a state the new workflow version drops: they continue on the version they started on."""

    state: str
    cases: int


@dataclass
class Pending:
    """One source whose file differs from its latest published version (or that has none, or no file)."""

    kind: Kind
    name: str
    current: CatalogVersion | None  # the latest published version, if any
    content: str | None  # the file's content; None: the file is gone, so the source is withdrawn
    changes: list[Change]
    stranded: list[Stranded] = field(default_factory=list)
    published: CatalogVersion | None = None  # set once stored

    @property
    def number(self) -> int:
        return (self.current.number if self.current else 0) + 1

    def __str__(self) -> str:
        old = f"v{self.current.number}" if self.current and not self.current.withdrawn else "(none)"
        new = "withdrawn" if self.content is None else f"v{self.number}"
        return f"{self.kind.value} {self.name}: {old} → {new}"


def latest_versions(session: Session) -> dict[tuple[Kind, str], CatalogVersion]:
    """The latest version of every source ever published, withdrawals included."""
    numbers = (
        select(CatalogVersion.kind, CatalogVersion.name, func.max(CatalogVersion.number).label("number"))
        .group_by(CatalogVersion.kind, CatalogVersion.name)
        .subquery()
    )
    query = select(CatalogVersion).join(
        numbers,
        (CatalogVersion.kind == numbers.c.kind)
        & (CatalogVersion.name == numbers.c.name)
        & (CatalogVersion.number == numbers.c.number),
    )
    return {(v.kind, v.name): v for v in session.scalars(query)}


def pending(session: Session, sources: Sources, name: str | None = None) -> list[Pending]:
    """What publishing ``sources`` would store, optionally only for sources called ``name``.

    Raises DefinitionError for the first source that does not parse or names a workflow or template that
    would not be published with it.
    """
    parsed = _parse_all(sources)
    latest = latest_versions(session)
    found = []
    for key in [*sources, *(k for k in latest if k not in sources)]:
        kind, source_name = key
        current = latest.get(key)
        source = sources.get(key)
        if name is not None and source_name != name:
            continue
        if source is None and (current is None or current.withdrawn):
            continue
        if source is not None and current is not None and current.content_hash == source.hash:
            continue
        old = _parsed(current)
        new = parsed.get(key)
        found.append(
            Pending(
                kind,
                source_name,
                current,
                source.content if source else None,
                diff(old, new),
                _stranded(session, source_name, old, new),
            )
        )
    return found


class PublishingRefused(PermissionError):
    """Only the platform publishes the shared catalog; nothing was stored."""


def publish(session: Session, sources: Sources, actor: Administrator) -> list[Pending]:
    """Store a new version of every changed source and its audit entry (flushed, not committed); an empty list
    when none changed."""
    if not actor.operates_platform:
        raise PublishingRefused(f"{actor.name} may not publish the shared catalog")
    changes = pending(session, sources)
    now = jst.now()
    for change in changes:
        version = CatalogVersion(
            kind=change.kind,
            name=change.name,
            number=change.number,
            content=change.content,
            content_hash=sources[change.kind, change.name].hash if change.content is not None else None,
            published_by=actor.name,
            published_at=now,
        )
        session.add(version)
        change.published = version
        audit.record(
            session,
            actor,
            AuditAction.CATALOG_PUBLISHED,
            f"{change.kind.value}:{change.name}",
            _version_setting(change.current),
            _version_setting(version),
            None,
        )
    session.flush()
    return changes


def history(session: Session, kind: Kind, name: str) -> list[CatalogVersion]:
    """Every version of one source, newest first."""
    query = select(CatalogVersion).filter_by(kind=kind, name=name).order_by(CatalogVersion.number.desc())
    return list(session.scalars(query))


def find_version(session: Session, kind: Kind, name: str, number: int) -> CatalogVersion | None:
    """One version of one source, withdrawn or not; None when it was never published."""
    return session.scalars(select(CatalogVersion).filter_by(kind=kind, name=name, number=number)).one_or_none()


def _version_setting(version: CatalogVersion | None) -> dict[str, int | str] | None:
    """How the audit log records a source's version: its number, "withdrawn", or None before the first."""
    if version is None:
        return None
    return {"version": "withdrawn" if version.withdrawn else version.number}


def _parse_all(sources: Sources) -> Mapping[tuple[Kind, str], Parsed]:
    parsed = {key: parse(key[0], key[1], source.content, source.file) for key, source in sources.items()}
    for (kind, _), definition in parsed.items():
        if kind is Kind.DEFINITION:
            assert isinstance(definition, ProcedureDefinition)
            _check_references(sources, definition)
    return parsed


def _check_references(sources: Sources, definition: ProcedureDefinition) -> None:
    file = sources[Kind.DEFINITION, definition.slug].file
    if (Kind.WORKFLOW, definition.workflow) not in sources:
        raise DefinitionError(file, ("workflow",), None, f"unknown workflow {definition.workflow!r}")
    if definition.certificate is not None and (Kind.CERTIFICATE, definition.certificate) not in sources:
        raise DefinitionError(file, ("certificate",), None, f"unknown certificate template {definition.certificate!r}")


def _parsed(version: CatalogVersion | None) -> Parsed | None:
    if version is None or version.content is None:
        return None
    return parse(version.kind, version.name, version.content)


def _stranded(session: Session, name: str, old: Parsed | None, new: Parsed | None) -> list[Stranded]:
    if not isinstance(old, WorkflowDefinition):
        return []
    kept = set(new.states) if isinstance(new, WorkflowDefinition) else set()
    dropped = [key for key, state in old.states.items() if key not in kept and not state.final]
    return list(_open_cases(session, name, dropped))


def _open_cases(session: Session, workflow: str, states: list[str]) -> Iterator[Stranded]:
    if not states:
        return
    query = (
        select(Submission.state, func.count())
        .join(CatalogVersion, Submission.workflow_version_id == CatalogVersion.id)
        .where(CatalogVersion.name == workflow, Submission.state.in_(states))
        .group_by(Submission.state)
    )
    counts: dict[str, int] = {state: count for state, count in session.execute(query)}
    for state in states:
        if counts.get(state):
            yield Stranded(state, counts[state])
