"""The baselines of ``scripts/bench pages``: a bare Flask app answering each path with the very bytes the portal
served for it (``gunicorn portal.devtools.bench.bare:app``, the pages read from $BENCH_BARE_PAGES at start).

What is left is what any Flask app on the same gunicorn costs: routing, a response, the worker's socket work.

Under ``/floor/`` (with $BENCH_FLOOR_DATABASE_URL and $BENCH_FLOOR_REDIS_URL) it first does the least any page for
a logged-in person must on this stack, and nothing else: its session read from Redis by the cookie, its person read
by primary key through SQLAlchemy on PostgreSQL in a transaction of its own. Not a target: it shows how much of a
logged-in page's cost is that floor rather than the portal's own work.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import redis
from flask import Flask, Response, abort, request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from portal.database import make_engine
from portal.models import Resident
from portal.web.sessions import KEY_PREFIX

PAGES_FILE = "pages.json"  # {path: file name} in the directory
FLOOR = "/floor"


@dataclass(frozen=True)
class Floor:
    store: redis.Redis
    engine: Engine
    resident_id: int

    def visit(self, cookie: str) -> None:
        self.store.get(KEY_PREFIX + cookie)
        with Session(self.engine) as session:  # the pool's pre-ping, BEGIN, the SELECT, COMMIT: as the portal
            session.get(Resident, self.resident_id)
            session.commit()


def create_bare_app(directory: Path, floor: Floor | None = None) -> Flask:
    index = json.loads((directory / PAGES_FILE).read_text())
    pages = {path: (directory / name).read_bytes() for path, name in index.items()}
    app = Flask(__name__)

    @app.get("/")
    @app.get("/<path:path>")
    def page(path: str = "") -> Response:
        path = f"/{path}"
        if floor is not None and path.startswith(FLOOR + "/"):
            floor.visit(request.cookies.get("session", ""))
            path = path.removeprefix(FLOOR)
        body = pages.get(path)
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
    floor = None
    if "BENCH_FLOOR_DATABASE_URL" in os.environ:
        floor = Floor(
            redis.Redis.from_url(os.environ["BENCH_FLOOR_REDIS_URL"]),
            make_engine(os.environ["BENCH_FLOOR_DATABASE_URL"]),
            int(os.environ["BENCH_FLOOR_RESIDENT_ID"]),
        )
    app = create_bare_app(Path(os.environ["BENCH_BARE_PAGES"]), floor)
