"""Redirect URIs name the address browsers use, also behind a TLS-terminating load balancer."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

PUBLIC = "https://madoguchi.example.jp"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "madoguchi.example.jp", "X-Forwarded-For": "203.0.113.9"}


def redirect_uri(app: Flask, kind: str = "resident", headers: dict[str, str] | None = None) -> str:
    start = app.test_client().get(f"/auth/{kind}/login", headers=headers or {})
    assert start.status_code == 302, start.text
    return parse_qs(urlsplit(start.headers["Location"]).query)["redirect_uri"][0]


@pytest.mark.parametrize("kind", ["resident", "staff"])
def test_public_url_names_the_callback(build_app, kind: str) -> None:  # type: ignore[no-untyped-def]
    app = build_app(PUBLIC_URL=PUBLIC + "/")
    assert redirect_uri(app, kind) == f"{PUBLIC}/auth/{kind}/callback"
    assert (
        redirect_uri(app, kind, {**FORWARDED, "X-Forwarded-Host": "evil.example"}) == f"{PUBLIC}/auth/{kind}/callback"
    )


def test_trusted_proxies_pass_on_the_scheme_and_host(build_app) -> None:  # type: ignore[no-untyped-def]
    app = build_app(TRUSTED_PROXIES="1")
    assert redirect_uri(app, headers=FORWARDED) == f"{PUBLIC}/auth/resident/callback"
    # A client's own X-Forwarded-Host comes first; only the value our one proxy appended counts.
    spoofed = {**FORWARDED, "X-Forwarded-Host": "evil.example, madoguchi.example.jp"}
    assert redirect_uri(app, headers=spoofed) == f"{PUBLIC}/auth/resident/callback"


def test_forwarded_headers_are_ignored_without_trusted_proxies(app: Flask) -> None:
    assert redirect_uri(app, headers=FORWARDED) == "http://localhost/auth/resident/callback"
