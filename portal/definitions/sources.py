"""The shared standard catalog on disk: definitions, workflows and certificate templates, as publishable text.

Each file is one source of one :class:`Kind`, named by its stem. Its content is exactly what a published
version stores, so the version's hash is the file's (templates: the canonical JSON of the template and the
shared layouts, :class:`portal.certificates.TemplateSource`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType

from portal.certificates import TemplateSource, available_templates
from portal.yamlsource import content_hash, read_source


class Kind(StrEnum):
    DEFINITION = "definition"  # forms_catalog/<slug>.yaml
    WORKFLOW = "workflow"  # workflows/<name>.yaml
    CERTIFICATE = "certificate"  # certificate templates: <name>.html with the shared _*.html layouts


@dataclass(frozen=True)
class SourceDirs:
    catalog: Path
    workflows: Path
    certificates: Path


@dataclass(frozen=True)
class SourceFile:
    kind: Kind
    name: str
    content: str
    file: str  # as messages show it: forms_catalog/juminhyo.yaml

    @property
    def hash(self) -> str:
        return content_hash(self.content)


Sources = Mapping[tuple[Kind, str], SourceFile]


def read_sources(dirs: SourceDirs) -> Sources:
    """Every source file in the three directories, in kind then name order."""
    found: dict[tuple[Kind, str], SourceFile] = {}
    for kind, directory in ((Kind.DEFINITION, dirs.catalog), (Kind.WORKFLOW, dirs.workflows)):
        for path in sorted(directory.glob("*.yaml")):
            found[kind, path.stem] = SourceFile(kind, path.stem, read_source(path), f"{directory.name}/{path.name}")
    for name in sorted(available_templates(dirs.certificates)):
        template = TemplateSource.read(dirs.certificates, name)
        found[Kind.CERTIFICATE, name] = SourceFile(
            Kind.CERTIFICATE, name, template.content, f"{dirs.certificates.name}/{name}.html"
        )
    return MappingProxyType(found)
