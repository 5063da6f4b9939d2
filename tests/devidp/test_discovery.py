"""What the portal's Authlib client discovers: endpoints, supported features and the signing key."""

from __future__ import annotations

import requests


def test_discovery_document_describes_this_provider(idp_url: str) -> None:
    metadata = requests.get(f"{idp_url}/.well-known/openid-configuration", timeout=5).json()

    assert metadata["issuer"] == idp_url
    assert metadata["authorization_endpoint"] == f"{idp_url}/authorize"
    assert metadata["token_endpoint"] == f"{idp_url}/token"
    assert metadata["userinfo_endpoint"] == f"{idp_url}/userinfo"
    assert metadata["jwks_uri"] == f"{idp_url}/jwks"
    assert {"openid", "name", "address", "birthdate", "gender", "profile", "email"} <= set(metadata["scopes_supported"])
    assert {"name#ja-Kana-JP", "roles", "municipality"} <= set(metadata["claims_supported"])
    assert metadata["response_types_supported"] == ["code"]
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["id_token_signing_alg_values_supported"] == ["ES256"]
    assert metadata["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ]
    assert metadata["end_session_endpoint"] == f"{idp_url}/logout"


def test_jwks_publishes_the_public_p256_key_with_a_kid(idp_url: str) -> None:
    keys = requests.get(f"{idp_url}/jwks", timeout=5).json()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "EC" and keys[0]["crv"] == "P-256"
    assert keys[0]["kid"]
    assert "d" not in keys[0]  # never the private part
