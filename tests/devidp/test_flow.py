"""The authorization-code flow end to end, as the portal's Authlib client performs it."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask
from joserfc.errors import InvalidClaimError

from portal.identity import resident_profile_from_claims, staff_identity_from_claims
from portal.roles import Role

from .flows import REGISTRATIONS, Login, authorization_params, verify_id_token


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def login_claims(begin_login: Callable[..., Login], kind: str, sub: str) -> dict[str, Any]:
    login = begin_login(kind)
    token = login.fetch_token(login.callback(sub), code_verifier=login.code_verifier)
    return verify_id_token(login.idp_url, token["id_token"], REGISTRATIONS[kind][0], login.nonce)


def test_resident_login_yields_a_verified_id_token_with_resident_claims(begin_login: Callable[..., Login]) -> None:
    login = begin_login("resident")
    callback = login.callback("resident-yamada")

    assert callback.startswith("http://portal.test/auth/resident/callback?")
    assert query_of(callback)["state"] == login.state
    token = login.fetch_token(callback, code_verifier=login.code_verifier)
    claims = verify_id_token(login.idp_url, token["id_token"], "madoguchi-resident", login.nonce)

    assert claims["sub"] == "resident-yamada"
    assert claims["name"] == "山田　太郎"
    assert claims["name#ja-Kana-JP"] == "ヤマダ　タロウ"
    assert claims["birthdate"] == "1985-04-12"
    assert claims["gender"] == "male"
    assert claims["address"] == {
        "formatted": "東京都千代田区千代田1-1",
        "postal_code": "100-0001",
        "region": "東京都",
        "locality": "千代田区",
        "street_address": "千代田1-1",
        "country": "JP",
    }
    assert "roles" not in claims and "email" not in claims
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600


def test_userinfo_returns_the_same_claims_for_the_access_token(begin_login: Callable[..., Login]) -> None:
    login = begin_login("resident")
    login.fetch_token(login.callback("resident-sato"), code_verifier=login.code_verifier)

    userinfo = login.session.get(f"{login.idp_url}/userinfo").json()

    assert userinfo == {
        "sub": "resident-sato",
        "name": "佐藤花子",
        "name#ja-Kana-JP": "さとうはなこ",
        "birthdate": "1990-12-01",
        "gender": "female",
        "address": "東京都千代田区丸の内1-9-1",
    }


def test_userinfo_without_a_valid_token_is_refused(idp_url: str) -> None:
    assert requests.get(f"{idp_url}/userinfo", timeout=5).status_code == 401
    unknown = requests.get(f"{idp_url}/userinfo", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert unknown.status_code == 401


@pytest.mark.parametrize(
    ("sub", "expected"),
    [
        ("resident-yamada", ("山田", "太郎", "ヤマダ", "タロウ", "1000001", "東京都千代田区千代田1-1", False)),
        ("resident-sato", ("佐藤花子", "", "サトウハナコ", "", "", "東京都千代田区丸の内1-9-1", True)),
        ("resident-garcia", ("GARCIA", "Maria", "ガルシア", "マリア", "1638001", "東京都新宿区西新宿2-8-1", False)),
    ],
)
def test_each_demo_resident_normalises_to_a_profile(
    begin_login: Callable[..., Login], sub: str, expected: tuple[Any, ...]
) -> None:
    profile = resident_profile_from_claims(login_claims(begin_login, "resident", sub))
    assert profile.subject == sub
    assert (
        profile.family_name,
        profile.given_name,
        profile.family_name_kana,
        profile.given_name_kana,
        profile.postal_code,
        profile.address,
        profile.name_needs_split,
    ) == expected


def test_staff_login_carries_roles_and_municipality(begin_login: Callable[..., Login]) -> None:
    claims = login_claims(begin_login, "staff", "staff-mihon-both")

    assert {key: claims[key] for key in ("sub", "name", "email", "roles", "municipality")} == {
        "sub": "staff-mihon-both",
        "name": "兼務 三郎",
        "email": "both@mihon.example.jp",
        "roles": ["clerk", "approver"],
        "municipality": "999997",
    }
    assert "address" not in claims and "birthdate" not in claims
    identity = staff_identity_from_claims(claims)
    assert identity.roles == frozenset({Role.CLERK, Role.APPROVER})


def test_client_secret_post_is_accepted(begin_login: Callable[..., Login]) -> None:
    login = begin_login("staff")
    login.session.token_endpoint_auth_method = "client_secret_post"
    token = login.fetch_token(login.callback("staff-shiken-clerk"), code_verifier=login.code_verifier)
    assert verify_id_token(login.idp_url, token["id_token"], "madoguchi-staff", login.nonce)["municipality"] == "999989"


def test_claims_follow_the_granted_scope(begin_login: Callable[..., Login]) -> None:
    login = begin_login("resident", scope="openid name")
    token = login.fetch_token(login.callback("resident-yamada"), code_verifier=login.code_verifier)
    claims = verify_id_token(login.idp_url, token["id_token"], "madoguchi-resident", login.nonce)
    assert token["scope"] == "openid name"
    assert {"name", "name#ja-Kana-JP"} <= claims.keys()
    assert not {"address", "birthdate", "gender"} & claims.keys()


def test_a_client_cannot_obtain_the_other_kind_of_scope(begin_login: Callable[..., Login]) -> None:
    login = begin_login("resident", scope="openid name profile email")
    token = login.fetch_token(login.callback("resident-yamada"), code_verifier=login.code_verifier)
    assert token["scope"] == "openid name"


@pytest.mark.parametrize(
    ("verifier", "error"),
    [(None, "invalid_request"), ("wrong-verifier-" + "x" * 40, "invalid_grant")],
)
def test_token_request_without_the_right_code_verifier_is_refused(
    begin_login: Callable[..., Login], verifier: str | None, error: str
) -> None:
    login = begin_login("resident")
    callback = login.callback("resident-yamada")
    kwargs = {} if verifier is None else {"code_verifier": verifier}
    with pytest.raises(OAuthError) as caught:
        login.fetch_token(callback, **kwargs)
    assert caught.value.error == error


def test_a_code_is_redeemed_once(begin_login: Callable[..., Login]) -> None:
    login = begin_login("resident")
    callback = login.callback("resident-yamada")
    login.fetch_token(callback, code_verifier=login.code_verifier)
    with pytest.raises(OAuthError) as caught:
        login.fetch_token(callback, code_verifier=login.code_verifier)
    assert caught.value.error == "invalid_grant"


def test_a_code_is_bound_to_its_client(begin_login: Callable[..., Login]) -> None:
    resident = begin_login("resident")
    callback = resident.callback("resident-yamada")
    staff = begin_login("staff")
    with pytest.raises(OAuthError) as caught:
        staff.fetch_token(callback, code_verifier=resident.code_verifier)
    assert caught.value.error == "invalid_grant"


def test_wrong_client_secret_is_refused(begin_login: Callable[..., Login]) -> None:
    login = begin_login("resident")
    login.session.client_secret = "not-the-secret"
    with pytest.raises(OAuthError) as caught:
        login.fetch_token(login.callback("resident-yamada"), code_verifier=login.code_verifier)
    assert caught.value.error == "invalid_client"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"nonce": None}, "invalid_request"),
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),  # plain by default
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "name address"}, "invalid_scope"),  # OAuth without OpenID Connect
        ({"scope": "openid phone"}, "invalid_scope"),  # not offered by this provider
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_invalid_authorization_request_is_sent_back_to_the_registered_client(
    idp_url: str, overrides: dict[str, str | None], error: str
) -> None:
    response = requests.get(
        f"{idp_url}/authorize", params=authorization_params(**overrides), allow_redirects=False, timeout=5
    )
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("http://portal.test/auth/resident/callback?")
    assert query_of(location)["error"] == error
    assert query_of(location)["state"] == "state-1"
    assert "code" not in query_of(location)


def test_a_spent_nonce_cannot_start_another_login(begin_login: Callable[..., Login], idp_url: str) -> None:
    login = begin_login("resident")
    login.callback("resident-yamada")
    replay = authorization_params(nonce=login.nonce)
    response = requests.get(f"{idp_url}/authorize", params=replay, allow_redirects=False, timeout=5)
    assert query_of(response.headers["Location"])["error"] == "invalid_request"


@pytest.mark.parametrize(
    "overrides",
    [
        {"redirect_uri": "http://evil.example/callback"},
        {"redirect_uri": "http://portal.test/auth/staff/callback"},  # the other client's
        {"redirect_uri": None},
        {"client_id": "unknown-client"},
        {"client_id": None},
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unknown_client_or_redirect_uri_gets_an_error_page_not_a_redirect(
    idp_url: str, overrides: dict[str, str | None], method: str
) -> None:
    response = requests.request(
        method,
        f"{idp_url}/authorize",
        params=authorization_params(**overrides),
        data={"sub": "resident-yamada"},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "ログインできません" in response.text


def test_login_page_lists_only_the_clients_kind_of_users(idp_url: str) -> None:
    resident_page = requests.get(f"{idp_url}/authorize", params=authorization_params("resident"), timeout=5)
    staff_page = requests.get(f"{idp_url}/authorize", params=authorization_params("staff"), timeout=5)

    def buttons(html: str) -> set[str]:
        return set(re.findall(r'name="sub" value="([^"]+)"', html))

    assert resident_page.status_code == staff_page.status_code == 200
    assert buttons(resident_page.text) == {
        "resident-yamada",
        "resident-sato",
        "resident-garcia",
        "resident-yoshida",
        "resident-tanaka",
    }
    assert buttons(staff_page.text) == {
        "staff-mihon-clerk",
        "staff-mihon-approver",
        "staff-mihon-both",
        "staff-mihon-admin",
        "staff-shiken-clerk",
        "staff-shiken-approver",
        "staff-shiken-admin",
        "staff-platform-operator",
    }
    for page in (resident_page, staff_page):
        assert '<html lang="ja">' in page.text
        assert "開発用ログイン" in page.text
        assert "これは開発用の ID プロバイダです。" in page.text


@pytest.mark.parametrize(("kind", "sub"), [("resident", "staff-mihon-admin"), ("staff", "resident-yamada")])
def test_a_client_cannot_log_in_the_other_kind_of_user(begin_login: Callable[..., Login], kind: str, sub: str) -> None:
    response = begin_login(kind).pick(sub)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "選ばれた利用者はこのクライアントではログインできません。" in response.text


def test_an_unknown_user_cannot_be_picked(begin_login: Callable[..., Login]) -> None:
    response = begin_login("resident").pick("resident-nobody")
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_cancel_returns_access_denied_to_the_client(begin_login: Callable[..., Login]) -> None:
    login = begin_login("resident")
    response = requests.post(login.authorization_url, data={"cancel": "1"}, allow_redirects=False, timeout=5)
    assert response.status_code == 302
    callback = query_of(response.headers["Location"])
    assert (callback["error"], callback["state"]) == ("access_denied", login.state)
    assert "code" not in callback


def test_concurrent_logins_each_get_their_own_identity(begin_login: Callable[..., Login]) -> None:
    subs = ["resident-yamada", "resident-sato", "resident-garcia"] * 3
    with ThreadPoolExecutor(max_workers=len(subs)) as pool:
        claims = list(pool.map(lambda sub: login_claims(begin_login, "resident", sub), subs))
    assert [claim["sub"] for claim in claims] == subs


def test_the_portals_flask_client_accepts_the_id_token(begin_login: Callable[..., Login], idp_url: str) -> None:
    """The portal validates with Authlib's Flask client (discovery, JWKS, iss, aud, exp, nonce, at_hash)."""
    login = begin_login("staff")
    token = login.fetch_token(login.callback("staff-mihon-admin"), code_verifier=login.code_verifier)
    client_id, secret, _, scope = REGISTRATIONS["staff"]
    portal = Flask("portal-probe")
    client = OAuth(portal).register(
        "staff",
        client_id=client_id,
        client_secret=secret,
        server_metadata_url=f"{idp_url}/.well-known/openid-configuration",
        client_kwargs={"scope": scope, "code_challenge_method": "S256"},
    )

    with portal.app_context():
        userinfo = client.parse_id_token(token, nonce=login.nonce)
        with pytest.raises(InvalidClaimError):
            client.parse_id_token(token, nonce="another-nonce")

    assert staff_identity_from_claims(userinfo).roles == frozenset({Role.ADMIN, Role.CLERK})
