"""Development OpenID Connect provider serving the resident and staff client registrations.

Residents log in through a デジタル認証アプリ-shaped provider and staff through the municipality's
directory; locally and in tests this one provider plays both, and refuses to run in production.
"""

from __future__ import annotations

from portal.devidp.app import ProductionRefusedError, create_idp_app
from portal.devidp.clients import (
    RESIDENT_CLIENT_ID,
    RESIDENT_CLIENT_SECRET,
    STAFF_CLIENT_ID,
    STAFF_CLIENT_SECRET,
    DevClient,
    default_clients,
)
from portal.devidp.server import RunningServer, serve_in_thread
from portal.devidp.users import DemoUser, demo_users

__all__ = [
    "RESIDENT_CLIENT_ID",
    "RESIDENT_CLIENT_SECRET",
    "STAFF_CLIENT_ID",
    "STAFF_CLIENT_SECRET",
    "DemoUser",
    "DevClient",
    "ProductionRefusedError",
    "RunningServer",
    "create_idp_app",
    "default_clients",
    "demo_users",
    "serve_in_thread",
]
