"""Client registrations of the development provider: one for residents, one for staff.

The default ids and secrets are the portal's development settings (portal.config), so both sides of the
login agree without copying values, and a production start never imports this provider.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin

from portal.config import (
    RESIDENT_CLIENT_ID,
    RESIDENT_CLIENT_SECRET,
    STAFF_CLIENT_ID,
    STAFF_CLIENT_SECRET,
)
from portal.devidp.users import KINDS, SCOPE_CLAIMS, Kind

TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")
PRIVATE_KEY_JWT = "private_key_jwt"  # only for a client registered with a jwks_uri


def client_scopes(kind: Kind) -> tuple[str, ...]:
    """The scopes a client of ``kind`` may request: ``openid`` plus those releasing its users' claims."""
    return ("openid", *SCOPE_CLAIMS[kind])


@dataclass(frozen=True)
class DevClient(ClientMixin):  # type: ignore[misc]  # Authlib is untyped
    """A confidential client; ``kind`` decides which demo users it may log in and which scopes it gets.

    With a ``jwks_uri`` it may also authenticate by private_key_jwt, signed by a key published there.
    """

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    kind: Kind
    jwks_uri: str | None = None
    post_logout_redirect_uris: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"client {self.client_id!r}: kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if isinstance(self.redirect_uris, str) or not self.redirect_uris:
            raise ValueError(f"client {self.client_id!r}: redirect_uris must be a non-empty tuple of URLs")

    @property
    def client_metadata(self) -> Mapping[str, Any]:
        """No per-client metadata: userinfo is plain JSON, ID tokens are always ES256."""
        return MappingProxyType({})

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        """None: OpenID Connect requires every authorization request to name its redirect_uri."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        allowed = client_scopes(self.kind)
        return " ".join(value for value in (scope or "").split() if value in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(self.client_secret.encode(), client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if method == PRIVATE_KEY_JWT and not self.jwks_uri:
            return False
        return endpoint == "token" and method in TOKEN_ENDPOINT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


def default_clients(portal_url: str, jwks_url: str | None = None) -> tuple[DevClient, DevClient]:
    """The resident and staff registrations for a portal served at ``portal_url``.

    The resident client may use private_key_jwt with the keys the portal publishes (``jwks_url``, by
    default the portal's /auth/jwks.json), as デジタル認証アプリ requires; both may log out at the provider.
    """
    base = portal_url.rstrip("/")
    logged_out = (f"{base}/auth/logged-out",)
    return (
        DevClient(
            client_id=RESIDENT_CLIENT_ID,
            client_secret=RESIDENT_CLIENT_SECRET,
            redirect_uris=(f"{base}/auth/resident/callback",),
            kind="resident",
            jwks_uri=jwks_url or f"{base}/auth/jwks.json",
            post_logout_redirect_uris=logged_out,
        ),
        DevClient(
            client_id=STAFF_CLIENT_ID,
            client_secret=STAFF_CLIENT_SECRET,
            redirect_uris=(f"{base}/auth/staff/callback",),
            kind="staff",
            post_logout_redirect_uris=logged_out,
        ),
    )
