"""Settings from environment variables, validated once at start.

Every bad value is reported at once with the variable's name, so an operator fixes a deployment in one
go instead of discovering problems request by request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from portal.japan.municipality_code import is_valid as is_valid_municipality_code
from portal.records.registry import RecordsSource, backend_names

ROOT = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "development-only-secret-key-change-me"
# Development defaults, registered by the development identity provider (portal.devidp).
RESIDENT_CLIENT_ID, RESIDENT_CLIENT_SECRET = "madoguchi-resident", "dev-resident-secret"
STAFF_CLIENT_ID, STAFF_CLIENT_SECRET = "madoguchi-staff", "dev-staff-secret"
MAX_REQUEST_BYTES = 1024 * 1024  # forms only, no attachments yet: anything larger is refused (413)
DEMO_RECORDS_BACKENDS = "999997=demo,999989=demo"  # the demo municipalities (portal.demo)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class OIDCClient:
    discovery_url: str
    client_id: str
    client_secret: str


@dataclass(frozen=True)
class Settings:
    environment: Environment
    secret_key: str
    database_url: str
    redis_url: str | None
    session_dir: Path
    catalog_dir: Path
    workflows_dir: Path
    resident_oidc: OIDCClient
    staff_oidc: OIDCClient
    dev_idp_url: str
    records_backends: Mapping[str, RecordsSource]

    def flask_config(self) -> dict[str, object]:
        """The settings as Flask config keys (upper case), plus derived Flask settings."""
        config: dict[str, object] = {f.name.upper(): getattr(self, f.name) for f in fields(self)}
        production = self.environment is Environment.PRODUCTION
        config.update(
            SECRET_KEY=self.secret_key,
            TESTING=self.environment is Environment.TESTING,
            SESSION_COOKIE_SECURE=production,
            SESSION_COOKIE_HTTPONLY=True,
            SESSION_COOKIE_SAMESITE="Lax",
            PREFERRED_URL_SCHEME="https" if production else "http",
            MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
        )
        return config


def _database_url(value: str, problems: list[str]) -> str:
    scheme = urlsplit(value).scheme
    if scheme in ("postgres", "postgresql"):
        return "postgresql+psycopg" + value[len(scheme) :]
    if scheme not in ("sqlite", "postgresql+psycopg"):
        problems.append(f"DATABASE_URL: unsupported scheme {scheme!r}; use sqlite:///path or postgresql://user@host/db")
    return value


def _url(name: str, value: str, problems: list[str]) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"{name}: {value!r} is not an http(s) URL")
    return value


def _records_backends(env: Mapping[str, str], production: bool, problems: list[str]) -> dict[str, RecordsSource]:
    """RECORDS_BACKENDS="<code>=<backend>,…"; an ``http`` backend also needs RECORDS_HTTP_URL_<code> and
    RECORDS_HTTP_TOKEN_<code>. Development defaults to the demo records of the demo municipalities."""
    value = env.get("RECORDS_BACKENDS", "" if production else DEMO_RECORDS_BACKENDS)
    known = backend_names()
    sources: dict[str, RecordsSource] = {}
    for entry in filter(None, (part.strip() for part in value.split(","))):
        code, separator, backend = (part.strip() for part in entry.partition("="))
        if not separator or not is_valid_municipality_code(code):
            problems.append(f"RECORDS_BACKENDS: {entry!r} is not <地方公共団体コード>=<backend>")
            continue
        if code in sources:
            problems.append(f"RECORDS_BACKENDS: {code} is named more than once")
            continue
        if backend not in known:
            problems.append(
                f"RECORDS_BACKENDS: unknown backend {backend!r} for {code}; known backends: {', '.join(sorted(known))}"
            )
            continue
        url = token = ""
        if backend == "http":
            url_variable, token_variable = f"RECORDS_HTTP_URL_{code}", f"RECORDS_HTTP_TOKEN_{code}"
            url, token = env.get(url_variable, ""), env.get(token_variable, "")
            if not url:
                problems.append(f"{url_variable}: required for the http records backend of {code}")
            elif production and urlsplit(url).scheme != "https":
                problems.append(f"{url_variable}: {url!r} must be an https URL in production")
            else:
                _url(url_variable, url, problems)
            if not token:
                problems.append(f"{token_variable}: required for the http records backend of {code}")
        sources[code] = RecordsSource(backend, url, token)
    return sources


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the environment; raise :class:`ConfigError` naming every bad variable."""
    env = dict(os.environ if environ is None else environ)
    problems: list[str] = []

    try:
        environment = Environment(env.get("MADOGUCHI_ENV", "development"))
    except ValueError:
        problems.append(
            f"MADOGUCHI_ENV: {env['MADOGUCHI_ENV']!r} is not one of " + ", ".join(e.value for e in Environment)
        )
        environment = Environment.PRODUCTION  # judge the rest as strictly as possible
    production = environment is Environment.PRODUCTION

    secret_key = env.get("SECRET_KEY", "" if production else DEV_SECRET_KEY)
    if len(secret_key) < 32:
        problems.append("SECRET_KEY: must be set to at least 32 random characters")
    elif production and secret_key == DEV_SECRET_KEY:
        problems.append("SECRET_KEY: the development key must not be used in production")

    instance = Path(env.get("MADOGUCHI_INSTANCE_DIR", ROOT / "instance"))
    database_url = _database_url(env.get("DATABASE_URL", f"sqlite:///{instance / 'madoguchi.db'}"), problems)

    redis_url = env.get("REDIS_URL") or None
    if redis_url and urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        problems.append(f"REDIS_URL: {redis_url!r} is not a redis:// URL")
    if production and not redis_url:
        problems.append("REDIS_URL: required in production so that app servers share sessions")

    dev_idp_url = env.get("DEV_IDP_URL", "http://127.0.0.1:5001").rstrip("/")
    if not production:  # named here, not through the discovery URLs derived from it
        _url("DEV_IDP_URL", dev_idp_url, problems)

    def oidc(prefix: str, dev_client: tuple[str, str]) -> OIDCClient:
        variable = f"{prefix}_OIDC_DISCOVERY_URL"
        client_id = env.get(f"{prefix}_OIDC_CLIENT_ID", "" if production else dev_client[0])
        secret = env.get(f"{prefix}_OIDC_CLIENT_SECRET", "" if production else dev_client[1])
        if variable not in env and not production:
            discovery = f"{dev_idp_url}/.well-known/openid-configuration"
        elif not (discovery := env.get(variable, "")):
            problems.append(f"{variable}: required")
        else:
            _url(variable, discovery, problems)
        for name, value in (("CLIENT_ID", client_id), ("CLIENT_SECRET", secret)):
            if not value:
                problems.append(f"{prefix}_OIDC_{name}: required")
        return OIDCClient(discovery, client_id, secret)

    resident_oidc = oidc("RESIDENT", (RESIDENT_CLIENT_ID, RESIDENT_CLIENT_SECRET))
    staff_oidc = oidc("STAFF", (STAFF_CLIENT_ID, STAFF_CLIENT_SECRET))

    def directory(name: str, default: Path) -> Path:
        value = env.get(name, str(default))
        if not value or not Path(value).is_dir():  # Path("") would silently mean the current directory
            problems.append(f"{name}: {value!r} is not a directory")
        return Path(value)

    settings = Settings(
        environment=environment,
        secret_key=secret_key,
        database_url=database_url,
        redis_url=redis_url,
        session_dir=Path(env.get("SESSION_DIR", instance / "sessions")),
        catalog_dir=directory("CATALOG_DIR", ROOT / "forms_catalog"),
        workflows_dir=directory("WORKFLOWS_DIR", ROOT / "workflows"),
        resident_oidc=resident_oidc,
        staff_oidc=staff_oidc,
        dev_idp_url=dev_idp_url,
        records_backends=_records_backends(env, production, problems),
    )
    if problems:
        raise ConfigError(problems)
    return settings
