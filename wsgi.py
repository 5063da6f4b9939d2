"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``.

A bad setting or a malformed definition stops the start with a readable message, not a traceback.
"""

import sys

from portal import create_app
from portal.config import ConfigError
from portal.yamlsource import DefinitionError

try:
    app = create_app()
except (ConfigError, DefinitionError) as error:
    print(f"Madoguchi cannot start: {error}", file=sys.stderr)
    raise SystemExit(1) from None
