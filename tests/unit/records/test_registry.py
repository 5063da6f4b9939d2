"""Which records backend serves which municipality: a registry by name, configured and checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.config import ConfigError, load_settings
from portal.records.demo import DemoRecords
from portal.records.http import HttpRecords
from portal.records.registry import RecordsSource, backend_names, build_directory, register
from tests.unit.test_config import production_env


def test_the_built_in_backends_are_registered() -> None:
    assert {"demo", "http"} <= backend_names()


def test_registering_a_name_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="'demo' is already registered"):
        register("demo")(lambda code, source: lambda session: None)  # type: ignore[arg-type, return-value]


def test_an_unknown_backend_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(KeyError, match="unknown records backend 'ldap'; known backends: demo, http"):
        build_directory({"999997": RecordsSource("ldap")})


def test_a_directory_opens_each_municipality_with_its_own_backend() -> None:
    directory = build_directory(
        {"999997": RecordsSource("demo"), "131016": RecordsSource("http", "https://core.example/api", "t")}
    )
    session = object()
    demo = directory.open("999997", session)  # type: ignore[arg-type]
    http = directory.open("131016", session)  # type: ignore[arg-type]
    assert isinstance(demo, DemoRecords) and demo.municipality_code == "999997" and demo.session is session
    assert isinstance(http, HttpRecords) and http.municipality_code == "131016"
    assert directory.open("999989", session) is None  # type: ignore[arg-type]
    assert list(directory.open_all(session)) == ["131016", "999997"]  # type: ignore[arg-type]


def test_development_uses_the_demo_records_of_the_demo_municipalities() -> None:
    assert load_settings({}).records_backends == {"999997": RecordsSource("demo"), "999989": RecordsSource("demo")}
    assert load_settings({"RECORDS_BACKENDS": ""}).records_backends == {}


def test_production_has_no_records_backend_unless_configured(tmp_path: Path) -> None:
    assert load_settings(production_env(tmp_path)).records_backends == {}


def test_an_http_backend_takes_its_url_and_token(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        RECORDS_BACKENDS=" 131016 = http , 999997=demo",
        RECORDS_HTTP_URL_131016="https://core.chiyoda.example/records/v1",
        RECORDS_HTTP_TOKEN_131016="s3cret",
    )
    sources = load_settings(env).records_backends
    assert sources == {
        "131016": RecordsSource("http", "https://core.chiyoda.example/records/v1", "s3cret"),
        "999997": RecordsSource("demo"),
    }
    assert "s3cret" not in repr(sources)  # settings may be logged


def test_every_bad_records_setting_is_reported_at_once(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        RECORDS_BACKENDS="131016=http,131017=demo,999997,999989=ldap,999997=demo,999997=demo,132012=http",
        RECORDS_HTTP_URL_131016="http://core.chiyoda.example/records",
        RECORDS_HTTP_URL_132012="not a url",
    )
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert raised.value.problems == [
        "RECORDS_HTTP_URL_131016: 'http://core.chiyoda.example/records' must be an https URL in production",
        "RECORDS_HTTP_TOKEN_131016: required for the http records backend of 131016",
        "RECORDS_BACKENDS: '131017=demo' is not <地方公共団体コード>=<backend>",
        "RECORDS_BACKENDS: '999997' is not <地方公共団体コード>=<backend>",
        "RECORDS_BACKENDS: unknown backend 'ldap' for 999989; known backends: demo, http",
        "RECORDS_BACKENDS: 999997 is named more than once",
        "RECORDS_HTTP_URL_132012: 'not a url' must be an https URL in production",
        "RECORDS_HTTP_TOKEN_132012: required for the http records backend of 132012",
    ]


def test_outside_production_an_http_url_must_still_be_a_url() -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(
            {"RECORDS_BACKENDS": "999997=http", "RECORDS_HTTP_URL_999997": "ftp://x", "RECORDS_HTTP_TOKEN_999997": "t"}
        )
    assert raised.value.problems == ["RECORDS_HTTP_URL_999997: 'ftp://x' is not an http(s) URL"]
