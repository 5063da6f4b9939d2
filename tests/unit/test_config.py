"""load_settings: sensible development defaults, and every bad value named — all of them in one report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from joserfc.jwk import ECKey

from portal.clientkeys import generate_signing_key, private_jwk, signing_algorithm
from portal.config import (
    CC_BY,
    DEV_CERTIFICATE_HMAC_KEY,
    DEV_PUBLIC_URL,
    DEV_SECRET_KEY,
    ROOT,
    ClientAuthMethod,
    ConfigError,
    Environment,
    License,
    LogFormat,
    Settings,
    load_settings,
)

GOOD_SECRET = "x" * 32


def production_env(tmp_path: Path, **changes: str) -> dict[str, str]:
    env = {
        "MADOGUCHI_ENV": "production",
        "SECRET_KEY": GOOD_SECRET,
        "DATABASE_URL": "postgresql://madoguchi@db.example/madoguchi",
        "REDIS_URL": "redis://cache.example:6379/0",
        "SESSION_DIR": str(tmp_path),
        "PUBLIC_URL": "https://madoguchi.example.jp",
        "CERTIFICATE_HMAC_KEY": "y" * 32,
        "SIGNING_DIR": str(tmp_path),
        "SMTP_URL": "smtps://madoguchi:secret@mail.example.jp",
        "MAIL_FROM": "窓口 <noreply@madoguchi.example.jp>",
    }
    for prefix in ("RESIDENT", "STAFF"):
        env[f"{prefix}_OIDC_DISCOVERY_URL"] = f"https://{prefix.lower()}.idp.example/.well-known/openid-configuration"
        env[f"{prefix}_OIDC_CLIENT_ID"] = f"{prefix.lower()}-client"
        env[f"{prefix}_OIDC_CLIENT_SECRET"] = f"{prefix.lower()}-secret"
    env.update(changes)
    return env


def problems(env: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(env)
    assert all(problem in str(raised.value) for problem in raised.value.problems)
    return raised.value.problems


def test_development_needs_no_configuration() -> None:
    settings = load_settings({})
    assert settings.environment is Environment.DEVELOPMENT
    assert settings.database_url.startswith("sqlite:///")
    assert settings.redis_url is None
    assert settings.resident_oidc.discovery_url == "http://127.0.0.1:5001/.well-known/openid-configuration"
    assert settings.resident_oidc.client_id != settings.staff_oidc.client_id
    config = settings.flask_config()
    assert config["SESSION_COOKIE_SECURE"] is False and config["TESTING"] is False


def test_complete_production_settings(tmp_path: Path) -> None:
    settings = load_settings(production_env(tmp_path))
    assert isinstance(settings, Settings) and settings.environment is Environment.PRODUCTION
    config = settings.flask_config()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["PREFERRED_URL_SCHEME"] == "https"
    assert config["SECRET_KEY"] == GOOD_SECRET
    assert config["STAFF_OIDC"].client_id == "staff-client"


def test_testing_environment_sets_flask_testing() -> None:
    assert load_settings({"MADOGUCHI_ENV": "testing"}).flask_config()["TESTING"] is True


def test_unknown_environment_is_named_and_the_rest_judged_as_production() -> None:
    found = problems({"MADOGUCHI_ENV": "staging"})
    assert found[0] == "MADOGUCHI_ENV: 'staging' is not one of development, testing, production"
    assert "REDIS_URL: required in production so that app servers share sessions" in found


@pytest.mark.parametrize("secret", ["", "short", "x" * 31])
def test_short_secret_key(secret: str) -> None:
    assert problems({"SECRET_KEY": secret}) == ["SECRET_KEY: must be set to at least 32 random characters"]


def test_production_refuses_the_development_secret_key(tmp_path: Path) -> None:
    assert problems(production_env(tmp_path, SECRET_KEY=DEV_SECRET_KEY)) == [
        "SECRET_KEY: the development key must not be used in production"
    ]


def test_production_without_anything_reports_every_missing_variable() -> None:
    assert problems({"MADOGUCHI_ENV": "production"}) == [
        "SECRET_KEY: must be set to at least 32 random characters",
        "REDIS_URL: required in production so that app servers share sessions",
        "RESIDENT_OIDC_DISCOVERY_URL: required",
        "RESIDENT_OIDC_CLIENT_ID: required",
        "RESIDENT_OIDC_CLIENT_SECRET: required",
        "STAFF_OIDC_DISCOVERY_URL: required",
        "STAFF_OIDC_CLIENT_ID: required",
        "STAFF_OIDC_CLIENT_SECRET: required",
        "PUBLIC_URL: required in production: the address printed on certificates and used in redirect URIs",
        "CERTIFICATE_HMAC_KEY: must be set to at least 32 random characters",
        "SIGNING_DIR: '' is not a directory",
        "SMTP_URL: required in production (smtps://…, smtp+starttls://…, or disabled)",
    ]


@pytest.mark.parametrize(
    "variable",
    ["STAFF_OIDC_CLIENT_SECRET", "RESIDENT_OIDC_DISCOVERY_URL", "REDIS_URL", "PUBLIC_URL"],
)
def test_production_names_the_one_missing_variable(tmp_path: Path, variable: str) -> None:
    env = production_env(tmp_path)
    del env[variable]
    [problem] = problems(env)
    assert problem.startswith(f"{variable}: required")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres://u:p@h:5432/db", "postgresql+psycopg://u:p@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////var/lib/madoguchi.db", "sqlite:////var/lib/madoguchi.db"),
    ],
)
def test_database_url_uses_the_psycopg_driver(url: str, expected: str) -> None:
    assert load_settings({"DATABASE_URL": url}).database_url == expected


@pytest.mark.parametrize(
    ("url", "scheme"),
    [("mysql://u@h/db", "mysql"), ("madoguchi.db", ""), ("postgresql+asyncpg://h/db", "postgresql+asyncpg")],
)
def test_unsupported_database_url(url: str, scheme: str) -> None:
    assert problems({"DATABASE_URL": url}) == [
        f"DATABASE_URL: unsupported scheme {scheme!r}; use sqlite:///path or postgresql://user@host/db"
    ]


@pytest.mark.parametrize("url", ["http://cache:6379", "cache.example:6379"])
def test_bad_redis_url(url: str) -> None:
    assert problems({"REDIS_URL": url}) == [f"REDIS_URL: {url!r} is not a redis:// URL"]


@pytest.mark.parametrize("url", ["idp.example/.well-known/openid-configuration", "ftp://idp.example/x", "https://"])
def test_bad_discovery_url(tmp_path: Path, url: str) -> None:
    assert problems(production_env(tmp_path, STAFF_OIDC_DISCOVERY_URL=url)) == [
        f"STAFF_OIDC_DISCOVERY_URL: {url!r} is not an http(s) URL"
    ]


def test_bad_development_provider_url_is_named_once() -> None:
    assert problems({"DEV_IDP_URL": "localhost:5001"}) == ["DEV_IDP_URL: 'localhost:5001' is not an http(s) URL"]


@pytest.mark.parametrize("variable", ["CATALOG_DIR", "WORKFLOWS_DIR", "CERTIFICATES_DIR"])
def test_missing_directory(tmp_path: Path, variable: str) -> None:
    missing = tmp_path / "nowhere"
    assert problems({variable: str(missing)}) == [f"{variable}: {str(missing)!r} is not a directory"]
    a_file = tmp_path / "file.yaml"
    a_file.write_text("title: x\n")
    assert problems({variable: str(a_file)}) == [f"{variable}: {str(a_file)!r} is not a directory"]
    assert problems({variable: ""}) == [f"{variable}: '' is not a directory"]  # not silently the current directory


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    env = production_env(
        tmp_path,
        SECRET_KEY="short",
        DATABASE_URL="mysql://h/db",
        REDIS_URL="http://cache",
        RESIDENT_OIDC_DISCOVERY_URL="not a url",
        CATALOG_DIR=str(tmp_path / "none"),
    )
    del env["STAFF_OIDC_CLIENT_ID"]
    found = problems(env)
    assert [problem.split(":")[0] for problem in found] == [
        "SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "RESIDENT_OIDC_DISCOVERY_URL",
        "STAFF_OIDC_CLIENT_ID",
        "CATALOG_DIR",
    ]
    message = str(ConfigError(found))
    assert message.startswith("invalid configuration:\n  - SECRET_KEY")


def test_certificate_settings_have_development_defaults() -> None:
    settings = load_settings({})
    assert settings.public_url is None  # redirect URIs follow the request's host in development
    assert settings.certificate_base_url == DEV_PUBLIC_URL
    assert settings.certificate_hmac_key == DEV_CERTIFICATE_HMAC_KEY
    assert settings.signing_dir == ROOT / "instance" / "pki"  # created by `flask certificates dev-pki`
    configured = load_settings({"PUBLIC_URL": "https://portal.example.jp/"})
    assert configured.public_url == configured.certificate_base_url == "https://portal.example.jp"


def test_short_certificate_hmac_key() -> None:
    assert problems({"CERTIFICATE_HMAC_KEY": "z" * 31}) == [
        "CERTIFICATE_HMAC_KEY: must be set to at least 32 random characters"
    ]


def test_production_refuses_the_development_certificate_hmac_key(tmp_path: Path) -> None:
    assert problems(production_env(tmp_path, CERTIFICATE_HMAC_KEY=DEV_CERTIFICATE_HMAC_KEY)) == [
        "CERTIFICATE_HMAC_KEY: the development key must not be used in production"
    ]


def test_production_needs_an_existing_signing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "pki"
    assert problems(production_env(tmp_path, SIGNING_DIR=str(missing))) == [
        f"SIGNING_DIR: {str(missing)!r} is not a directory"
    ]
    assert problems({"SIGNING_DIR": ""}) == ["SIGNING_DIR: '' is not a directory"]


def test_logs_are_text_in_development_and_json_in_production(tmp_path: Path) -> None:
    assert load_settings({}).log_format is LogFormat.TEXT
    assert load_settings(production_env(tmp_path)).log_format is LogFormat.JSON
    assert load_settings({"LOG_FORMAT": "json"}).log_format is LogFormat.JSON
    assert load_settings(production_env(tmp_path, LOG_FORMAT="text")).log_format is LogFormat.TEXT


def test_request_id_header_is_trusted_only_when_named() -> None:
    assert load_settings({}).request_id_header is None
    settings = load_settings({"REQUEST_ID_HEADER": "X-Request-ID"})
    assert settings.flask_config()["REQUEST_ID_HEADER"] == "X-Request-ID"


def test_bad_logging_settings_are_named() -> None:
    assert problems({"LOG_FORMAT": "xml", "REQUEST_ID_HEADER": "X-Request-ID: 1"}) == [
        "LOG_FORMAT: 'xml' is not one of json, text",
        "REQUEST_ID_HEADER: 'X-Request-ID: 1' is not a header name (letters, digits and -)",
    ]


def test_session_and_rate_limit_defaults() -> None:
    settings = load_settings({})
    assert (settings.resident_idle_minutes, settings.staff_idle_minutes, settings.session_max_hours) == (30, 60, 12)
    config = settings.flask_config()
    assert config["RATELIMIT_LOGIN"] == "20/minute" and config["RATELIMIT_SUBMIT"] == "5/minute;30/hour"
    assert config["RATELIMIT_COUNTER"] == "10/minute;200/hour"
    assert config["RATELIMIT_TRANSITION"] == "30/minute" and config["RATELIMIT_POSTAL"] == "30/minute"


def test_session_and_rate_limit_settings_are_read() -> None:
    settings = load_settings(
        {"STAFF_IDLE_MINUTES": "45", "SESSION_MAX_HOURS": "8", "RATELIMIT_POSTAL": "10 per minute, 100/day"}
    )
    assert (settings.staff_idle_minutes, settings.session_max_hours) == (45, 8)
    assert settings.ratelimit_postal == "10 per minute, 100/day"


def test_bad_session_and_rate_limit_settings_are_all_named() -> None:
    assert problems(
        {
            "RESIDENT_IDLE_MINUTES": "0",
            "STAFF_IDLE_MINUTES": "an hour",
            "SESSION_MAX_HOURS": "-1",
            "RATELIMIT_LOGIN": "lots",
            "RATELIMIT_SUBMIT": "0/minute",
            "RATELIMIT_COUNTER": "10 a minute",
            "RATELIMIT_TRANSITION": "",
            "RATELIMIT_POSTAL": "5/fortnight",
            "RATELIMIT_VERIFY": "many/minute",
        }
    ) == [
        "RESIDENT_IDLE_MINUTES: '0' is not a whole number of at least 1",
        "STAFF_IDLE_MINUTES: 'an hour' is not a whole number of at least 1",
        "SESSION_MAX_HOURS: '-1' is not a whole number of at least 1",
        "RATELIMIT_LOGIN: 'lots' is not a rate limit such as '10/minute' or '5/minute;30/hour'",
        "RATELIMIT_SUBMIT: '0/minute' is not a rate limit such as '10/minute' or '5/minute;30/hour'",
        "RATELIMIT_COUNTER: '10 a minute' is not a rate limit such as '10/minute' or '5/minute;30/hour'",
        "RATELIMIT_TRANSITION: '' is not a rate limit such as '10/minute' or '5/minute;30/hour'",
        "RATELIMIT_POSTAL: '5/fortnight' is not a rate limit such as '10/minute' or '5/minute;30/hour'",
        "RATELIMIT_VERIFY: 'many/minute' is not a rate limit such as '10/minute' or '5/minute;30/hour'",
    ]


def test_private_key_jwt_needs_a_key_file_but_no_secret(tmp_path: Path) -> None:
    key_file = tmp_path / "resident.jwk"
    key_file.write_text(json.dumps(private_jwk(generate_signing_key())))
    env = production_env(
        tmp_path, RESIDENT_OIDC_AUTH_METHOD="private_key_jwt", RESIDENT_OIDC_PRIVATE_KEY_FILE=str(key_file)
    )
    del env["RESIDENT_OIDC_CLIENT_SECRET"]
    resident = load_settings(env).resident_oidc
    assert resident.auth_method is ClientAuthMethod.PRIVATE_KEY_JWT
    assert resident.private_key is not None and resident.private_key.is_private and resident.client_secret == ""
    assert load_settings(production_env(tmp_path)).staff_oidc.auth_method is ClientAuthMethod.CLIENT_SECRET_BASIC


def test_a_pem_key_file_is_accepted_and_given_a_kid(tmp_path: Path) -> None:
    key_file = tmp_path / "staff.pem"
    key_file.write_bytes(generate_signing_key("RSA").as_pem(private=True))
    env = {"STAFF_OIDC_AUTH_METHOD": "private_key_jwt", "STAFF_OIDC_PRIVATE_KEY_FILE": str(key_file)}
    key = load_settings(env).staff_oidc.private_key
    assert key is not None and key.kid


def test_unknown_auth_method_is_named() -> None:
    assert problems({"STAFF_OIDC_AUTH_METHOD": "client_secret_jwt"}) == [
        "STAFF_OIDC_AUTH_METHOD: 'client_secret_jwt' is not one of client_secret_basic, private_key_jwt"
    ]


def test_private_key_jwt_without_a_key_file(tmp_path: Path) -> None:
    assert problems({"RESIDENT_OIDC_AUTH_METHOD": "private_key_jwt"}) == [
        "RESIDENT_OIDC_PRIVATE_KEY_FILE: required with RESIDENT_OIDC_AUTH_METHOD=private_key_jwt"
    ]
    missing = tmp_path / "nowhere.pem"
    [problem] = problems(
        {"RESIDENT_OIDC_AUTH_METHOD": "private_key_jwt", "RESIDENT_OIDC_PRIVATE_KEY_FILE": str(missing)}
    )
    assert problem.startswith(f"RESIDENT_OIDC_PRIVATE_KEY_FILE: cannot read {str(missing)!r}")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not a key", "holds no usable private key"),
        (b'{"kty": "oct", "k": "c2VjcmV0"}', "holds no usable private key"),
        (json.dumps(generate_signing_key().as_dict(private=False)).encode(), "holds a public key"),
    ],
)
def test_a_key_file_without_a_private_key(tmp_path: Path, content: bytes, reason: str) -> None:
    key_file = tmp_path / "key"
    key_file.write_bytes(content)
    env = {"RESIDENT_OIDC_AUTH_METHOD": "private_key_jwt", "RESIDENT_OIDC_PRIVATE_KEY_FILE": str(key_file)}
    [problem] = problems(env)
    assert problem.startswith("RESIDENT_OIDC_PRIVATE_KEY_FILE: ") and reason in problem


def _ec_pem(curve: ec.EllipticCurve) -> bytes:
    key = ec.generate_private_key(curve)
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


@pytest.mark.parametrize(
    ("name", "content", "curve"),
    [
        (
            "secp256k1.jwk",
            json.dumps(ECKey.generate_key("secp256k1", private=True).as_dict(private=True)).encode(),
            "secp256k1",
        ),
        ("secp256k1.pem", _ec_pem(ec.SECP256K1()), "secp256k1"),
        ("secp224r1.pem", _ec_pem(ec.SECP224R1()), "secp224r1"),  # a curve the JOSE library does not know either
    ],
)
def test_an_ec_key_on_a_curve_without_a_signing_algorithm_is_named(
    tmp_path: Path, name: str, content: bytes, curve: str
) -> None:
    """Not a KeyError when the provider client is built: the variable, the file and the curves to use."""
    key_file = tmp_path / name
    key_file.write_bytes(content)
    env = {"STAFF_OIDC_AUTH_METHOD": "private_key_jwt", "STAFF_OIDC_PRIVATE_KEY_FILE": str(key_file)}
    assert problems(env) == [
        f"STAFF_OIDC_PRIVATE_KEY_FILE: {str(key_file)!r} holds an EC key on the curve {curve!r}; "
        "use one of P-256, P-384, P-521"
    ]


@pytest.mark.parametrize(
    ("curve", "algorithm"), [(ec.SECP256R1(), "ES256"), (ec.SECP384R1(), "ES384"), (ec.SECP521R1(), "ES512")]
)
def test_an_ec_key_on_each_supported_curve_is_accepted(tmp_path: Path, curve: ec.EllipticCurve, algorithm: str) -> None:
    key_file = tmp_path / "staff.pem"
    key_file.write_bytes(_ec_pem(curve))
    env = {"STAFF_OIDC_AUTH_METHOD": "private_key_jwt", "STAFF_OIDC_PRIVATE_KEY_FILE": str(key_file)}
    key = load_settings(env).staff_oidc.private_key
    assert key is not None and signing_algorithm(key) == algorithm


def test_authentication_request_options() -> None:
    env = {
        "RESIDENT_OIDC_ACR_VALUES": "aal2  aal3",
        "RESIDENT_OIDC_PROMPT": "login consent",
        "RESIDENT_OIDC_MAX_AGE": "600",
    }
    resident = load_settings(env).resident_oidc
    assert (resident.acr_values, resident.prompt, resident.max_age) == (("aal2", "aal3"), "login consent", 600)
    assert resident.authorize_params() == {"acr_values": "aal2 aal3", "prompt": "login consent", "max_age": "600"}
    assert load_settings({}).staff_oidc.authorize_params() == {}
    assert load_settings({"STAFF_OIDC_MAX_AGE": "0"}).staff_oidc.authorize_params() == {"max_age": "0"}


@pytest.mark.parametrize("value", ["-1", "ten", "1.5", "１０"])
def test_bad_max_age(value: str) -> None:
    assert problems({"STAFF_OIDC_MAX_AGE": value}) == [
        f"STAFF_OIDC_MAX_AGE: {value!r} is not a whole number of seconds (0 or more)"
    ]


@pytest.mark.parametrize("value", ["always", "none login"])
def test_bad_prompt(value: str) -> None:
    [problem] = problems({"RESIDENT_OIDC_PROMPT": value})
    assert problem.startswith(f"RESIDENT_OIDC_PROMPT: {value!r} must be space-separated values of none, login")


def test_public_url_and_trusted_proxies(tmp_path: Path) -> None:
    assert load_settings(production_env(tmp_path)).public_url == "https://madoguchi.example.jp"
    settings = load_settings(production_env(tmp_path, TRUSTED_PROXIES="2"))
    assert (settings.public_url, settings.trusted_proxies) == ("https://madoguchi.example.jp", 2)
    assert load_settings({}).trusted_proxies == 0
    # Proxies alone do not do in production: certificates print the public address, never a request's host.
    env = production_env(tmp_path, TRUSTED_PROXIES="2")
    del env["PUBLIC_URL"]
    assert problems(env) == [
        "PUBLIC_URL: required in production: the address printed on certificates and used in redirect URIs"
    ]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (
            "madoguchi.example.jp",
            "PUBLIC_URL: 'madoguchi.example.jp' must be an origin such as https://madoguchi.example.jp",
        ),
        ("https://madoguchi.example.jp/portal", "PUBLIC_URL: 'https://madoguchi.example.jp/portal' must be an origin"),
        ("http://madoguchi.example.jp", "PUBLIC_URL: 'http://madoguchi.example.jp' must use https in production"),
    ],
)
def test_bad_public_url(tmp_path: Path, value: str, problem: str) -> None:
    [found] = problems(production_env(tmp_path, PUBLIC_URL=value))
    assert found.startswith(problem)


@pytest.mark.parametrize("value", ["-1", "two", ""])
def test_bad_trusted_proxies(value: str) -> None:
    assert problems({"TRUSTED_PROXIES": value}) == [
        f"TRUSTED_PROXIES: {value!r} is not a whole number of proxies (0 or more)"
    ]


def test_the_worker_queue_defaults_to_the_sessions_redis_else_a_local_one(tmp_path: Path) -> None:
    assert load_settings({}).celery_broker_url == "redis://127.0.0.1:6379/1"
    assert load_settings({"REDIS_URL": "redis://cache:6379/0"}).celery_broker_url == "redis://cache:6379/0"
    assert load_settings(production_env(tmp_path)).celery_broker_url == "redis://cache.example:6379/0"
    assert load_settings({"MADOGUCHI_ENV": "testing"}).celery_broker_url is None  # tasks run in the process
    assert load_settings({}).certificate_retry_seconds == 300


@pytest.mark.parametrize("url", ["amqp://guest@rabbit//", "cache.example:6379"])
def test_bad_celery_broker_url(url: str) -> None:
    assert problems({"CELERY_BROKER_URL": url}) == [f"CELERY_BROKER_URL: {url!r} is not a redis:// URL"]


def test_production_on_a_redis_socket_names_the_worker_queue(tmp_path: Path) -> None:
    assert problems(production_env(tmp_path, REDIS_URL="unix:///run/redis.sock")) == [
        "CELERY_BROKER_URL: required in production when REDIS_URL is a unix socket"
    ]
    env = production_env(tmp_path, REDIS_URL="unix:///run/redis.sock", CELERY_BROKER_URL="redis://queue:6379/1")
    assert load_settings(env).celery_broker_url == "redis://queue:6379/1"


@pytest.mark.parametrize("value", ["0", "five", "-1"])
def test_bad_certificate_retry_seconds(value: str) -> None:
    assert problems({"CERTIFICATE_RETRY_SECONDS": value}) == [
        f"CERTIFICATE_RETRY_SECONDS: {value!r} is not a whole number of at least 1"
    ]


def test_drafts_are_kept_30_days_unless_set() -> None:
    assert load_settings({}).draft_days == 30
    assert load_settings({"DRAFT_DAYS": "7"}).draft_days == 7


@pytest.mark.parametrize("value", ["0", "a month", "-30", "1.5"])
def test_bad_draft_days(value: str) -> None:
    assert problems({"DRAFT_DAYS": value}) == [f"DRAFT_DAYS: {value!r} is not a whole number of at least 1"]


def test_email_goes_to_the_development_sink_and_nowhere_in_testing(tmp_path: Path) -> None:
    development = load_settings({"MADOGUCHI_INSTANCE_DIR": str(tmp_path)})
    assert development.smtp is not None and (development.smtp.host, development.smtp.port) == ("127.0.0.1", 8025)
    assert development.mail_sink_dir == tmp_path / "mail" and development.mail_from
    testing = load_settings({"MADOGUCHI_ENV": "testing"})
    assert testing.smtp is None  # unless a test names its own sink
    assert load_settings({"MADOGUCHI_ENV": "testing", "SMTP_URL": "smtp://127.0.0.1:2525"}).smtp.port == 2525  # type: ignore[union-attr]


def test_production_names_its_smtp_server_or_disables_email(tmp_path: Path) -> None:
    settings = load_settings(production_env(tmp_path))
    assert settings.smtp is not None
    assert (settings.smtp.host, settings.smtp.port, settings.smtp.security.value) == ("mail.example.jp", 465, "tls")
    assert settings.smtp.username == "madoguchi" and "secret" not in repr(settings.smtp)
    assert settings.mail_sink_dir is None  # no /dev/mail page
    disabled = load_settings(production_env(tmp_path, SMTP_URL="disabled", MAIL_FROM=""))
    assert disabled.smtp is None
    relay = load_settings(production_env(tmp_path, SMTP_URL="smtp://127.0.0.1"))  # a relay on this machine
    assert relay.smtp is not None and relay.smtp.port == 25


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"SMTP_URL": "smtp://mail.example.jp"}, "SMTP_URL: plain smtp:// only to a relay on this machine"),
        ({"SMTP_URL": "smtp://u:p@localhost"}, "SMTP_URL: a password is sent over TLS only in production"),
        ({"SMTP_URL": "http://mail.example.jp"}, "SMTP_URL: the scheme must be one of smtp, smtp+starttls, smtps"),
        ({"SMTP_URL": "smtps://mail.example.jp:0"}, "SMTP_URL: the port is not a number from 1 to 65535"),
        ({"SMTP_URL": "smtps://mail.example.jp/x"}, "SMTP_URL: only scheme, user, password, host and port"),
        ({"MAIL_FROM": ""}, "MAIL_FROM: required to send email"),
        ({"MAIL_FROM": "noreply"}, "MAIL_FROM: 'noreply' is not an address"),
        ({"MAIL_SINK_DIR": "/tmp/mail"}, "MAIL_SINK_DIR: the development mail sink must never be used in production"),
        ({"MAIL_RETRY_SECONDS": "soon"}, "MAIL_RETRY_SECONDS"),
        ({"RATELIMIT_MESSAGE": "lots"}, "RATELIMIT_MESSAGE"),
    ],
)
def test_bad_mail_settings_are_named(tmp_path: Path, changes: dict[str, str], problem: str) -> None:
    [found] = problems(production_env(tmp_path, **changes))
    assert found.startswith(problem)


def test_a_bad_smtp_url_is_not_repeated_it_may_hold_a_password(tmp_path: Path) -> None:
    [found] = problems(production_env(tmp_path, SMTP_URL="smtps://user:hunter2@mail.example.jp:99999"))
    assert "hunter2" not in found


def test_open_data_is_cc_by_unless_another_licence_is_named_with_its_text() -> None:
    assert load_settings({}).opendata_license == License(*CC_BY)
    named = {
        "OPENDATA_LICENSE": "公共データ利用規約（第1.0版）",
        "OPENDATA_LICENSE_URL": "https://www.digital.go.jp/resources/open_data/",
    }
    assert load_settings(named).opendata_license == License(named["OPENDATA_LICENSE"], named["OPENDATA_LICENSE_URL"])


def test_bad_open_data_licences_are_named() -> None:
    assert problems({"OPENDATA_LICENSE": "CC0 1.0"}) == [
        "OPENDATA_LICENSE_URL: '' is not the http(s) address of the licence's text"
    ]
    assert problems({"OPENDATA_LICENSE": " ", "OPENDATA_LICENSE_URL": "javascript:alert(1)"}) == [
        "OPENDATA_LICENSE: '' is not a licence's name (at most 100 printable characters)",
        "OPENDATA_LICENSE_URL: 'javascript:alert(1)' is not the http(s) address of the licence's text",
    ]


def test_metrics_are_off_until_a_token_is_set(tmp_path: Path) -> None:
    settings = load_settings(production_env(tmp_path))
    assert (settings.metrics_token, settings.metrics_dir, settings.worker_metrics_port) == (None, None, None)

    token = "Abc-._~+/" * 4 + "=="
    env = production_env(
        tmp_path, METRICS_TOKEN=token, PROMETHEUS_MULTIPROC_DIR=str(tmp_path), WORKER_METRICS_PORT="9808"
    )
    settings = load_settings(env)
    assert (settings.metrics_token, settings.metrics_dir, settings.worker_metrics_port) == (token, tmp_path, 9808)


@pytest.mark.parametrize("token", ["x" * 31, "x" * 31 + " ", "x" * 32 + "\n", "トークン" * 10, "Bearer " + "x" * 32])
def test_a_bad_metrics_token_is_named_and_never_repeated(tmp_path: Path, token: str) -> None:
    [problem] = problems(production_env(tmp_path, METRICS_TOKEN=token))
    assert problem.startswith("METRICS_TOKEN: must be at least 32 characters") and token not in problem


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"PROMETHEUS_MULTIPROC_DIR": "/no/such/directory"},
            ["PROMETHEUS_MULTIPROC_DIR: '/no/such/directory' is not a directory"],
        ),
        ({"WORKER_METRICS_PORT": "0"}, ["WORKER_METRICS_PORT: '0' is not a port number (1 to 65535)"]),
        ({"WORKER_METRICS_PORT": "65536"}, ["WORKER_METRICS_PORT: '65536' is not a port number (1 to 65535)"]),
        ({"WORKER_METRICS_PORT": "９８０８"}, ["WORKER_METRICS_PORT: '９８０８' is not a port number (1 to 65535)"]),
        (
            {"WORKER_METRICS_PORT": "9808", "METRICS_TOKEN": "", "PROMETHEUS_MULTIPROC_DIR": ""},
            [
                "WORKER_METRICS_PORT: needs METRICS_TOKEN, which Prometheus presents to read the metrics",
                "WORKER_METRICS_PORT: needs PROMETHEUS_MULTIPROC_DIR, where the worker's pool writes them",
            ],
        ),
    ],
)
def test_bad_metrics_settings_are_named(tmp_path: Path, changes: dict[str, str], expected: list[str]) -> None:
    complete = {"METRICS_TOKEN": "t" * 32, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    assert problems(production_env(tmp_path, **{**complete, **changes})) == expected
