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

from portal.clientkeys import KeyFileError, SigningKey, load_signing_key

ROOT = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "development-only-secret-key-change-me"
# Development defaults, registered by the development identity provider (portal.devidp).
RESIDENT_CLIENT_ID, RESIDENT_CLIENT_SECRET = "madoguchi-resident", "dev-resident-secret"
STAFF_CLIENT_ID, STAFF_CLIENT_SECRET = "madoguchi-staff", "dev-staff-secret"
MAX_REQUEST_BYTES = 1024 * 1024  # forms only, no attachments yet: anything larger is refused (413)


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


class ClientAuthMethod(StrEnum):
    """How the portal authenticates itself at the provider's token endpoint."""

    CLIENT_SECRET_BASIC = "client_secret_basic"
    PRIVATE_KEY_JWT = "private_key_jwt"  # RFC 7523: a signed assertion, no shared secret


PROMPT_VALUES = ("none", "login", "consent", "select_account")  # OpenID Connect Core §3.1.2.1


@dataclass(frozen=True)
class OIDCClient:
    discovery_url: str
    client_id: str
    client_secret: str
    auth_method: ClientAuthMethod = ClientAuthMethod.CLIENT_SECRET_BASIC
    private_key: SigningKey | None = None  # set exactly when auth_method is private_key_jwt
    acr_values: tuple[str, ...] = ()  # requested, and the returned acr must be one of them
    prompt: str | None = None
    max_age: int | None = None  # seconds; the returned auth_time must be at most this old

    def authorize_params(self) -> dict[str, str]:
        """The optional authentication request parameters this registration sends."""
        params = {"acr_values": " ".join(self.acr_values), "prompt": self.prompt or ""}
        if self.max_age is not None:
            params["max_age"] = str(self.max_age)
        return {name: value for name, value in params.items() if value}


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
    public_url: str | None
    trusted_proxies: int
    dev_idp_url: str

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


def _auth_method(
    prefix: str, env: Mapping[str, str], problems: list[str]
) -> tuple[ClientAuthMethod, SigningKey | None]:
    """The token endpoint authentication of one registration, and its private key for private_key_jwt."""
    variable = f"{prefix}_OIDC_AUTH_METHOD"
    value = env.get(variable, ClientAuthMethod.CLIENT_SECRET_BASIC.value)
    try:
        method = ClientAuthMethod(value)
    except ValueError:
        choices = ", ".join(m.value for m in ClientAuthMethod)
        problems.append(f"{variable}: {value!r} is not one of {choices}")
        return ClientAuthMethod.CLIENT_SECRET_BASIC, None
    if method is not ClientAuthMethod.PRIVATE_KEY_JWT:
        return method, None
    key_variable = f"{prefix}_OIDC_PRIVATE_KEY_FILE"
    if not (path := env.get(key_variable, "")):
        problems.append(f"{key_variable}: required with {variable}=private_key_jwt")
        return method, None
    try:
        return method, load_signing_key(Path(path))
    except KeyFileError as error:
        problems.append(f"{key_variable}: {error}")
        return method, None


def _prompt(prefix: str, env: Mapping[str, str], problems: list[str]) -> str | None:
    variable = f"{prefix}_OIDC_PROMPT"
    values = env.get(variable, "").split()
    unknown = [value for value in values if value not in PROMPT_VALUES]
    if unknown or ("none" in values and len(values) > 1):
        problems.append(
            f"{variable}: {env[variable]!r} must be space-separated values of {', '.join(PROMPT_VALUES)} ('none' alone)"
        )
    return " ".join(values) or None


def _max_age(prefix: str, env: Mapping[str, str], problems: list[str]) -> int | None:
    variable = f"{prefix}_OIDC_MAX_AGE"
    value = env.get(variable, "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit():
        problems.append(f"{variable}: {value!r} is not a whole number of seconds (0 or more)")
        return None
    return int(value)


def _public_url(env: Mapping[str, str], production: bool, problems: list[str]) -> tuple[str | None, int]:
    """Where browsers and providers reach the portal, so redirect URIs survive a TLS-terminating proxy."""
    public_url = env.get("PUBLIC_URL", "").rstrip("/") or None
    if public_url:
        parts = urlsplit(public_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
            problems.append(f"PUBLIC_URL: {public_url!r} must be an origin such as https://madoguchi.example.jp")
        elif production and parts.scheme != "https":
            problems.append(f"PUBLIC_URL: {public_url!r} must use https in production")
    value = env.get("TRUSTED_PROXIES", "0")
    trusted_proxies = 0
    if value.isascii() and value.isdigit():
        trusted_proxies = int(value)
    else:
        problems.append(f"TRUSTED_PROXIES: {value!r} is not a whole number of proxies (0 or more)")
    if production and not public_url and not trusted_proxies:
        problems.append(
            "PUBLIC_URL: required in production (or TRUSTED_PROXIES, the number of proxies in front of the "
            "portal) so that redirect URIs name the address browsers use"
        )
    return public_url, trusted_proxies


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
        if variable not in env and not production:
            discovery = f"{dev_idp_url}/.well-known/openid-configuration"
        elif not (discovery := env.get(variable, "")):
            problems.append(f"{variable}: required")
        else:
            _url(variable, discovery, problems)
        if not client_id:
            problems.append(f"{prefix}_OIDC_CLIENT_ID: required")
        method, private_key = _auth_method(prefix, env, problems)
        secret = ""
        if method is ClientAuthMethod.CLIENT_SECRET_BASIC:
            secret = env.get(f"{prefix}_OIDC_CLIENT_SECRET", "" if production else dev_client[1])
            if not secret:
                problems.append(f"{prefix}_OIDC_CLIENT_SECRET: required")
        return OIDCClient(
            discovery,
            client_id,
            secret,
            auth_method=method,
            private_key=private_key,
            acr_values=tuple(env.get(f"{prefix}_OIDC_ACR_VALUES", "").split()),
            prompt=_prompt(prefix, env, problems),
            max_age=_max_age(prefix, env, problems),
        )

    resident_oidc = oidc("RESIDENT", (RESIDENT_CLIENT_ID, RESIDENT_CLIENT_SECRET))
    staff_oidc = oidc("STAFF", (STAFF_CLIENT_ID, STAFF_CLIENT_SECRET))
    public_url, trusted_proxies = _public_url(env, production, problems)

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
        public_url=public_url,
        trusted_proxies=trusted_proxies,
        dev_idp_url=dev_idp_url,
    )
    if problems:
        raise ConfigError(problems)
    return settings
