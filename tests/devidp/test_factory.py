"""Building the provider: production is refused outright (it logs anyone in without a password); bad clients too."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from portal.devidp import DevClient, ProductionRefusedError, create_idp_app, default_clients
from portal.devidp.cli import EXIT_REFUSED, main

MESSAGE = "the development identity provider must never run in production"


@pytest.mark.parametrize("environment", ["production", "Production", " production "])
def test_factory_refuses_production(environment: str) -> None:
    with pytest.raises(ProductionRefusedError, match=MESSAGE):
        create_idp_app(issuer="http://idp.test", clients=default_clients("http://portal.test"), environment=environment)


@pytest.mark.parametrize("environment", ["development", "test"])
def test_factory_builds_outside_production(environment: str) -> None:
    clients = default_clients("http://portal.test")
    app = create_idp_app(issuer="http://idp.test", clients=clients, environment=environment)
    assert app.test_client().get("/.well-known/openid-configuration").json["issuer"] == "http://idp.test"


def test_cli_refuses_production_before_opening_a_port(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MADOGUCHI_ENV", "production")
    monkeypatch.setattr("portal.devidp.cli.serve_in_thread", pytest.fail)

    assert main(["--port", "0"]) == EXIT_REFUSED

    captured = capsys.readouterr()
    assert MESSAGE in captured.err
    assert captured.out == ""


def test_module_entry_point_exits_2_in_production() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "portal.devidp", "--port", "0"],
        env={**os.environ, "MADOGUCHI_ENV": "production"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert MESSAGE in result.stderr


def test_duplicate_client_ids_are_refused() -> None:
    resident, _ = default_clients("http://portal.test")
    with pytest.raises(ValueError, match="client ids must be unique"):
        create_idp_app(issuer="http://idp.test", clients=[resident, resident], environment="development")


def test_unknown_client_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="kind must be one of resident, staff, not 'admin'"):
        DevClient("c", "s", ("http://portal.test/cb",), "admin")  # type: ignore[arg-type]


@pytest.mark.parametrize("redirect_uris", [(), "http://portal.test/cb"])
def test_client_without_redirect_uris_is_refused(redirect_uris: Any) -> None:
    with pytest.raises(ValueError, match="redirect_uris must be a non-empty tuple"):
        DevClient("c", "s", redirect_uris, "resident")
