"""The only way WeasyPrint may read a resource while rendering a certificate.

Certificates are rendered on the server from resident-supplied data. Templates autoescape, but a stray
``<img src>`` or CSS ``url()`` must still never read an arbitrary server file or reach the network (SSRF),
so every URL is refused unless it names a regular file inside the static directory.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)


class RefusedURLError(ValueError):
    """A certificate asked for a resource outside the static directory."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"refused {url!r}: {reason}")
        self.url = url
        self.reason = reason


class StaticFileFetcher(URLFetcher):
    """Serves ``file:`` URLs inside ``static_dir`` (after resolving ``..`` and symlinks) and nothing else."""

    def __init__(self, static_dir: Path) -> None:
        super().__init__(allowed_protocols=("file",))
        self.root = static_dir.resolve(strict=True)

    def resolve(self, url: str) -> Path:
        """The static file ``url`` names, or :class:`RefusedURLError`."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURLError(url, "only files of the static directory are served")
        try:
            path = Path(url2pathname(parts.path)).resolve()
        except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop
            raise RefusedURLError(url, str(exc)) from None
        if not path.is_relative_to(self.root):
            raise RefusedURLError(url, "outside the static directory")
        if not path.is_file():
            raise RefusedURLError(url, "no such file in the static directory")
        return path

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        try:
            path = self.resolve(url)
        except RefusedURLError as exc:
            logger.warning("certificate resource %s", exc)
            raise
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})
