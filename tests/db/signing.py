"""The procedures as the app loads them, signing with development keys made for the test."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy.orm import Session

from portal.catalog import ProcedureDefinition, load_definition
from portal.certificates import CertificateRenderer
from portal.certificates.devpki import create_dev_pki
from portal.certificates.signing import CertificateSigning
from portal.config import DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL, ROOT
from portal.definitions import Kind
from portal.procedures import Procedures
from portal.services.publishing import latest_versions


def signing_procedures(pki: Path, municipalities: Iterable[tuple[str, str]]) -> Procedures:
    """The published catalog (the migration publishes the shipped files), with a development key in ``pki`` for
    each ``(code, name)``, so that 交付 renders and signs as in production."""
    create_dev_pki(pki, municipalities)
    signing = CertificateSigning(pki, DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL)
    return Procedures(CertificateRenderer(), signing)


def shipped(slug: str) -> ProcedureDefinition:
    """A definition of the shipped catalog, as the migration published it (version 1 in the test database)."""
    return load_definition(ROOT / "forms_catalog" / f"{slug}.yaml")


def version_ids(session: Session, slug: str) -> dict[str, int | None]:
    """The published versions a new submission of ``slug`` references, as Submission keyword arguments."""
    definition = shipped(slug)
    latest = latest_versions(session)
    template = latest[Kind.CERTIFICATE, definition.certificate] if definition.certificate else None
    return {
        "definition_version_id": latest[Kind.DEFINITION, slug].id,
        "workflow_version_id": latest[Kind.WORKFLOW, definition.workflow].id,
        "certificate_version_id": template.id if template else None,
    }
