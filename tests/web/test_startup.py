"""The app refuses to start on a broken definition or configuration, saying which file, line or variable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.config import ROOT, ConfigError, load_settings
from portal.yamlsource import DefinitionError
from tests.web.conftest import login


@pytest.fixture
def dirs(tmp_path: Path) -> tuple[Path, Path]:
    """Copies of the real catalog and workflows that a test may break."""
    catalog = shutil.copytree(ROOT / "forms_catalog", tmp_path / "forms_catalog")
    workflows = shutil.copytree(ROOT / "workflows", tmp_path / "workflows")
    return catalog, workflows


def _create(tmp_path: Path, catalog: Path, workflows: Path) -> Flask:
    settings = load_settings(
        {
            "MADOGUCHI_ENV": "testing",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
            "SESSION_DIR": str(tmp_path / "sessions"),
            "CATALOG_DIR": str(catalog),
            "WORKFLOWS_DIR": str(workflows),
        }
    )
    return create_app(settings)


def _replace(file: Path, old: str, new: str) -> int:
    """Edit ``file`` and return the (1-based) line of the change."""
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def test_unbroken_copies_start(tmp_path: Path, dirs: tuple[Path, Path]) -> None:
    app = _create(tmp_path, *dirs)
    assert set(app.extensions["procedures"].catalog) == {"juminhyo", "sodai_gomi"}


def test_malformed_yaml_names_file_and_line(tmp_path: Path, dirs: tuple[Path, Path]) -> None:
    catalog, workflows = dirs
    line = _replace(catalog / "sodai_gomi.yaml", "        max_each: 5\n", "        max_each: [5\n")
    with pytest.raises(DefinitionError) as raised:
        _create(tmp_path, catalog, workflows)
    error = raised.value
    assert error.file == "forms_catalog/sodai_gomi.yaml"
    assert error.line is not None and line <= error.line <= line + 2
    assert str(error).startswith(f"forms_catalog/sodai_gomi.yaml:{error.line}: ")
    assert "が ] で閉じられていません" in str(error)


def test_invalid_field_names_file_line_and_path(tmp_path: Path, dirs: tuple[Path, Path]) -> None:
    catalog, workflows = dirs
    line = _replace(
        catalog / "juminhyo.yaml",
        "        type: kana\n        label: 氏（",
        "        type: katakana\n        label: 氏（",
    )
    with pytest.raises(DefinitionError) as raised:
        _create(tmp_path, catalog, workflows)
    assert str(raised.value).startswith(f"forms_catalog/juminhyo.yaml:{line}: pages[0].fields[2].type: ")
    assert "katakana" in str(raised.value)


def test_unknown_workflow_names_file_and_line(tmp_path: Path, dirs: tuple[Path, Path]) -> None:
    catalog, workflows = dirs
    line = _replace(catalog / "sodai_gomi.yaml", "workflow: sodai_gomi\n", "workflow: sodaigomi\n")
    with pytest.raises(DefinitionError) as raised:
        _create(tmp_path, catalog, workflows)
    assert str(raised.value) == (
        f"forms_catalog/sodai_gomi.yaml:{line}: workflow: unknown workflow 'sodaigomi'; known: juminhyo, sodai_gomi"
    )


def test_missing_workflow_file_is_reported_against_the_definition(tmp_path: Path, dirs: tuple[Path, Path]) -> None:
    catalog, workflows = dirs
    (workflows / "sodai_gomi.yaml").unlink()
    with pytest.raises(DefinitionError) as raised:
        _create(tmp_path, catalog, workflows)
    assert raised.value.file == "forms_catalog/sodai_gomi.yaml"
    assert "unknown workflow 'sodai_gomi'; known: juminhyo" in str(raised.value)


def test_unknown_certificate_template_names_file_and_line(tmp_path: Path, dirs: tuple[Path, Path]) -> None:
    catalog, workflows = dirs
    line = _replace(catalog / "juminhyo.yaml", "certificate: juminhyo\n", "certificate: koseki\n")
    with pytest.raises(DefinitionError) as raised:
        _create(tmp_path, catalog, workflows)
    assert str(raised.value).startswith(f"forms_catalog/juminhyo.yaml:{line}: certificate: ")
    assert "koseki" in str(raised.value)


def test_broken_workflow_names_file_and_line(tmp_path: Path, dirs: tuple[Path, Path]) -> None:
    catalog, workflows = dirs
    line = _replace(workflows / "sodai_gomi.yaml", "    to: completed\n", "    to: finished\n")
    with pytest.raises(DefinitionError) as raised:
        _create(tmp_path, catalog, workflows)
    assert raised.value.file.endswith("sodai_gomi.yaml") and raised.value.line == line
    assert "finished" in str(raised.value)


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
