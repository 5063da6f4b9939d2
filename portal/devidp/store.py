"""In-memory, thread-safe storage for codes, access tokens and spent nonces.

A development provider needs no persistence, but it is served by a threaded server and the portal may
log in several users at once, so every read-modify-write happens under one lock.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oidc.core import AuthorizationCodeMixin

from portal.devidp.clients import DevClient
from portal.devidp.users import DemoUser

CODE_LIFETIME_SECONDS = 600  # RFC 6749 §4.1.2 recommends at most ten minutes


@dataclass(frozen=True)
class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]  # Authlib is untyped
    code: str
    client: DevClient
    user: DemoUser
    redirect_uri: str
    scope: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass(frozen=True)
class IssuedToken(TokenMixin):  # type: ignore[misc]  # Authlib is untyped
    access_token: str
    client: DevClient
    user: DemoUser
    scope: str
    issued_at: float
    expires_in: int

    def check_client(self, client: DevClient) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return False  # the provider has no revocation endpoint

    def get_user(self) -> DemoUser:
        return self.user

    def get_client(self) -> DevClient:
        return self.client


class MemoryStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._codes: dict[str, AuthorizationCode] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._nonces: set[tuple[str, str]] = set()
        self._assertion_ids: dict[tuple[str, str], float] = {}

    def add_code(self, code: AuthorizationCode) -> None:
        """Keep ``code`` and spend its nonce, so the same nonce cannot start a second login."""
        now = time.time()
        with self._lock:
            self._codes = {key: value for key, value in self._codes.items() if value.expires_at > now}
            self._codes[code.code] = code
            if code.nonce:
                self._nonces.add((code.client.client_id, code.nonce))

    def claim_code(self, code: str, client: DevClient) -> AuthorizationCode | None:
        """Remove and return ``code`` if it is live and was issued to ``client``.

        Removing on lookup makes a code redeemable once even when two token requests race.
        """
        with self._lock:
            found = self._codes.get(code)
            if found is None or found.client.client_id != client.client_id:
                return None
            del self._codes[code]
        return found if found.expires_at > time.time() else None

    def nonce_spent(self, client_id: str, nonce: str) -> bool:
        with self._lock:
            return (client_id, nonce) in self._nonces

    def spend_assertion_id(self, client_id: str, jti: str, expires_at: float) -> bool:
        """True the first time a client assertion's jti is seen (RFC 7523 §3: no replay), False after."""
        now = time.time()
        with self._lock:
            self._assertion_ids = {key: exp for key, exp in self._assertion_ids.items() if exp > now}
            if (client_id, jti) in self._assertion_ids:
                return False
            self._assertion_ids[(client_id, jti)] = expires_at
            return True

    def add_token(self, token: IssuedToken) -> None:
        with self._lock:
            self._tokens = {key: value for key, value in self._tokens.items() if not value.is_expired()}
            self._tokens[token.access_token] = token

    def token(self, access_token: str) -> IssuedToken | None:
        with self._lock:
            return self._tokens.get(access_token)
