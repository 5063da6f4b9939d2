"""WSGI entry point for gunicorn: ``gunicorn wsgi:app``.

A bad setting or a malformed definition stops the start with a readable message, not a traceback; only
``flask --app wsgi catalog …`` still runs on a malformed catalog, so that ``catalog check`` can list it all.
"""

import sys

import click

from portal import create_app, create_catalog_app
from portal.config import ConfigError
from portal.yamlsource import DefinitionError

try:
    app = create_app()
except DefinitionError as error:
    if click.get_current_context(silent=True) is not None and "catalog" in sys.argv[1:]:  # the flask CLI
        app = create_catalog_app()
    else:
        print(f"Madoguchi cannot start: {error}", file=sys.stderr)
        raise SystemExit(1) from None
except ConfigError as error:
    print(f"Madoguchi cannot start: {error}", file=sys.stderr)
    raise SystemExit(1) from None
