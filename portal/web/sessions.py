"""Server-side sessions: the browser holds only an opaque id, never personal data.

Redis in production (shared by every app server); a file cache on a single development machine.
"""

from __future__ import annotations

import redis
from cachelib import FileSystemCache
from flask import Flask, current_app, session
from flask_session import Session


def init_app(app: Flask) -> None:
    app.config.update(SESSION_KEY_PREFIX="madoguchi:session:", SESSION_PERMANENT=False)
    if app.config["REDIS_URL"]:
        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=redis.Redis.from_url(app.config["REDIS_URL"]))
    else:
        app.config.update(
            SESSION_TYPE="cachelib",
            SESSION_CACHELIB=FileSystemCache(str(app.config["SESSION_DIR"]), threshold=10_000),
        )
    Session(app)


def renew() -> None:
    """A fresh session id after login, so an id planted before login is worthless (session fixation)."""
    current_app.session_interface.regenerate(session)
