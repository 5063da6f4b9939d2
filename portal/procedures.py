"""The procedure catalog, workflows and certificate templates, loaded and cross-checked once at start.

A definition that names a missing workflow or certificate template stops the app from starting, with the
file and line, rather than failing when the first resident applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from portal.catalog import Catalog, ProcedureDefinition, load_catalog
from portal.certificates import TEMPLATES_DIR, CertificateRenderer
from portal.certificates.signing import CertificateSigning
from portal.workflow import WorkflowDefinition, load_workflows


@dataclass(frozen=True)
class Procedures:
    catalog: Catalog
    workflows: Mapping[str, WorkflowDefinition]
    certificates: CertificateRenderer
    signing: CertificateSigning

    @classmethod
    def load(
        cls, catalog_dir: Path, workflows_dir: Path, signing: CertificateSigning, certificates_dir: Path = TEMPLATES_DIR
    ) -> Procedures:
        workflows = load_workflows(workflows_dir)
        certificates = CertificateRenderer(templates_dir=certificates_dir)
        catalog = load_catalog(catalog_dir, workflows=workflows.keys(), certificates=certificates.available_templates())
        return cls(catalog=catalog, workflows=workflows, certificates=certificates, signing=signing)

    def definition(self, slug: str) -> ProcedureDefinition | None:
        return self.catalog.get(slug)

    def workflow_of(self, definition: ProcedureDefinition) -> WorkflowDefinition:
        return self.workflows[definition.workflow]


EXTENSION = "procedures"
