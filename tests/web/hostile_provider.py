"""A deliberately broken OpenID Connect provider, served on a loopback port like the development provider.

It logs anybody in at once (no login page) and answers the token request with whatever ``behaviour`` says:
an ID token with one thing wrong, a 500, an HTML page, a userinfo that fails. ``"good"`` is a correct
answer, so each test shows that only the one flaw makes the portal refuse the login.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from flask import Flask, Response, jsonify, redirect, request
from flask.testing import FlaskClient
from joserfc import jwt
from joserfc.jwk import ECKey
from joserfc.util import urlsafe_b64encode

from portal.devidp import RunningServer, serve_in_thread

CLIENT_ID, CLIENT_SECRET = "hostile-test-client", "hostile-test-secret"
OTHER_CLIENT = "someone-elses-client"
SUB = "hostile-resident-1"
DEAD_URL = "http://127.0.0.1:9/token"  # the discard port: nothing listens, the connection is refused


def _signed(key: ECKey) -> Callable[[dict[str, Any], dict[str, Any]], str]:
    def sign(header: dict[str, Any], claims: dict[str, Any]) -> str:
        return jwt.encode({**header, "kid": key.kid}, claims, key)

    return sign


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A token with alg "none" and no signature: anyone can write one."""
    head, body = ({"alg": "none"}, claims)
    return ".".join(urlsafe_b64encode(json.dumps(part).encode()).decode() for part in (head, body)) + "."


def _drop(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda claims: claims.pop(name)


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda claims: claims.update(values)


# How each broken ID token differs from a good one.
CLAIM_FLAWS: dict[str, Callable[[dict[str, Any]], None]] = {
    "wrong iss": _set(iss="https://impostor.example"),
    "wrong aud": _set(aud=OTHER_CLIENT),
    "aud another client, azp ours": _set(aud=OTHER_CLIENT, azp=CLIENT_ID),
    "several aud without azp": _set(aud=[CLIENT_ID, OTHER_CLIENT]),
    "azp another client": _set(azp=OTHER_CLIENT),
    "expired": lambda claims: claims.update(exp=int(time.time()) - 600, iat=int(time.time()) - 1200),
    "iat in the future": lambda claims: claims.update(iat=int(time.time()) + 600, exp=int(time.time()) + 1200),
    "nonce mismatch": _set(nonce="not-the-nonce-the-portal-sent"),
    "nonce missing": _drop("nonce"),
    "sub missing": _drop("sub"),
    "sub empty": _set(sub=""),
    "auth_time missing": _drop("auth_time"),
    "auth_time too old": lambda claims: claims.update(auth_time=int(time.time()) - 7200),
    "acr other than requested": _set(acr="aal1"),
}


class HostileProvider:
    def __init__(self) -> None:
        self.key = ECKey.generate_key("P-256", private=True)
        self.key.ensure_kid()
        self.impostor_key = ECKey.generate_key("P-256", private=True)
        self.behaviour = "good"
        self._nonces: dict[str, str] = {}
        self._lock = threading.Lock()
        self.running: RunningServer = serve_in_thread(None)
        self.running.mount(self._app())

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": SUB,
            "exp": now + 300,
            "iat": now,
            "auth_time": now - 5,
            "nonce": nonce,
            "acr": "aal2",
            "name": "敵対　太郎",
        }
        if self.behaviour in CLAIM_FLAWS:
            CLAIM_FLAWS[self.behaviour](claims)
        sign = _signed(self.key)
        if self.behaviour == "alg none":
            sign = _unsigned
        elif self.behaviour == "signed by another key":
            impostor = ECKey.import_key(self.impostor_key.as_dict(private=True), {"kid": self.key.kid})
            sign = _signed(impostor)
        elif self.behaviour == "unknown kid":
            self.impostor_key.ensure_kid()
            sign = _signed(self.impostor_key)
        return sign({"alg": "ES256"}, claims)

    def _app(self) -> Flask:
        app = Flask(__name__)

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Response:
            if self.behaviour == "discovery not an object":
                return jsonify(["issuer", self.url])
            algorithms = ["none", "ES256"] if self.behaviour == "alg none" else ["ES256"]
            metadata = {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": DEAD_URL if self.behaviour == "token endpoint unreachable" else f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "id_token_signing_alg_values_supported": algorithms,
            }
            if self.behaviour.startswith("discovery without "):
                metadata.pop(self.behaviour.removeprefix("discovery without "))
            return jsonify(metadata)

        @app.get("/jwks")
        def jwks() -> Response:
            if self.behaviour == "JWKS not a key set":
                return jsonify([self.key.as_dict(private=False)])
            if self.behaviour == "JWKS with a malformed key":
                return jsonify(keys=[{**self.key.as_dict(private=False), "crv": "P-999"}])
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize() -> Response:
            code = secrets.token_urlsafe(16)
            with self._lock:
                self._nonces[code] = request.args["nonce"]
            query = urlencode({"code": code, "state": request.args["state"]})
            return redirect(f"{request.args['redirect_uri']}?{query}")

        @app.post("/token")
        def token() -> Response | tuple[str, int]:
            if self.behaviour == "token endpoint 500":
                return "Internal Server Error", 500
            if self.behaviour == "token endpoint answers HTML":
                return "<html><body>メンテナンス中</body></html>", 200
            with self._lock:
                nonce = self._nonces.pop(request.form["code"])
            answer = {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300}
            if self.behaviour == "token response without access_token":
                answer.pop("access_token")
            if self.behaviour != "no ID token":
                answer["id_token"] = self.id_token(nonce)
            return jsonify(answer)

        @app.get("/userinfo")
        def userinfo() -> Response | tuple[str, int]:
            if self.behaviour == "userinfo 500":
                return "Internal Server Error", 500
            if self.behaviour == "userinfo about someone else":
                return jsonify(sub="someone-else")
            if self.behaviour == "userinfo not an object":
                return jsonify(["sub", SUB])
            return jsonify(sub=SUB, birthdate="1980-01-01")

        return app

    def shutdown(self) -> None:
        self.running.shutdown()


def log_in(browser: FlaskClient):  # type: ignore[no-untyped-def]
    """Start a login, let the provider answer at once, and return the portal's answer to the callback."""
    start = browser.get("/auth/resident/login")
    assert start.status_code == 302, start.text
    authorized = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    callback = urlsplit(authorized.headers["Location"])
    return browser.get(f"{callback.path}?{callback.query}")
