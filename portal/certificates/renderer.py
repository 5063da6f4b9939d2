"""Certificate templates rendered to HTML with Jinja2 and to PDF with WeasyPrint, without Flask."""

from __future__ import annotations

import hashlib
import json
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, TemplateNotFound
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


@dataclass(frozen=True)
class TemplateSource:
    """One version of a certificate template: its file with the shared layouts (``_*.html``) beside it, so a
    published version prints the same whatever the directory holds later."""

    name: str
    files: Mapping[str, str]  # file name → Jinja source

    @classmethod
    def read(cls, templates_dir: Path, name: str) -> TemplateSource:
        files = sorted(p for p in templates_dir.glob("*.html") if p.name.startswith("_") or p.stem == name)
        return cls(name, {p.name: p.read_bytes().decode("utf-8") for p in files})

    @classmethod
    def from_content(cls, name: str, content: str) -> TemplateSource:
        return cls(name, json.loads(content))

    @property
    def content(self) -> str:
        """The stored form: canonical JSON, so the same files always hash the same."""
        return json.dumps(dict(self.files), ensure_ascii=False, sort_keys=True, indent=1)

    @property
    def version(self) -> str:
        return hashlib.sha256(self.content.encode("utf-8")).hexdigest()


class _VersionLoader(BaseLoader):
    """A template version's files, named by file so that errors and tracebacks point at the file and line."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = files

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if template not in self.files:
            raise TemplateNotFound(template)
        return self.files[template], template, lambda: True


class CertificateRenderer:
    """Renders a named certificate template with a context (contract: see :mod:`portal.certificates`)."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR, static_dir: Path = STATIC_DIR) -> None:
        self.templates_dir = templates_dir
        self.fetcher = StaticFileFetcher(static_dir)
        # A trailing slash so "seals/999997.svg" resolves inside the directory, not beside it.
        self.base_url = self.fetcher.root.as_uri() + "/"
        self.environment = _environment(FileSystemLoader(templates_dir))
        self._versions: dict[str, Environment] = {}  # TemplateSource.version → its environment
        self._versions_lock = threading.Lock()
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

    def render_html(self, template: str | TemplateSource, context: Mapping[str, Any]) -> str:
        """The certificate's HTML, or CertificateRenderingError whatever went wrong in Jinja.

        ``template`` is a published version, or a name in the templates directory (authoring, tests)."""
        environment, name = self._environment_of(template)
        try:
            return environment.get_template(f"{name}.html").render(dict(context))
        except Exception as exc:  # noqa: BLE001 - any failure means no certificate, which the caller reports
            raise CertificateRenderingError(name, exc) from exc

    def render_pdf(self, template: str | TemplateSource, context: Mapping[str, Any]) -> bytes:
        """The tagged PDF, or CertificateRenderingError whatever went wrong in Jinja or WeasyPrint."""
        html = self.render_html(template, context)
        try:
            document = HTML(string=html, base_url=self.base_url, url_fetcher=self.fetcher)
            return document.write_pdf(pdf_variant=PDF_VARIANT, font_config=self.font_config, cache=self._images)
        except Exception as exc:  # noqa: BLE001 - any failure means no certificate, which the caller reports
            name = template.name if isinstance(template, TemplateSource) else template
            raise CertificateRenderingError(name, exc) from exc

    def _environment_of(self, template: str | TemplateSource) -> tuple[Environment, str]:
        """A version gets an environment of its own, built once: versions never change."""
        if isinstance(template, TemplateSource):
            with self._versions_lock:
                environment = self._versions.get(template.version)
                if environment is None:
                    environment = self._versions[template.version] = _environment(_VersionLoader(template.files))
            return environment, template.name
        names = self.available_templates()
        if template not in names:
            raise UnknownTemplateError(
                f"no certificate template {template!r}; available: {', '.join(sorted(names)) or 'none'}"
            )
        return self.environment, template


def _environment(loader: BaseLoader) -> Environment:
    environment = Environment(
        loader=loader,
        autoescape=True,
        undefined=StrictUndefined,  # a missing value is a bug, never a blank on an official document
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["wareki"] = wareki
    environment.filters["gender"] = gender
    environment.filters["qr_svg"] = qr_svg
    return environment
