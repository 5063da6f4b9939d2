"""Published versions of the catalog's definitions, workflows and certificate templates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.definitions.sources import Kind
from portal.models.base import Base, str_enum, utcnow


class CatalogVersion(Base):
    """One published version of one source file, numbered 1, 2, … per kind and name.

    Submissions reference the versions they were made against, so a later publication never changes what an
    old case shows, how it moves or what its certificate prints. Rows are never updated or deleted; a file
    taken out of the catalog is a version without content (withdrawn), so the numbering stays unbroken.
    """

    __tablename__ = "catalog_version"
    __table_args__ = (
        UniqueConstraint("kind", "name", "number"),
        Index("ix_catalog_version_content", "kind", "name", "content_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    name: Mapped[str] = mapped_column(String(64))  # the file stem: a procedure's slug, a workflow's name
    number: Mapped[int] = mapped_column()
    content: Mapped[str | None] = mapped_column(Text)  # None: withdrawn from the catalog at this version
    content_hash: Mapped[str | None] = mapped_column(String(64))  # sha256 of content
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def withdrawn(self) -> bool:
        return self.content is None

    @property
    def label(self) -> str:
        """How commands and pages name it: ``juminhyo v3``."""
        return f"{self.name} v{self.number}"


@event.listens_for(CatalogVersion, "before_update")
@event.listens_for(CatalogVersion, "before_delete")
def _versions_are_immutable(_mapper, _connection, target: CatalogVersion) -> None:  # type: ignore[no-untyped-def]
    raise ValueError(f"catalog version {target.id} is immutable")
