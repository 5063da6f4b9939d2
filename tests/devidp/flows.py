"""What the portal does against the provider: start a login, pick a user, verify the ID token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from portal.devidp import RESIDENT_CLIENT_ID, RESIDENT_CLIENT_SECRET, STAFF_CLIENT_ID, STAFF_CLIENT_SECRET

PORTAL_URL = "http://portal.test"
RESIDENT_SCOPE = "openid name address birthdate gender"
STAFF_SCOPE = "openid profile email"
REGISTRATIONS = {
    "resident": (RESIDENT_CLIENT_ID, RESIDENT_CLIENT_SECRET, f"{PORTAL_URL}/auth/resident/callback", RESIDENT_SCOPE),
    "staff": (STAFF_CLIENT_ID, STAFF_CLIENT_SECRET, f"{PORTAL_URL}/auth/staff/callback", STAFF_SCOPE),
}


@dataclass
class Login:
    """One authorization-code login as the portal performs it, step by step."""

    idp_url: str
    session: OAuth2Session
    nonce: str
    code_verifier: str
    authorization_url: str
    state: str

    def pick(self, sub: str) -> requests.Response:
        """Press the demo user's button on the login page (the page's form posts back to its own URL)."""
        return requests.post(self.authorization_url, data={"sub": sub}, allow_redirects=False, timeout=5)

    def callback(self, sub: str) -> str:
        response = self.pick(sub)
        assert response.status_code == 302, response.text
        location: str = response.headers["Location"]
        return location

    def fetch_token(self, callback_url: str, **kwargs: Any) -> dict[str, Any]:
        token: dict[str, Any] = self.session.fetch_token(
            f"{self.idp_url}/token", authorization_response=callback_url, **kwargs
        )
        return token


def start_login(idp_url: str, kind: str = "resident", **params: str) -> Login:
    client_id, secret, redirect_uri, scope = REGISTRATIONS[kind]
    session = OAuth2Session(
        client_id, secret, scope=params.pop("scope", scope), redirect_uri=redirect_uri, code_challenge_method="S256"
    )
    nonce, verifier = generate_token(20), generate_token(48)
    url, state = session.create_authorization_url(f"{idp_url}/authorize", nonce=nonce, code_verifier=verifier, **params)
    return Login(idp_url, session, nonce, verifier, url, state)


def authorization_params(kind: str = "resident", **overrides: str | None) -> dict[str, str]:
    """A valid authorization request for ``kind``'s client; an override of None leaves that parameter out."""
    client_id, _, redirect_uri, scope = REGISTRATIONS[kind]
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": "state-1",
        "nonce": generate_token(20),
        "code_challenge": create_s256_code_challenge(generate_token(48)),
        "code_challenge_method": "S256",
        **overrides,
    }
    return {key: value for key, value in params.items() if value is not None}


def verify_id_token(idp_url: str, id_token: str, client_id: str, nonce: str) -> dict[str, Any]:
    """Check the ID token as the portal does: ES256 signature by a key from /jwks, iss, aud, exp, nonce."""
    jwks = KeySet.import_key_set(requests.get(f"{idp_url}/jwks", timeout=5).json())
    token = jwt.decode(id_token, jwks, algorithms=["ES256"])
    assert token.header["alg"] == "ES256"
    JWTClaimsRegistry(
        iss={"essential": True, "value": idp_url},
        aud={"essential": True, "value": client_id},
        exp={"essential": True},
        nonce={"essential": True, "value": nonce},
    ).validate(token.claims)
    return dict(token.claims)
