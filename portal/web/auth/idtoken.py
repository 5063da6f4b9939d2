"""ID token validation, OpenID Connect Core §3.1.3.7, strictly.

Authlib's check lets through an ID token whose aud is another client when azp names us, does not refuse an
iat in the future, and skips the nonce when the state lost it; a provider can only be trusted as far as the
relying party checks what it signs, so every rule is applied here and any failure is a :class:`LoginFailed`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from portal.config import OIDCClient

LEEWAY_SECONDS = 60  # clock skew between the provider and us
DEFAULT_ALGORITHMS = ("RS256",)  # OpenID Connect Discovery: RS256 when the provider names none


class LoginFailed(Exception):
    """A login the portal refuses. ``reason`` is for the log: short, and never a token, code or claim value."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UnknownSigningKey(LoginFailed):
    """The token names a kid the cached key set lacks: the provider may have rotated its keys."""


def allowed_algorithms(metadata: Mapping[str, Any]) -> list[str]:
    """The signing algorithms the provider advertises, never ``none`` (an unsigned token proves nothing)."""
    advertised = metadata.get("id_token_signing_alg_values_supported") or DEFAULT_ALGORITHMS
    if not isinstance(advertised, list | tuple):
        raise LoginFailed("id_token_signing_alg_values_supported is not a list")
    algorithms = [alg for alg in advertised if isinstance(alg, str) and alg.lower() != "none"]
    if not algorithms:
        raise LoginFailed("the provider advertises no ID token signing algorithm but none")
    return algorithms


def verify_id_token(
    id_token: object,
    *,
    keys: KeySet,
    metadata: Mapping[str, Any],
    registration: OIDCClient,
    nonce: str | None,
    now: int | None = None,
) -> dict[str, Any]:
    """The claims of ``id_token`` once its signature and every claim check out."""
    if not isinstance(id_token, str) or not id_token:
        raise LoginFailed("the token response holds no ID token")
    if not nonce:
        raise LoginFailed("no nonce was kept for this login")
    issuer = metadata.get("issuer")
    if not isinstance(issuer, str) or not issuer:
        raise LoginFailed("the discovery document names no issuer")
    now = int(time.time()) if now is None else now
    try:
        registry = JWSRegistry(algorithms=allowed_algorithms(metadata), strict_check_header=False)
        token = jwt.decode(id_token, keys, registry=registry)
        jwt.JWTClaimsRegistry(
            now=now,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": registration.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except InvalidKeyIdError:
        raise UnknownSigningKey("ID token refused: no key with its kid") from None
    except JoseError as exc:
        raise LoginFailed(f"ID token refused: {type(exc).__name__} {exc.error}: {exc.description}") from None
    claims = dict(token.claims)
    _check_authorized_party(claims, registration.client_id)
    _check_authentication(claims, registration, now)
    return claims


def _check_authorized_party(claims: Mapping[str, Any], client_id: str) -> None:
    """azp, when present, must be us; a token meant for several audiences must say it was issued to us."""
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    azp = claims.get("azp")
    if azp is None and len(audiences) > 1:
        raise LoginFailed("ID token refused: several audiences and no azp")
    if azp is not None and azp != client_id:
        raise LoginFailed("ID token refused: azp is another client")


def _check_authentication(claims: Mapping[str, Any], registration: OIDCClient, now: int) -> None:
    """What the registration asked for: an authentication no older than max_age, at one of acr_values."""
    if registration.max_age is not None:
        auth_time = claims.get("auth_time")
        if not isinstance(auth_time, int | float) or isinstance(auth_time, bool):
            raise LoginFailed("ID token refused: max_age was requested and auth_time is missing")
        if auth_time > now + LEEWAY_SECONDS:
            raise LoginFailed("ID token refused: auth_time is in the future")
        if now - auth_time > registration.max_age + LEEWAY_SECONDS:
            raise LoginFailed("ID token refused: the authentication is older than max_age")
    if registration.acr_values and claims.get("acr") not in registration.acr_values:
        raise LoginFailed("ID token refused: acr is not one of the requested acr_values")
