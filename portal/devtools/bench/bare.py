"""The baseline of ``scripts/bench pages``: a bare Flask app answering each path with the very bytes the portal
served for it (``gunicorn portal.devtools.bench.bare:app``, the pages read from $BENCH_BARE_PAGES at start).

What is left is what any Flask app on the same gunicorn costs: routing, a response, the worker's socket work.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, abort

PAGES_FILE = "pages.json"  # {path: file name} in the directory


def create_bare_app(directory: Path) -> Flask:
    index = json.loads((directory / PAGES_FILE).read_text())
    pages = {path: (directory / name).read_bytes() for path, name in index.items()}
    app = Flask(__name__)

    @app.get("/")
    @app.get("/<path:path>")
    def page(path: str = "") -> Response:
        body = pages.get(f"/{path}")
        if body is None:
            abort(404)
        return Response(body, content_type="text/html; charset=utf-8")

    return app


def save_pages(directory: Path, pages: dict[str, bytes]) -> None:
    """Write ``pages`` (path → body) where :func:`create_bare_app` reads them."""
    names = {path: f"page-{number}.html" for number, path in enumerate(pages)}
    for path, name in names.items():
        (directory / name).write_bytes(pages[path])
    (directory / PAGES_FILE).write_text(json.dumps(names))


if "BENCH_BARE_PAGES" in os.environ:  # the gunicorn entry point
    app = create_bare_app(Path(os.environ["BENCH_BARE_PAGES"]))
