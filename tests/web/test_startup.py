"""The app refuses to start on a broken configuration or missing fonts, saying which variable or package."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import ROOT, ConfigError, load_settings
from tests.web.conftest import login


def test_the_portal_starts_on_a_broken_catalog_directory_and_serves_what_is_published(
    build_app: Callable[..., Flask], tmp_path: Path, db_session: Session, demo: object
) -> None:
    """Files are checked when they are published (tests/web/test_catalog_publish.py), not at every start."""
    catalog = shutil.copytree(ROOT / "forms_catalog", tmp_path / "forms_catalog")
    (catalog / "sodai_gomi.yaml").write_text("title: [broken\n", encoding="utf-8")

    app = build_app(CATALOG_DIR=str(catalog))

    assert set(app.extensions["procedures"].published(db_session).catalog) == {
        "juminhyo",
        "sodai_gomi",
        "risai_shomei",
        "jidou_teate",
    }
    assert app.test_client().get("/999997/procedures/sodai_gomi").status_code == 200


def test_bad_environment_stops_create_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MADOGUCHI_ENV", "production")
    for variable in ("SECRET_KEY", "REDIS_URL", "STAFF_OIDC_CLIENT_ID"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DATABASE_URL", "mysql://db/madoguchi")
    with pytest.raises(ConfigError) as raised:
        create_app()
    named = {problem.split(":")[0] for problem in raised.value.problems}
    assert {"SECRET_KEY", "REDIS_URL", "DATABASE_URL", "STAFF_OIDC_CLIENT_ID"} <= named


def test_a_machine_without_the_certificate_fonts_refuses_to_start(tmp_path: Path) -> None:
    """Not one answer refused as unprintable at a time: the app names the missing fonts and does not start."""
    conf = tmp_path / "fonts.conf"  # fontconfig that knows no font at all (fonts are read once per process)
    conf.write_text('<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig/>', encoding="utf-8")
    start = "from portal import create_app; create_app()"
    env = {**os.environ, "FONTCONFIG_FILE": str(conf), "MADOGUCHI_ENV": "testing", "SESSION_DIR": str(tmp_path)}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.db'}"

    started = subprocess.run([sys.executable, "-c", start], cwd=ROOT, env=env, capture_output=True, text=True)

    assert started.returncode == 1
    assert started.stderr.splitlines()[-1] == (
        "portal.certificates.fonts.CertificateFontError: certificate font not installed: IPAmjMincho, IPAexMincho, "
        "IPAexGothic (Debian packages: fonts-ipamj-mincho fonts-ipaexfont-mincho fonts-ipaexfont-gothic; "
        "run scripts/install-system-packages)"
    )


@pytest.fixture(scope="module")
def other_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """A second portal in the process whose provider is unreachable. Module scope: it must exist before the
    test's db_session fixture points the shared ``db`` at the test transaction."""
    return create_app(
        load_settings(
            {
                "MADOGUCHI_ENV": "testing",
                "DATABASE_URL": database_url,
                "SESSION_DIR": str(tmp_path_factory.mktemp("other-sessions")),
                "DEV_IDP_URL": "http://127.0.0.1:9",  # nothing listens there
            }
        )
    )


def test_each_app_keeps_its_own_identity_providers(other_app: Flask, client: FlaskClient) -> None:
    """A second app in the process (another worker, the browser tests) must not take over the first's logins."""
    assert other_app.test_client().get("/auth/resident/login").status_code == 400
    assert login(client, "resident", "resident-yamada").status_code == 302
    assert other_app.test_client().get("/auth/staff/login").status_code == 400
