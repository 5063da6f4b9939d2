"""The development OpenID Connect provider: a Flask app on Authlib's authorization server.

It speaks the protocol the portal uses with real providers (authorization code, PKCE S256, nonce, ES256
ID tokens published at /jwks), but "logging in" is picking a demo user from a list, so it must never
run in production.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import requests
from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error, OAuth2Request
from authlib.oauth2.rfc6749 import InvalidClientError, InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo, UserInfoEndpoint
from flask import Flask, Response, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from portal.devidp.clients import PRIVATE_KEY_JWT, TOKEN_ENDPOINT_AUTH_METHODS, DevClient, client_scopes
from portal.devidp.store import CODE_LIFETIME_SECONDS, AuthorizationCode, IssuedToken, MemoryStore
from portal.devidp.users import KINDS, SCOPE_CLAIMS, DemoUser, demo_users
from portal.languages import JAPANESE, Language, negotiate
from portal.web.i18n import init_languages

ID_TOKEN_ALG = "ES256"
ACCESS_TOKEN_LIFETIME_SECONDS = 3600  # Authlib's default for this grant is ten days


class ProductionRefusedError(RuntimeError):
    """Raised instead of building the provider when the environment is production."""

    def __init__(self) -> None:
        super().__init__(
            "the development identity provider must never run in production: it logs anyone in as any "
            "demo user without a password (MADOGUCHI_ENV=production)"
        )


def refuse_production(environment: str) -> None:
    """Raise :class:`ProductionRefusedError` for the production environment (any letter case)."""
    if environment.strip().lower() == "production":
        raise ProductionRefusedError()


def create_idp_app(
    *, issuer: str, clients: Sequence[DevClient], environment: str, translations: Path | None = None
) -> Flask:
    """Build the provider for ``clients``; ``issuer`` is the base URL it is served at. It speaks the languages whose
    catalogs are in ``translations`` (default translations/, as the portal)."""
    refuse_production(environment)
    client_ids = [client.client_id for client in clients]
    if len(set(client_ids)) != len(client_ids):
        raise ValueError(f"client ids must be unique, got {client_ids}")

    app = Flask(__name__)
    if translations is not None:
        app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(translations)
    init_languages(app, _ui_locales)
    provider = _Provider(app, issuer.rstrip("/"), clients)
    users = demo_users()
    users_by_sub = {user.sub: user for user in users}

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Response:
        return jsonify(provider.metadata())

    @app.get("/jwks")
    def jwks() -> Response:
        return jsonify({"keys": [provider.signing_key.as_dict(private=False)]})

    @app.get("/authorize")
    def authorize() -> Response | tuple[str, int] | str:
        try:
            grant = provider.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return _refuse(provider, error)
        client: DevClient = grant.client
        return render_template(
            "authorize.html",
            client=client,
            users=[user for user in users if user.kind == client.kind],
            action=request.full_path,
        )

    @app.post("/authorize")
    def pick_user() -> Response | tuple[str, int]:
        try:
            grant = provider.get_consent_grant(end_user=None)
        except OAuth2Error as error:
            return _refuse(provider, error)
        if "cancel" in request.form:
            return provider.create_authorization_response(grant=grant, grant_user=None)
        user = users_by_sub.get(request.form.get("sub", ""))
        if user is None or user.kind != grant.client.kind:
            description = _("選ばれた利用者はこのクライアントではログインできません。")
            return render_template("error.html", description=description), 400
        return provider.create_authorization_response(grant=grant, grant_user=user)

    @app.post("/token")
    def token() -> Response:
        return provider.create_token_response()

    @app.route("/userinfo", methods=["GET", "POST"])
    def userinfo() -> Response:
        return provider.create_endpoint_response("userinfo")

    @app.get("/logout")
    def end_session() -> Response | tuple[str, int] | str:
        """RP-initiated logout: back to a post_logout_redirect_uri the client registered, with its state.

        The client is named by client_id (what the portal sends) or id_token_hint, and both must agree when
        both are given (RP-Initiated Logout 1.0 §2). The provider keeps no login session of its own, so there is
        nothing else to end and nothing to confirm.
        """
        target = request.args.get("post_logout_redirect_uri")
        if not target:
            return render_template("logged_out.html")
        client = provider.client_of_logout(request.args.get("client_id"), request.args.get("id_token_hint"))
        if client is None or target not in client.post_logout_redirect_uris:
            description = _(
                "client_id も id_token_hint もないか、両者が食い違うか、"
                "post_logout_redirect_uri がこのクライアントに登録されていません。"
            )
            return render_template("error.html", description=description), 400
        state = request.args.get("state")
        return redirect(add_params_to_uri(target, {"state": state}) if state else target)

    return app


def _ui_locales(offered: tuple[Language, ...]) -> Language:
    """The pages' language: the first of the request's ``ui_locales`` (OpenID Connect Core §3.1.2.1, RP-Initiated
    Logout §2: space-separated BCP 47 tags, most preferred first) that the provider speaks, else Japanese. The
    authorization form posts back to the same URL, so its answer keeps the language."""
    return negotiate(request.values.get("ui_locales", "").split(), offered) or JAPANESE


def _refuse(provider: _Provider, error: OAuth2Error) -> Response | tuple[str, int]:
    """Report an authorization error to the client only once its redirect_uri is known to be registered.

    Redirecting to an unverified URI would make the provider an open redirector, so those get a page.
    """
    if error.redirect_uri:
        return provider.handle_error_response(None, error)
    return render_template("error.html", description=error.description or error.error), 400


class _Provider(AuthorizationServer):  # type: ignore[misc]  # Authlib is untyped
    def __init__(self, app: Flask, issuer: str, clients: Sequence[DevClient]) -> None:
        super().__init__()
        self.issuer = issuer
        self.store = MemoryStore()
        self.signing_key = ECKey.generate_key("P-256", private=True)
        self.signing_key.ensure_kid()
        self._clients = {client.client_id: client for client in clients}
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": ACCESS_TOKEN_LIFETIME_SECONDS}
        self.init_app(app, query_client=self._clients.get, save_token=self._store_token)
        self.scopes_supported = sorted({scope for kind in KINDS for scope in client_scopes(kind)})
        self.register_grant(_CodeGrant, [_S256Required(), _OpenIDCode(self)])
        self.register_client_auth_method(PRIVATE_KEY_JWT, _PrivateKeyJWT(self))
        self.register_endpoint(_UserInfo(resource_protector=_bearer_protector(self.store)))

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "end_session_endpoint": f"{self.issuer}/logout",
            "jwks_uri": f"{self.issuer}/jwks",
            "scopes_supported": self.scopes_supported,
            "claims_supported": sorted(
                {"sub"} | {claim for kind in KINDS for claims in SCOPE_CLAIMS[kind].values() for claim in claims}
            ),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": [ID_TOKEN_ALG],
            "token_endpoint_auth_methods_supported": list(TOKEN_ENDPOINT_AUTH_METHODS),
            "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256"],
        }

    def client_of_logout(self, client_id: str | None, id_token_hint: str | None) -> DevClient | None:
        """The client a logout request names; None when it names none, an unknown one, or two that differ."""
        if id_token_hint is None:
            return self._clients.get(client_id or "")
        client = self.client_of_id_token(id_token_hint)
        if client is None or client_id not in (None, client.client_id):
            return None
        return client

    def client_of_id_token(self, id_token: str) -> DevClient | None:
        """The client an ID token of ours was issued to (an expired one is fine as an id_token_hint)."""
        try:
            claims = jwt.decode(id_token, self.signing_key, algorithms=[ID_TOKEN_ALG]).claims
        except (JoseError, ValueError):
            return None
        if claims.get("iss") != self.issuer or not isinstance(claims.get("aud"), str):
            return None
        return self._clients.get(claims["aud"])

    def _store_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.store.add_token(
            IssuedToken(
                access_token=token["access_token"],
                client=request.client,
                user=request.user,
                scope=token["scope"],
                issued_at=time.time(),
                expires_in=token["expires_in"],
            )
        )


class _CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = list(TOKEN_ENDPOINT_AUTH_METHODS)

    def validate_authorization_request(self) -> str:
        """Only OpenID Connect requests: without ``openid`` the nonce and ID token would be skipped."""
        redirect_uri: str = super().validate_authorization_request()
        if "openid" not in self.request.scope.split():
            raise InvalidScopeError("The scope must include 'openid'.", redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        now = time.time()
        self.server.store.add_code(
            AuthorizationCode(
                code=code,
                client=request.client,
                user=request.user,
                redirect_uri=request.payload.redirect_uri,
                scope=request.scope,
                nonce=data["nonce"],
                code_challenge=data["code_challenge"],
                code_challenge_method=data["code_challenge_method"],
                auth_time=int(now),
                expires_at=now + CODE_LIFETIME_SECONDS,
            )
        )

    def query_authorization_code(self, code: str, client: DevClient) -> AuthorizationCode | None:
        return self.server.store.claim_code(code, client)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Nothing to do: :meth:`MemoryStore.claim_code` already removed the code when it was redeemed."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> DemoUser:
        return authorization_code.user


class _PrivateKeyJWT(JWTBearerClientAssertion):  # type: ignore[misc]
    """private_key_jwt (RFC 7523): the assertion is verified with the keys the client publishes."""

    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def __init__(self, provider: _Provider) -> None:
        super().__init__()
        self.provider = provider

    def get_audiences(self) -> list[str]:
        return [f"{self.provider.issuer}/token", self.provider.issuer]

    def validate_jti(self, claims: dict[str, Any], jti: str) -> bool:
        return self.provider.store.spend_assertion_id(claims["sub"], jti, claims["exp"])

    def resolve_client_public_key(self, client: DevClient) -> KeySet:
        if not client.jwks_uri:
            raise InvalidClientError(description="The client has no registered jwks_uri.")
        try:
            response = requests.get(client.jwks_uri, timeout=5)
            response.raise_for_status()
            return KeySet.import_key_set(response.json())
        except (requests.RequestException, ValueError, JoseError) as error:
            raise InvalidClientError(
                description=f"The client's jwks_uri could not be read ({type(error).__name__})."
            ) from None


class _S256Required(CodeChallenge):  # type: ignore[misc]
    """PKCE on every request, S256 only, as the portal and デジタル認証アプリ use it.

    Authlib's ``required=True`` only binds public clients; both registrations here are confidential.
    """

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: _CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE with S256 is required.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class _OpenIDCode(OpenIDCode):  # type: ignore[misc]
    def __init__(self, provider: _Provider) -> None:
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.provider.store.nonce_spent(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client: DevClient) -> ECKey:
        return self.provider.signing_key

    def get_client_algorithm(self, client: DevClient) -> str:
        return ID_TOKEN_ALG

    def get_encode_header(self, client: DevClient) -> dict[str, str]:
        return {"alg": ID_TOKEN_ALG, "kid": self.provider.signing_key.kid}

    def get_client_claims(self, client: DevClient) -> dict[str, str]:
        return {"iss": self.provider.issuer, "aud": client.client_id}

    def generate_user_info(self, user: DemoUser, scope: str) -> UserInfo:
        return UserInfo(user.claims_for(scope))


class _UserInfo(UserInfoEndpoint):  # type: ignore[misc]
    def generate_user_info(self, user: DemoUser, scope: str) -> UserInfo:
        return UserInfo(user.claims_for(scope))

    def get_issuer(self) -> str:
        issuer: str = self.server.issuer
        return issuer


class _StoredBearerToken(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, store: MemoryStore) -> None:
        super().__init__()
        self.store = store

    def authenticate_token(self, token_string: str) -> IssuedToken | None:
        return self.store.token(token_string)


def _bearer_protector(store: MemoryStore) -> ResourceProtector:
    protector = ResourceProtector()
    protector.register_token_validator(_StoredBearerToken(store))
    return protector
