"""Certificate templates rendered to HTML with Jinja2 and to PDF with WeasyPrint, without Flask."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import HTML

from portal.certificates.fetcher import StaticFileFetcher
from portal.certificates.filters import item, postal_code, wareki
from portal.certificates.qr import qr_svg

# Tagged PDF for screen readers (PDF/UA-1): structure, title, language and author come from the template.
PDF_VARIANT = "pdf/ua-1"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


class UnknownTemplateError(LookupError):
    """A procedure asked for a certificate template that does not exist."""


def available_templates(templates_dir: Path = TEMPLATES_DIR) -> frozenset[str]:
    """Names a procedure definition may reference; ``_``-prefixed files are layouts, not certificates."""
    return frozenset(p.stem for p in templates_dir.glob("*.html") if not p.name.startswith("_"))


class CertificateRenderer:
    """Renders a named certificate template with a context (contract: see :mod:`portal.certificates`)."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR, static_dir: Path = STATIC_DIR) -> None:
        self.templates_dir = templates_dir
        self.fetcher = StaticFileFetcher(static_dir)
        # A trailing slash so "seals/999997.svg" resolves inside the directory, not beside it.
        self.base_url = self.fetcher.root.as_uri() + "/"
        self.environment = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=True,
            undefined=StrictUndefined,  # a missing value is a bug, never a blank on an official document
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.filters["wareki"] = wareki
        self.environment.filters["postal_code"] = postal_code
        self.environment.filters["item"] = item
        self.environment.filters["qr_svg"] = qr_svg

    def available_templates(self) -> frozenset[str]:
        return available_templates(self.templates_dir)

    def render_html(self, template: str, context: Mapping[str, Any]) -> str:
        names = self.available_templates()
        if template not in names:
            raise UnknownTemplateError(
                f"no certificate template {template!r}; available: {', '.join(sorted(names)) or 'none'}"
            )
        return self.environment.get_template(f"{template}.html").render(dict(context))

    def render_pdf(self, template: str, context: Mapping[str, Any]) -> bytes:
        html = self.render_html(template, context)
        document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
        return document.write_pdf(pdf_variant=PDF_VARIANT)
