"""``python -m portal.devidp``: run the development provider for a locally served portal."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from portal.devidp.app import ProductionRefusedError, create_idp_app, refuse_production
from portal.devidp.clients import default_clients
from portal.devidp.server import serve_in_thread
from portal.devidp.users import demo_users

EXIT_REFUSED = 2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m portal.devidp",
        description="Development OpenID Connect provider for Madoguchi (never for production).",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001, help="0 picks a free port")
    parser.add_argument("--issuer", help="base URL the portal reaches this provider at (default: served URL)")
    parser.add_argument("--portal-url", default="http://127.0.0.1:5000", help="base URL of the portal")
    args = parser.parse_args(argv)

    environment = os.environ.get("MADOGUCHI_ENV", "development")
    clients = default_clients(args.portal_url)
    try:
        refuse_production(environment)  # before binding: production must not even open the port
    except ProductionRefusedError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_REFUSED

    running = serve_in_thread(None, args.host, args.port)
    issuer = args.issuer or running.url
    running.mount(create_idp_app(issuer=issuer, clients=clients, environment=environment))
    print(f"Development identity provider at {issuer} (discovery: {issuer}/.well-known/openid-configuration)")
    for client in clients:
        print(f"  client {client.client_id} ({client.kind}) → {', '.join(client.redirect_uris)}")
    print("Demo users:")
    for user in demo_users():
        print(f"  [{user.kind}] {user.sub}: {user.display_name} — {user.note}")
    try:
        running.wait()
    except KeyboardInterrupt:
        running.shutdown()
    return 0
