"""Settings from environment variables, validated once at start.

Every bad value is reported at once with the variable's name, so an operator fixes a deployment in one
go instead of discovering problems request by request.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from limits import parse_many

from portal.clientkeys import KeyFileError, SigningKey, load_signing_key
from portal.japan.municipality_code import is_valid as is_valid_municipality_code
from portal.mail import Security, SmtpServer, SmtpUrlError, parse_smtp_url
from portal.payments.registry import ProviderSettings, provider_names
from portal.records.registry import RecordsSource, backend_names
from portal.storage.registry import StorageConfig, storage_names

if TYPE_CHECKING:
    from portal.definitions import SourceDirs

ROOT = Path(__file__).resolve().parent.parent

DEV_SECRET_KEY = "development-only-secret-key-change-me"
# Development defaults, registered by the development identity provider (portal.devidp).
RESIDENT_CLIENT_ID, RESIDENT_CLIENT_SECRET = "madoguchi-resident", "dev-resident-secret"
STAFF_CLIENT_ID, STAFF_CLIENT_SECRET = "madoguchi-staff", "dev-staff-secret"
DEV_PUBLIC_URL = "http://127.0.0.1:5000"
DEV_CERTIFICATE_HMAC_KEY = "development-only-certificate-verification-key"
# Seconds between two reads of the content token by one process (portal.contentcache; README, Production).
CONTENT_CHECK_SECONDS = 1.0
MAX_REQUEST_BYTES = 1024 * 1024  # a form; a step with a file field raises its own limit (portal.web.attachments)
# Rate limits (the limits library's syntax) a person never reaches by hand and a script reaches at once.
RATE_LIMITS = {
    "RATELIMIT_LOGIN": "20/minute",  # per IP, starts and callbacks together: 10 logins a minute
    "RATELIMIT_SUBMIT": "5/minute;30/hour",  # per person: applications submitted and corrections sent
    # per clerk: applications entered and corrections sent at the counter (one a minute is a busy counter)
    "RATELIMIT_COUNTER": "10/minute;200/hour",
    "RATELIMIT_TRANSITION": "30/minute",  # per person: a clerk deciding quickly stays well below
    "RATELIMIT_POSTAL": "30/minute",  # per IP: 〒 look-ups, from the script and the form's button
    "RATELIMIT_VERIFY": "30/minute",  # per IP: the public certificate check, so 発行番号 cannot be swept
    "RATELIMIT_MESSAGE": "10/minute;60/hour",  # per person: messages written in a case's conversation
    "RATELIMIT_MAIL_ADDRESS": "5/hour;10/day",  # per person: confirmation emails, so no address is flooded
    "RATELIMIT_API": "120/minute",  # per API token: a core system syncing pages of cases stays below
}
DEMO_RECORDS_BACKENDS = "999997=demo,999989=demo"  # the demo municipalities (portal.demo)
DEV_CELERY_BROKER_URL = "redis://127.0.0.1:6379/1"  # development: the worker's queue beside the portal
# The development payment provider (portal.devpay), which scripts/dev starts beside the portal.
DEV_PAYMENT_PROVIDER, DEV_PAYMENT_URL = "dev", "http://127.0.0.1:5002"
DEV_PAYMENT_KEY = "development-only-payment-provider-key"
# Notifications go to the development mail sink (portal.devtools.mailsink), which scripts/dev starts.
DEV_SMTP_URL = "smtp://127.0.0.1:8025"
DEV_MAIL_FROM = "窓口（開発用） <noreply@madoguchi.example.jp>"
MAIL_DISABLED = "disabled"  # SMTP_URL's explicit "no email" (production must say so rather than leave it unset)
# Open data's licence unless OPENDATA_LICENSE says otherwise (政府標準利用規約 第2.0版 is compatible with it).
CC_BY = ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/deed.ja")
# METRICS_TOKEN: an RFC 6750 bearer token (b64token characters), long enough that nobody guesses it.
METRICS_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]{32,}=*")


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TESTING = "testing"
    PRODUCTION = "production"


class LogFormat(StrEnum):
    JSON = "json"  # one JSON object per line, for a log collector
    TEXT = "text"  # a readable line, for a developer's terminal


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
class License:
    """The licence open data is published under (portal.services.opendata): its name and the text's address."""

    name: str
    url: str


@dataclass(frozen=True)
class Settings:
    environment: Environment
    secret_key: str
    database_url: str
    redis_url: str | None
    # Where issuing work is queued for the Celery worker (portal.tasks); None only in testing: tasks then
    # run in the process right after the commit that queued them.
    celery_broker_url: str | None
    # A certificate still unrendered this long after its 交付 is rendered again (the sweep), and a task a
    # lost worker had taken goes to another worker after as long (the broker's visibility timeout).
    certificate_retry_seconds: int
    # An application in progress (portal.models.drafts) is kept this many days after its last save, then
    # no longer shown and removed by beat's periodic purge.
    draft_days: int
    session_dir: Path
    resident_idle_minutes: int
    staff_idle_minutes: int
    session_max_hours: int
    ratelimit_login: str
    ratelimit_submit: str
    ratelimit_counter: str
    ratelimit_transition: str
    ratelimit_postal: str
    ratelimit_verify: str
    catalog_dir: Path
    workflows_dir: Path
    certificates_dir: Path
    resident_oidc: OIDCClient
    staff_oidc: OIDCClient
    public_url: str | None  # None outside production: redirect URIs then follow the request's host
    trusted_proxies: int
    dev_idp_url: str
    records_backends: Mapping[str, RecordsSource]
    payment_provider: ProviderSettings | None  # None: online payment is refused with a reason
    attachment_storage: StorageConfig  # where attachments' bytes live (portal.storage)
    clamd_address: str | None  # a clamd socket path or host:port; None: uploads are not scanned for viruses
    certificate_hmac_key: str
    signing_dir: Path  # <code>.key.pem, <code>.cert.pem and ca.pem per municipality (portal.certificates.signing)
    log_format: LogFormat
    request_id_header: str | None  # a proxy's header (X-Request-ID) whose id the request log reuses
    ratelimit_message: str
    ratelimit_mail_address: str
    ratelimit_api: str
    # Where notifications are sent (portal.mail); None: email is disabled (SMTP_URL=disabled, or testing unset).
    smtp: SmtpServer | None
    mail_from: str  # the From of every notification
    # A notification still unsent this long after it was written, or after its last attempt, is sent again.
    mail_retry_seconds: int
    # The development mail sink's .eml files, listed at /dev/mail; never set in production.
    mail_sink_dir: Path | None
    # Prometheus (portal.metrics): the bearer token that enables /metrics (None: no endpoint, 404), the directory
    # where each process of gunicorn or of Celery's pool writes its metrics (None: one process keeps them in
    # memory), and the port a Celery worker serves its own metrics on (None: it serves none).
    metrics_token: str | None
    metrics_dir: Path | None
    worker_metrics_port: int | None
    opendata_license: License = License(*CC_BY)

    @property
    def source_dirs(self) -> SourceDirs:
        """The shared standard catalog's three directories, as ``flask catalog publish`` reads them."""
        from portal.definitions import SourceDirs

        return SourceDirs(self.catalog_dir, self.workflows_dir, self.certificates_dir)

    @property
    def certificate_base_url(self) -> str:
        """Printed on certificates (the /verify QR code), so never taken from a request's Host."""
        return self.public_url or DEV_PUBLIC_URL

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
            # How stale another app server's change may be here (portal.contentcache); tests see every change.
            CONTENT_CHECK_SECONDS=0.0 if self.environment is Environment.TESTING else CONTENT_CHECK_SECONDS,
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


def _positive_int(name: str, value: str, problems: list[str]) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        problems.append(f"{name}: {value!r} is not a whole number of at least 1")
        return 1
    return number


def _rate_limit(name: str, value: str, problems: list[str]) -> str:
    try:
        parsed = parse_many(value)
    except ValueError:
        parsed = []
    if not parsed or any(limit.amount < 1 for limit in parsed):
        problems.append(f"{name}: {value!r} is not a rate limit such as '10/minute' or '5/minute;30/hour'")
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
    if production and not public_url:
        problems.append(
            "PUBLIC_URL: required in production: the address printed on certificates and used in redirect URIs"
        )
    return public_url, trusted_proxies


def _celery_broker_url(
    env: Mapping[str, str], environment: Environment, redis_url: str | None, problems: list[str]
) -> str | None:
    """The worker's queue: CELERY_BROKER_URL, else the Redis of the sessions, else a local Redis in
    development. Unset in testing, where tasks run in the process that queues them."""
    redis_schemes = ("redis", "rediss")
    if url := env.get("CELERY_BROKER_URL"):
        if urlsplit(url).scheme not in redis_schemes:
            problems.append(f"CELERY_BROKER_URL: {url!r} is not a redis:// URL")
        return url
    if environment is Environment.TESTING:
        return None
    if redis_url and urlsplit(redis_url).scheme in redis_schemes:
        return redis_url
    if environment is not Environment.PRODUCTION:
        return DEV_CELERY_BROKER_URL
    if redis_url and urlsplit(redis_url).scheme == "unix":  # Celery names Redis sockets differently
        problems.append("CELERY_BROKER_URL: required in production when REDIS_URL is a unix socket")
    return None


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


def _payment_provider(env: Mapping[str, str], production: bool, problems: list[str]) -> ProviderSettings | None:
    """PAYMENT_PROVIDER names a registered provider (none by default in production, the development one
    elsewhere); PAYMENT_PROVIDER_URL and PAYMENT_PROVIDER_KEY say how the portal reaches it."""
    name = env.get("PAYMENT_PROVIDER", "" if production else DEV_PAYMENT_PROVIDER).strip()
    if not name:
        return None
    if name not in (known := provider_names()):
        problems.append(f"PAYMENT_PROVIDER: unknown provider {name!r}; known providers: {', '.join(sorted(known))}")
        return None
    if production and name == DEV_PAYMENT_PROVIDER:
        problems.append("PAYMENT_PROVIDER: the development provider must never be used in production")
        return None
    url = env.get("PAYMENT_PROVIDER_URL", "" if production else DEV_PAYMENT_URL).rstrip("/")
    key = env.get("PAYMENT_PROVIDER_KEY", "" if production else DEV_PAYMENT_KEY)
    if not url:
        problems.append(f"PAYMENT_PROVIDER_URL: required for the payment provider {name!r}")
    elif production and urlsplit(url).scheme != "https":
        problems.append(f"PAYMENT_PROVIDER_URL: {url!r} must be an https URL in production")
    else:
        _url("PAYMENT_PROVIDER_URL", url, problems)
    if len(key) < 16:
        problems.append(f"PAYMENT_PROVIDER_KEY: the payment provider {name!r} needs its key (at least 16 characters)")
    return ProviderSettings(name, url, key)


def _attachment_storage(env: Mapping[str, str], instance: Path, production: bool, problems: list[str]) -> StorageConfig:
    """ATTACHMENT_STORAGE names the storage; ``s3`` needs ATTACHMENT_S3_BUCKET (credentials: the AWS variables)."""
    backend = env.get("ATTACHMENT_STORAGE", "local")
    known = storage_names()
    if backend not in known:
        problems.append(f"ATTACHMENT_STORAGE: unknown storage {backend!r}; known storages: {', '.join(sorted(known))}")
    value = env.get("ATTACHMENT_DIR", str(instance / "attachments"))
    directory = Path(value)  # created at start when missing
    if not value or (directory.exists() and not directory.is_dir()):  # Path("") would be the current directory
        problems.append(f"ATTACHMENT_DIR: {value!r} is not a directory")
    if backend != "s3":
        return StorageConfig(backend, directory)
    bucket = env.get("ATTACHMENT_S3_BUCKET", "")
    if not bucket:
        problems.append("ATTACHMENT_S3_BUCKET: required with ATTACHMENT_STORAGE=s3")
    prefix = env.get("ATTACHMENT_S3_PREFIX", "").strip("/")
    endpoint_url = env.get("ATTACHMENT_S3_ENDPOINT_URL") or None
    if endpoint_url and production and urlsplit(endpoint_url).scheme != "https":
        problems.append(f"ATTACHMENT_S3_ENDPOINT_URL: {endpoint_url!r} must be an https URL in production")
    elif endpoint_url:
        _url("ATTACHMENT_S3_ENDPOINT_URL", endpoint_url, problems)
    return StorageConfig(backend, directory, bucket, f"{prefix}/" if prefix else "", endpoint_url)


def _clamd_address(env: Mapping[str, str], problems: list[str]) -> str | None:
    """CLAMD_SOCKET: a unix socket's absolute path or host:port; unset, uploads are not scanned."""
    address = env.get("CLAMD_SOCKET") or None
    if address and not address.startswith("/"):
        host, _, port = address.rpartition(":")
        if not host or not port.isascii() or not port.isdigit() or not 0 < int(port) < 65536:
            problems.append(f"CLAMD_SOCKET: {address!r} is neither an absolute socket path nor host:port")
    return address


def _opendata_license(env: Mapping[str, str], problems: list[str]) -> License:
    """OPENDATA_LICENSE (its name, CC BY 4.0 by default) and OPENDATA_LICENSE_URL (its text; required with another
    name, since a licence nobody can read is none)."""
    name = env.get("OPENDATA_LICENSE", CC_BY[0]).strip()
    url = env.get("OPENDATA_LICENSE_URL", CC_BY[1] if name == CC_BY[0] else "").strip()
    if not name or len(name) > 100 or not name.isprintable():
        problems.append(f"OPENDATA_LICENSE: {name!r} is not a licence's name (at most 100 printable characters)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(f"OPENDATA_LICENSE_URL: {url!r} is not the http(s) address of the licence's text")
    return License(name, url)


def _mail(
    env: Mapping[str, str], environment: Environment, instance: Path, problems: list[str]
) -> tuple[SmtpServer | None, str, Path | None]:
    """SMTP_URL (or ``disabled``), MAIL_FROM and MAIL_SINK_DIR. Production must name a server or disable email
    outright; development sends to the mail sink scripts/dev starts; testing sends nothing unless told."""
    production = environment is Environment.PRODUCTION
    default_url = {Environment.DEVELOPMENT: DEV_SMTP_URL, Environment.TESTING: MAIL_DISABLED}.get(environment, "")
    url = env.get("SMTP_URL", default_url).strip()
    smtp = None
    if not url:
        problems.append(f"SMTP_URL: required in production (smtps://…, smtp+starttls://…, or {MAIL_DISABLED})")
    elif url != MAIL_DISABLED:
        try:
            smtp = parse_smtp_url(url)
        except SmtpUrlError as error:
            problems.append(f"SMTP_URL: {error}")
    if smtp is not None and production and smtp.security is Security.NONE and not smtp.loopback:
        problems.append(
            "SMTP_URL: plain smtp:// only to a relay on this machine in production; use smtps or smtp+starttls"
        )
    elif smtp is not None and production and smtp.username and smtp.security is Security.NONE:
        problems.append("SMTP_URL: a password is sent over TLS only in production; use smtps or smtp+starttls")
    mail_from = env.get("MAIL_FROM", "" if production else DEV_MAIL_FROM).strip()
    if smtp is not None and not mail_from:
        problems.append("MAIL_FROM: required to send email, e.g. 見本市 窓口 <noreply@madoguchi.example.jp>")
    elif mail_from and not _mailbox(mail_from):
        problems.append(f"MAIL_FROM: {mail_from!r} is not an address such as 窓口 <noreply@madoguchi.example.jp>")
    sink = env.get("MAIL_SINK_DIR") or None
    if production and sink:
        problems.append("MAIL_SINK_DIR: the development mail sink must never be used in production")
    sink_dir = None if production else Path(sink or instance / "mail")
    return smtp, mail_from, sink_dir


def _metrics(env: Mapping[str, str], problems: list[str]) -> tuple[str | None, Path | None, int | None]:
    """METRICS_TOKEN, PROMETHEUS_MULTIPROC_DIR (which prometheus-client itself reads) and WORKER_METRICS_PORT.
    A worker's port needs both: Prometheus presents the token, and the pool processes that run the tasks write
    their metrics to the directory for the worker's main process to serve. The token is never repeated."""
    token = env.get("METRICS_TOKEN") or None
    if token is not None and not METRICS_TOKEN.fullmatch(token):
        problems.append(
            "METRICS_TOKEN: must be at least 32 characters among letters, digits and -._~+/ (a bearer token)"
        )
    value = env.get("PROMETHEUS_MULTIPROC_DIR") or None
    directory = Path(value) if value else None
    if directory is not None and not directory.is_dir():
        problems.append(f"PROMETHEUS_MULTIPROC_DIR: {value!r} is not a directory")
    port_value = env.get("WORKER_METRICS_PORT") or None
    if port_value is None:
        return token, directory, None
    port = int(port_value) if port_value.isascii() and port_value.isdigit() else 0
    if not 0 < port < 65536:
        problems.append(f"WORKER_METRICS_PORT: {port_value!r} is not a port number (1 to 65535)")
    if token is None:
        problems.append("WORKER_METRICS_PORT: needs METRICS_TOKEN, which Prometheus presents to read the metrics")
    if directory is None:
        problems.append("WORKER_METRICS_PORT: needs PROMETHEUS_MULTIPROC_DIR, where the worker's pool writes them")
    return token, directory, port


def _mailbox(value: str) -> bool:
    """``name <local@domain>`` or a bare address, on one line."""
    from email.utils import parseaddr

    _name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    return bool(at and local and "." in domain) and not any(char in value for char in "\r\n")


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
    celery_broker_url = _celery_broker_url(env, environment, redis_url, problems)

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

    certificate_hmac_key = env.get("CERTIFICATE_HMAC_KEY", "" if production else DEV_CERTIFICATE_HMAC_KEY)
    if len(certificate_hmac_key) < 32:
        problems.append("CERTIFICATE_HMAC_KEY: must be set to at least 32 random characters")
    elif production and certificate_hmac_key == DEV_CERTIFICATE_HMAC_KEY:
        problems.append("CERTIFICATE_HMAC_KEY: the development key must not be used in production")

    # Outside production the directory may not exist yet: `flask certificates dev-pki` creates it.
    signing_value = env.get("SIGNING_DIR", "" if production else str(instance / "pki"))
    if not signing_value or (production and not Path(signing_value).is_dir()):
        problems.append(f"SIGNING_DIR: {signing_value!r} is not a directory")
    signing_dir = Path(signing_value)

    def directory(name: str, default: Path) -> Path:
        value = env.get(name, str(default))
        if not value or not Path(value).is_dir():  # Path("") would silently mean the current directory
            problems.append(f"{name}: {value!r} is not a directory")
        return Path(value)

    # -- logging --
    log_format_value = env.get("LOG_FORMAT", LogFormat.JSON if production else LogFormat.TEXT)
    try:
        log_format = LogFormat(log_format_value)
    except ValueError:
        problems.append(f"LOG_FORMAT: {log_format_value!r} is not one of json, text")
        log_format = LogFormat.JSON
    request_id_header = env.get("REQUEST_ID_HEADER") or None
    if request_id_header and not re.fullmatch(r"[A-Za-z0-9-]+", request_id_header):
        problems.append(f"REQUEST_ID_HEADER: {request_id_header!r} is not a header name (letters, digits and -)")

    smtp, mail_from, mail_sink_dir = _mail(env, environment, instance, problems)
    metrics_token, metrics_dir, worker_metrics_port = _metrics(env, problems)

    def whole(name: str, default: int) -> int:
        return _positive_int(name, env.get(name, str(default)), problems)

    def rate(name: str) -> str:
        return _rate_limit(name, env.get(name, RATE_LIMITS[name]), problems)

    settings = Settings(
        environment=environment,
        secret_key=secret_key,
        database_url=database_url,
        redis_url=redis_url,
        celery_broker_url=celery_broker_url,
        certificate_retry_seconds=whole("CERTIFICATE_RETRY_SECONDS", 300),
        draft_days=whole("DRAFT_DAYS", 30),
        session_dir=Path(env.get("SESSION_DIR", instance / "sessions")),
        resident_idle_minutes=whole("RESIDENT_IDLE_MINUTES", 30),
        staff_idle_minutes=whole("STAFF_IDLE_MINUTES", 60),
        session_max_hours=whole("SESSION_MAX_HOURS", 12),
        ratelimit_login=rate("RATELIMIT_LOGIN"),
        ratelimit_submit=rate("RATELIMIT_SUBMIT"),
        ratelimit_counter=rate("RATELIMIT_COUNTER"),
        ratelimit_transition=rate("RATELIMIT_TRANSITION"),
        ratelimit_postal=rate("RATELIMIT_POSTAL"),
        ratelimit_verify=rate("RATELIMIT_VERIFY"),
        ratelimit_message=rate("RATELIMIT_MESSAGE"),
        ratelimit_mail_address=rate("RATELIMIT_MAIL_ADDRESS"),
        ratelimit_api=rate("RATELIMIT_API"),
        catalog_dir=directory("CATALOG_DIR", ROOT / "forms_catalog"),
        workflows_dir=directory("WORKFLOWS_DIR", ROOT / "workflows"),
        certificates_dir=directory("CERTIFICATES_DIR", ROOT / "certificate_templates"),
        resident_oidc=resident_oidc,
        staff_oidc=staff_oidc,
        public_url=public_url,
        trusted_proxies=trusted_proxies,
        dev_idp_url=dev_idp_url,
        certificate_hmac_key=certificate_hmac_key,
        signing_dir=signing_dir,
        log_format=log_format,
        request_id_header=request_id_header,
        records_backends=_records_backends(env, production, problems),
        payment_provider=_payment_provider(env, production, problems),
        attachment_storage=_attachment_storage(env, instance, production, problems),
        clamd_address=_clamd_address(env, problems),
        smtp=smtp,
        mail_from=mail_from,
        mail_retry_seconds=whole("MAIL_RETRY_SECONDS", 300),
        mail_sink_dir=mail_sink_dir,
        opendata_license=_opendata_license(env, problems),
        metrics_token=metrics_token,
        metrics_dir=metrics_dir,
        worker_metrics_port=worker_metrics_port,
    )
    if problems:
        raise ConfigError(problems)
    return settings
