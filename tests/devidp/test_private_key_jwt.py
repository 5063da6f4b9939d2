"""The resident client may authenticate at the token endpoint by private_key_jwt (RFC 7523).

The provider verifies the assertion with the keys the client publishes at its registered jwks_uri, here a
small app on a loopback port playing the portal's /auth/jwks.json.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from flask import Flask, jsonify

from portal.clientkeys import SigningKey, generate_signing_key, public_jwk, signing_algorithm
from portal.devidp import RunningServer, create_idp_app, default_clients, serve_in_thread

from .flows import PORTAL_URL, REGISTRATIONS, Login, start_login, verify_id_token

PUBLISHED = generate_signing_key("EC")


@pytest.fixture(scope="module")
def idp() -> Iterator[RunningServer]:
    keys = serve_in_thread(None)
    published = Flask(__name__)
    published.get("/auth/jwks.json")(lambda: jsonify(keys=[public_jwk(PUBLISHED)]))
    keys.mount(published)
    running = serve_in_thread(None)
    clients = default_clients(PORTAL_URL, jwks_url=f"{keys.url}/auth/jwks.json")
    running.mount(create_idp_app(issuer=running.url, clients=clients, environment="testing"))
    yield running
    running.shutdown()
    keys.shutdown()


def redeem(idp: RunningServer, login: Login, sub: str, key: SigningKey, **form: str) -> requests.Response:
    """The token request with a client assertion signed by ``key`` (and no secret anywhere)."""
    callback = login.callback(sub)
    code = callback.split("code=")[1].split("&")[0]
    client_id, _, redirect_uri, _ = REGISTRATIONS["resident"]
    assertion = private_key_jwt_sign(
        key, client_id, f"{idp.url}/token", alg=signing_algorithm(key), header={"kid": key.kid}
    )
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": login.code_verifier,
        "client_id": client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
        **form,
    }
    return requests.post(f"{idp.url}/token", data=data, timeout=5)


def test_an_assertion_signed_by_the_published_key_is_accepted(idp: RunningServer) -> None:
    login = start_login(idp.url, "resident")
    session = login.session
    session.client_secret = PUBLISHED
    session.token_endpoint_auth_method = "private_key_jwt"
    session.register_client_auth_method(PrivateKeyJWT(alg="ES256", headers={"kid": PUBLISHED.kid}))
    token = login.fetch_token(login.callback("resident-yamada"), code_verifier=login.code_verifier)
    claims = verify_id_token(idp.url, token["id_token"], REGISTRATIONS["resident"][0], login.nonce)
    assert claims["sub"] == "resident-yamada"


def test_an_assertion_signed_by_another_key_is_refused(idp: RunningServer) -> None:
    # 400, not 401: the client sent no Authorization header (RFC 6749 §5.2)
    response = redeem(idp, start_login(idp.url), "resident-yamada", generate_signing_key("EC"))
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"


def test_only_the_published_key_is_accepted(idp: RunningServer) -> None:
    response = redeem(idp, start_login(idp.url), "resident-yamada", generate_signing_key("RSA"))
    assert response.json()["error"] == "invalid_client"  # not the published key
    assert redeem(idp, start_login(idp.url), "resident-sato", PUBLISHED).status_code == 200


def unknown_code_request(idp: RunningServer, kind: str) -> dict[str, str]:
    """A token request for a code that does not exist, with a good assertion by ``kind``'s client."""
    client_id, _, redirect_uri, _ = REGISTRATIONS[kind]
    return {
        "grant_type": "authorization_code",
        "code": "no-such-code",
        "redirect_uri": redirect_uri,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": private_key_jwt_sign(PUBLISHED, client_id, f"{idp.url}/token", alg="ES256"),
    }


def test_an_assertion_cannot_be_replayed(idp: RunningServer) -> None:
    form = unknown_code_request(idp, "resident")
    first = requests.post(f"{idp.url}/token", data=form, timeout=5)
    assert first.status_code == 400 and first.json()["error"] == "invalid_grant"  # the client was authenticated
    again = requests.post(f"{idp.url}/token", data=form, timeout=5)
    assert again.status_code == 400 and again.json()["error"] == "invalid_client"


def test_a_client_without_a_jwks_uri_cannot_use_private_key_jwt(idp: RunningServer) -> None:
    response = requests.post(f"{idp.url}/token", data=unknown_code_request(idp, "staff"), timeout=5)
    assert response.status_code == 400 and response.json()["error"] == "invalid_client"
