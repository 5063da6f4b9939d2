"""The published catalog as the portal uses it: the current versions for new applications, and for each case
the versions it was made against.

Nothing here reads the source files: the portal serves what ``flask catalog publish`` stored
(:mod:`portal.services.publishing`), so every app server and worker sees the same versions, and a
publication takes effect with the next request, without a restart.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from types import MappingProxyType

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from portal.catalog import Catalog, ProcedureDefinition, requester
from portal.certificates import CertificateRenderer, TemplateSource
from portal.certificates.signing import CertificateSigning
from portal.contentcache import ContentCache
from portal.definitions import Kind, ParsedVersions
from portal.models import CatalogVersion, Submission
from portal.workflow import WorkflowDefinition

EXTENSION = "procedures"
PUBLISHED = "published"  # its key in the content cache
PARSED_HERE = (Kind.WORKFLOW, Kind.DEFINITION)  # a certificate template is read by the case that prints it


@dataclass(frozen=True)
class Published:
    """The latest version of every source that is not withdrawn, and the ids a new submission records."""

    catalog: Catalog
    workflows: Mapping[str, WorkflowDefinition]
    version_ids: Mapping[tuple[Kind, str], int]

    def definition(self, slug: str) -> ProcedureDefinition | None:
        return self.catalog.get(slug)

    def workflow_of(self, definition: ProcedureDefinition) -> WorkflowDefinition:
        return self.workflows[definition.workflow]


@dataclass(frozen=True)
class Case:
    """What one submission was made against: its definition, workflow and certificate template versions."""

    definition: ProcedureDefinition
    workflow: WorkflowDefinition
    template: TemplateSource | None


class Procedures:
    def __init__(
        self, certificates: CertificateRenderer, signing: CertificateSigning, content: ContentCache | None = None
    ) -> None:
        """``content``: where the current catalog is kept between requests (none: read on every call)."""
        self.certificates = certificates
        self.signing = signing
        self.parsed = ParsedVersions()
        self.content = content

    def published(self, session: Session) -> Published:
        """The current catalog: kept while the content token holds (no query), else read again."""
        if self.content is None:
            return self._read_published(session)
        return self.content.get(session, PUBLISHED, lambda: self._read_published(session))

    def _read_published(self, session: Session) -> Published:
        """One small query for the latest versions' hashes, and one for the contents of those not parsed yet in
        this process (a first load of a 500-definition catalog is two queries, not 501)."""
        latest = (
            select(CatalogVersion.kind, CatalogVersion.name, func.max(CatalogVersion.number).label("number"))
            .group_by(CatalogVersion.kind, CatalogVersion.name)
            .subquery()
        )
        rows = session.execute(
            select(CatalogVersion.id, CatalogVersion.kind, CatalogVersion.name, CatalogVersion.content_hash)
            .join(
                latest,
                and_(
                    CatalogVersion.kind == latest.c.kind,
                    CatalogVersion.name == latest.c.name,
                    CatalogVersion.number == latest.c.number,
                ),
            )
            .where(CatalogVersion.content_hash.is_not(None))
        ).all()
        new = [r.id for r in rows if r.kind in PARSED_HERE and not self.parsed.has(r.kind, r.name, r.content_hash)]
        contents = _contents(session, new)
        current = {
            kind: {r.name: (r.content_hash, partial(contents.get, r.id, "")) for r in rows if r.kind is kind}
            for kind in Kind
        }
        workflows = {name: self.parsed.workflow(name, *found) for name, found in current[Kind.WORKFLOW].items()}
        definitions = {slug: self.parsed.definition(slug, *found) for slug, found in current[Kind.DEFINITION].items()}
        return Published(
            # publishing checks references; a definition is only offered with its workflow all the same
            catalog=Catalog({slug: d for slug, d in definitions.items() if d.workflow in workflows}),
            workflows=MappingProxyType(workflows),
            version_ids=MappingProxyType({(row.kind, row.name): row.id for row in rows}),
        )

    def definition_version_id(self, session: Session, definition: ProcedureDefinition) -> int:
        """The published version ``definition`` was parsed from (by content hash); LookupError if none."""
        published = self.published(session)
        current = published.definition(definition.slug)
        if current is not None and current.version == definition.version:  # the current one: its id is known
            return published.version_ids[Kind.DEFINITION, definition.slug]
        found = session.scalars(
            select(CatalogVersion.id)
            .filter_by(kind=Kind.DEFINITION, name=definition.slug, content_hash=definition.version)
            .order_by(CatalogVersion.number.desc())
            .limit(1)
        ).one_or_none()
        if found is None:
            raise LookupError(f"definition {definition.slug!r} ({definition.version[:12]}) was never published")
        return found

    def case(self, submission: Submission) -> Case:
        """The versions ``submission`` references, whatever has been published or withdrawn since. A request made
        on someone's behalf asks, in its workflow's ``checks_requester`` decisions, that its basis was checked."""
        template = submission.certificate_version
        definition = self.definition(submission.definition_version)
        workflow = self.parsed.workflow(*_named(submission.workflow_version))
        request = requester.proxy_request(definition, submission.answers)
        if request is not None:
            workflow = workflow.checking_requester(requester.check_field(request.basis))
        return Case(
            definition=definition,
            workflow=workflow,
            template=self.parsed.template(*_named(template)) if template is not None else None,
        )

    def definition(self, version: CatalogVersion) -> ProcedureDefinition:
        """The definition stored as ``version`` (a case's, a draft's), whatever has been published since."""
        return self.parsed.definition(*_named(version))


def _contents(session: Session, version_ids: list[int]) -> dict[int, str]:
    """The contents of these versions, in one query (none when there are none)."""
    if not version_ids:
        return {}
    query = select(CatalogVersion.id, CatalogVersion.content).where(CatalogVersion.id.in_(version_ids))
    return {version_id: content or "" for version_id, content in session.execute(query)}


def _named(version: CatalogVersion) -> tuple[str, str, Callable[[], str]]:
    # A case never references a withdrawal: publishing stores those only for files taken out of the catalog.
    assert version.content is not None and version.content_hash is not None
    content = version.content
    return version.name, version.content_hash, lambda: content
