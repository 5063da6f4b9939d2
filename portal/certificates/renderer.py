"""Certificate templates rendered to HTML with Jinja2 and to PDF with WeasyPrint, without Flask."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from portal.certificates.fetcher import StaticFileFetcher
from portal.certificates.filters import gender, wareki
from portal.certificates.qr import qr_svg

# Tagged PDF for screen readers (PDF/UA-1): structure, title, language and author come from the template.
PDF_VARIANT = "pdf/ua-1"
# The shared standard catalog's templates live beside forms_catalog/ and workflows/ (CERTIFICATES_DIR).
TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "certificate_templates"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"


class UnknownTemplateError(LookupError):
    """A procedure asked for a certificate template that does not exist."""


class CertificateRenderingError(Exception):
    """A template could not print its context: a bug in the template or data it does not expect.

    Its message is for the operator's log: the template, the exception's class and the template line it
    came from, never the exception's own text, which may quote a resident's data.
    """

    def __init__(self, template: str, cause: BaseException) -> None:
        self.template = template
        self.cause_class = type(cause).__name__
        # Jinja rewrites tracebacks so that template frames name the template file: the innermost is the line.
        frames = [f for f in traceback.extract_tb(cause.__traceback__) if f.filename.endswith(".html")]
        self.file = Path(frames[-1].filename).name if frames else f"{template}.html"
        self.line = frames[-1].lineno if frames else None
        self.location = f"{self.file} line {self.line}" if self.line else self.file  # juminhyo.html line 12
        super().__init__(f"{self.cause_class} in {self.location}")


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
        self.environment.filters["gender"] = gender
        self.environment.filters["qr_svg"] = qr_svg
        # Built once per worker, not per document: the fonts (fontconfig and Pango's font map) and the parsed
        # images (the seals), which are WeasyPrint's fixed cost. Pango's font map is not thread-safe, so each
        # thread has its own; WeasyPrint documents sharing the image cache between documents.
        self._fonts = threading.local()
        self._images: dict[str, Any] = {}

    @property
    def font_config(self) -> FontConfiguration:
        """This thread's font configuration, made on its first certificate."""
        if not hasattr(self._fonts, "config"):
            self._fonts.config = FontConfiguration()
        return self._fonts.config

    def available_templates(self) -> frozenset[str]:
        return available_templates(self.templates_dir)

    def render_html(self, template: str, context: Mapping[str, Any]) -> str:
        """The certificate's HTML, or CertificateRenderingError whatever went wrong in Jinja."""
        names = self.available_templates()
        if template not in names:
            raise UnknownTemplateError(
                f"no certificate template {template!r}; available: {', '.join(sorted(names)) or 'none'}"
            )
        try:
            return self.environment.get_template(f"{template}.html").render(dict(context))
        except Exception as exc:  # noqa: BLE001 - any failure means no certificate, which the caller reports
            raise CertificateRenderingError(template, exc) from exc

    def render_pdf(self, template: str, context: Mapping[str, Any]) -> bytes:
        """The tagged PDF, or CertificateRenderingError whatever went wrong in Jinja or WeasyPrint."""
        html = self.render_html(template, context)
        try:
            document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
            return document.write_pdf(pdf_variant=PDF_VARIANT, font_config=self.font_config, cache=self._images)
        except Exception as exc:  # noqa: BLE001 - any failure means no certificate, which the caller reports
            raise CertificateRenderingError(template, exc) from exc
