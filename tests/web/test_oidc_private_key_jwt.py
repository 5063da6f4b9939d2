"""private_key_jwt end to end: the portal signs its token request with a key made by ``flask keys generate``,
and the development provider checks it against the portal's own /auth/jwks.json, fetched over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal.clientkeys import load_signing_key
from portal.config import ClientAuthMethod
from portal.devidp import create_idp_app, default_clients, serve_in_thread

from .conftest import PORTAL_URL, login


def generate_key(app: Flask, path: Path, *options: str) -> str:
    result = app.test_cli_runner().invoke(args=["keys", "generate", str(path), *options])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def signed_portal(build_app: Callable[..., Flask], app: Flask, tmp_path: Path, demo: object) -> Iterator[Flask]:
    """A portal using private_key_jwt (and no secret) for residents, served on a loopback port too, so that
    a development provider of its own fetches the public key from the portal's jwks URL."""
    generate_key(app, tmp_path / "resident.jwk")
    portal_server, idp_server = serve_in_thread(None), serve_in_thread(None)
    clients = default_clients(PORTAL_URL, jwks_url=f"{portal_server.url}/auth/jwks.json")
    idp_server.mount(create_idp_app(issuer=idp_server.url, clients=clients, environment="testing"))
    portal = build_app(
        DEV_IDP_URL=idp_server.url,
        RESIDENT_OIDC_AUTH_METHOD="private_key_jwt",
        RESIDENT_OIDC_PRIVATE_KEY_FILE=str(tmp_path / "resident.jwk"),
    )
    portal_server.mount(portal)
    yield portal
    idp_server.shutdown()
    portal_server.shutdown()


def test_a_resident_logs_in_with_private_key_jwt(signed_portal: Flask) -> None:
    registration = signed_portal.config["RESIDENT_OIDC"]
    assert registration.auth_method is ClientAuthMethod.PRIVATE_KEY_JWT and registration.client_secret == ""
    browser = signed_portal.test_client()
    assert login(browser, "resident", "resident-yamada").status_code == 302
    assert browser.get("/999997/applications").status_code == 200


def test_the_default_registration_still_uses_the_secret(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    assert app.config["RESIDENT_OIDC"].auth_method is ClientAuthMethod.CLIENT_SECRET_BASIC
    assert login(client, "resident", "resident-yamada").status_code == 302


def test_a_key_the_provider_does_not_know_is_refused(
    signed_portal: Flask, build_app, tmp_path: Path, db_session
) -> None:  # type: ignore[no-untyped-def]
    generate_key(signed_portal, tmp_path / "unknown.jwk")
    impostor = build_app(
        DEV_IDP_URL=signed_portal.config["DEV_IDP_URL"],
        RESIDENT_OIDC_AUTH_METHOD="private_key_jwt",
        RESIDENT_OIDC_PRIVATE_KEY_FILE=str(tmp_path / "unknown.jwk"),
    )
    browser = impostor.test_client()
    response = login(browser, "resident", "resident-yamada")
    assert response.status_code == 400 and "ログインできませんでした" in response.text
    assert browser.get("/999997/applications").status_code == 302


def test_the_jwks_url_publishes_the_public_key_only(signed_portal: Flask, app: Flask, tmp_path: Path) -> None:
    key = load_signing_key(tmp_path / "resident.jwk")
    response = signed_portal.test_client().get("/auth/jwks.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    [published] = response.get_json()["keys"]
    assert published == {**key.as_dict(private=False), "alg": "ES256", "use": "sig"}
    assert "d" not in published
    assert app.test_client().get("/auth/jwks.json").get_json() == {"keys": []}  # no private_key_jwt, no keys


def test_keys_generate_writes_a_private_jwk_with_a_kid(app: Flask, tmp_path: Path) -> None:
    output = generate_key(app, tmp_path / "rsa.jwk", "--type", "RSA")
    written = json.loads((tmp_path / "rsa.jwk").read_text())
    assert written["kty"] == "RSA" and written["alg"] == "RS256" and written["kid"] and "d" in written
    assert (tmp_path / "rsa.jwk").stat().st_mode & 0o777 == 0o600
    assert written["kid"] in output and '"d"' not in output  # only the public half is printed
    assert load_signing_key(tmp_path / "rsa.jwk").kid == written["kid"]


def test_keys_generate_never_overwrites_a_key(app: Flask, tmp_path: Path) -> None:
    generate_key(app, tmp_path / "key.jwk")
    before = (tmp_path / "key.jwk").read_text()
    result = app.test_cli_runner().invoke(args=["keys", "generate", str(tmp_path / "key.jwk")])
    assert result.exit_code == 1 and "exists" in result.output
    assert (tmp_path / "key.jwk").read_text() == before
