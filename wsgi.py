"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``.

A bad setting stops the start with a readable message, not a traceback. Definition files are not read here:
the portal serves the published catalog, and ``flask --app wsgi catalog publish`` checks files before storing.
"""

import sys

from portal import create_app
from portal.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    print(f"Madoguchi cannot start: {error}", file=sys.stderr)
    raise SystemExit(1) from None
