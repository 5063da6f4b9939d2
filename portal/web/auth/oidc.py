"""The two OIDC client registrations on Authlib: authentication at the token endpoint, the authentication
request, the code exchange with strict ID token checks, and RP-initiated logout.

Every way a provider can fail or lie (unreachable, an HTML or 500 token response, a forged or misaddressed
ID token, a broken userinfo) ends in :class:`LoginFailed`, so the views answer with the login error page. Each
of its answers is checked where it is parsed; an error of any other kind is a bug of ours, and a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from flask import Flask, current_app, url_for
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from requests import HTTPError, RequestException, Response

from portal.clientkeys import public_jwk, signing_algorithm
from portal.config import ClientAuthMethod, OIDCClient
from portal.web.auth.idtoken import LoginFailed, UnknownSigningKey, verify_id_token
from portal.web.i18n import current_language

log = logging.getLogger(__name__)

SCOPES = {"resident": "openid name address birthdate gender", "staff": "openid profile email"}
# What a provider's answers raise: ours once parsed, and Authlib's, joserfc's and requests' own.
_PROVIDER_ERRORS = (LoginFailed, AuthlibBaseError, JoseError, RequestException)
# Where discovery must point for a login (OpenID Connect Discovery 1.0 §3: all three are required).
_REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


class _Session(OAuth2Session):  # type: ignore[misc]
    def parse_response_token(self, resp: Response) -> dict[str, Any]:
        try:
            token: dict[str, Any] = super().parse_response_token(resp)
        except ValueError:  # Authlib's word for a body that is not a JSON object (an HTML page)
            raise LoginFailed(f"the token response is not a JSON object (HTTP {resp.status_code})") from None
        return token


class _Client(FlaskOAuth2App):  # type: ignore[misc]  # Authlib is untyped
    """Authlib's Flask client with our ID token validation instead of its lenient one, and every answer of the
    provider checked before it is used."""

    client_cls = _Session

    def load_server_metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = super().load_server_metadata()
        except TypeError:  # Authlib stamps the parsed document with its load time: it is not a JSON object
            raise LoginFailed("the discovery document is not a JSON object") from None
        for name in _REQUIRED_ENDPOINTS:
            if not isinstance(metadata.get(name), str):
                raise LoginFailed(f"the discovery document has no {name}")
        return metadata

    def userinfo(self, **kwargs: Any) -> dict[str, Any]:
        """Authlib's, without its UserInfo(data) that fails with a TypeError or ValueError on a non-object."""
        response = self.get(self.load_server_metadata()["userinfo_endpoint"], **kwargs)
        response.raise_for_status()
        data = response.json()
        if not isinstance(data, dict):
            raise LoginFailed("userinfo is not a JSON object")
        return data

    def parse_id_token(self, token: dict[str, Any], nonce: str, **_: Any) -> dict[str, Any]:
        metadata = self.load_server_metadata()
        registration: OIDCClient = current_app.config[f"{self.name.upper()}_OIDC"]

        def verify(force: bool) -> dict[str, Any]:
            keys = _key_set(self.fetch_jwk_set(force=force))
            return verify_id_token(
                token.get("id_token"), keys=keys, metadata=metadata, registration=registration, nonce=nonce
            )

        try:
            return verify(force=False)
        except UnknownSigningKey:
            return verify(force=True)  # fetch the provider's keys again, once


def _key_set(document: Any) -> KeySet:
    """The provider's JWKS; joserfc raises KeyError, TypeError or ValueError on some malformed keys."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise LoginFailed("the JWKS is not a key set")
    try:
        return KeySet.import_key_set(document)
    except (KeyError, TypeError, ValueError) as exc:
        raise LoginFailed(f"the JWKS holds a malformed key ({type(exc).__name__})") from None


class _OAuth(OAuth):  # type: ignore[misc]
    oauth2_client_cls = _Client


def init_app(app: Flask) -> None:
    """One OAuth registry per app: Authlib caches clients, so a shared one would hand a second app (another
    worker, the tests) the first app's provider settings."""
    oauth = _OAuth(app)
    for provider in SCOPES:
        registration: OIDCClient = app.config[f"{provider.upper()}_OIDC"]
        client_kwargs = {
            "scope": SCOPES[provider],
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": registration.auth_method.value,
        }
        credentials: dict[str, Any] = {"client_secret": registration.client_secret}
        if registration.auth_method is ClientAuthMethod.PRIVATE_KEY_JWT:
            key = registration.private_key
            assert key is not None  # config refuses private_key_jwt without a key
            credentials = {
                "client_secret": key,  # Authlib's PrivateKeyJWT signs with the "secret"
                "client_auth_methods": [PrivateKeyJWT(alg=signing_algorithm(key), headers={"kid": key.kid})],
            }
        oauth.register(
            provider,
            client_id=registration.client_id,
            server_metadata_url=registration.discovery_url,
            client_kwargs=client_kwargs,
            **credentials,
        )


def client(provider: str) -> _Client:
    return current_app.extensions["authlib.integrations.flask_client"].create_client(provider)


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL of ours for a provider or a browser: on PUBLIC_URL when set, else this request's
    host and scheme (which ProxyFix takes from the trusted proxies)."""
    public_url = current_app.config["PUBLIC_URL"]
    if public_url:
        return public_url + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def public_keys() -> list[dict[str, object]]:
    """The public halves of the keys our registrations sign client assertions with (one per kid)."""
    keys = {}
    for provider in SCOPES:
        key = current_app.config[f"{provider.upper()}_OIDC"].private_key
        if key is not None:
            keys[key.kid] = public_jwk(key)
    return list(keys.values())


def authorize_redirect(provider: str) -> Any:
    """The redirect to the provider's authorization endpoint (PKCE S256, state and nonce kept in the session),
    asking for its pages in the person's language (``ui_locales``, which a provider may ignore)."""
    registration: OIDCClient = current_app.config[f"{provider.upper()}_OIDC"]
    try:
        return client(provider).authorize_redirect(
            external_url(f"auth.{provider}_callback"),
            ui_locales=current_language().code,
            **registration.authorize_params(),
        )
    except _PROVIDER_ERRORS as exc:
        raise _failed(provider, exc) from None


def exchange(provider: str) -> dict[str, Any]:
    """Redeem the callback's code; return the verified claims, completed from userinfo. The ID token itself is
    not kept: it holds personal claims, and logout names the client instead (see end_session_url)."""
    oidc = client(provider)
    try:
        token = oidc.authorize_access_token()
        if "userinfo" not in token:  # no ID token, or no nonce in our state: never trust such a login
            raise LoginFailed("no ID token was verified (none returned, or no nonce kept)")
        claims: dict[str, Any] = dict(token["userinfo"])
        if oidc.load_server_metadata().get("userinfo_endpoint"):
            extra = oidc.userinfo(token=token)
            if extra.get("sub") != claims["sub"]:
                raise LoginFailed("userinfo is about another subject")  # OIDC Core §5.3.2
            claims = {**extra, **claims}
    except _PROVIDER_ERRORS as exc:
        raise _failed(provider, exc) from None
    return claims


def end_session_url(provider: str, state: str) -> str | None:
    """The provider's end_session_endpoint with client_id, post_logout_redirect_uri and state, if it has one.

    client_id, not id_token_hint (OpenID Connect RP-Initiated Logout 1.0 §2): the browser opens this URL, so it
    stays in the history of a shared terminal and in the provider's access log, and an ID token holds the
    person's name, address and birthdate.
    """
    try:
        metadata = client(provider).load_server_metadata()
    except _PROVIDER_ERRORS as exc:
        log.warning("%s provider unreachable at logout (%s)", provider, type(exc).__name__)
        return None
    if not isinstance(metadata.get("end_session_endpoint"), str):
        return None
    logout = client(provider).create_logout_url(
        post_logout_redirect_uri=external_url("auth.logged_out"),
        state=state,
        client_id=client(provider).client_id,
        ui_locales=current_language().code,
    )
    return str(logout["url"])


def new_state() -> str:
    return generate_token(32)


def _failed(provider: str, exc: Exception) -> LoginFailed:
    """Log why (exception class and a short reason, never a token, code or claim) and return a LoginFailed."""
    if isinstance(exc, LoginFailed):
        reason = exc.reason
    elif isinstance(exc, HTTPError) and exc.response is not None:
        reason = f"HTTP {exc.response.status_code} from the provider"
    elif isinstance(exc, AuthlibBaseError):
        reason = f"error={exc.error!r}"[:80]
    elif isinstance(exc, JoseError):
        reason = exc.error
    else:
        reason = "provider unreachable or its answer malformed"
    log.warning("%s login refused (%s): %s", provider, type(exc).__name__, reason)
    return exc if isinstance(exc, LoginFailed) else LoginFailed(reason)
