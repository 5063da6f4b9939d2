"""The deployment files say what docs/deployment.md says: the image (multi-stage, from the locked hashes, the
certificate fonts, a non-root user, a health check), the compose file (every service, each with a health check,
the release step first) and the systemd units (hardened, running the documented commands), and none of them
holds anything that looks like a secret."""

from __future__ import annotations

import configparser
import re
import runpy
import shlex
import shutil
import subprocess
import sys
from fnmatch import fnmatch
from pathlib import Path

import pytest
import yaml

from portal.certificates.fonts import CERTIFICATE_FAMILIES
from portal.config import ROOT

DOCS = (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
COMMANDS = {
    "web": "gunicorn -c deploy/gunicorn.conf.py wsgi:app",
    "worker": "celery -A portal.tasks worker --loglevel=INFO",
    "beat": "celery -A portal.tasks beat --loglevel=INFO --schedule /var/lib/madoguchi/beat/celerybeat-schedule",
}
RELEASE = "flask --app wsgi migrate && flask --app wsgi catalog publish"
COMPOSE_ROLES = {"app": "web", "worker": "worker", "beat": "beat"}
SERVICES = {"app", "worker", "beat", "postgres", "redis", "proxy", "migrate"}
ONE_SHOT = "migrate"
VENV = "/opt/madoguchi/.venv/bin/"

# A name that holds a secret, given a value (a *_FILE variable names where the secret is, not the secret).
SECRET_NAME = re.compile(r"(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|_KEY\b|^KEY\b)", re.IGNORECASE)
SECRET_TEXT = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@\"']+:[^/\s@\"']+@"),  # a URL with a password in it
    re.compile(r"\b(SECRET_KEY|CERTIFICATE_HMAC_KEY|METRICS_TOKEN|[A-Z_]*PASSWORD)\s*[=:]\s*[\"']?[^\s\"'$]"),
]


def containerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of each instruction, continuation lines joined, comments left out."""
    lines = [line for line in (ROOT / "Containerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [(line.split()[0].upper(), line.split(maxsplit=1)[1]) for line in joined.splitlines() if line.strip()]


def final_stage() -> list[tuple[str, str]]:
    instructions = containerfile()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    return instructions[last_from:]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd's keys are case-sensitive
    parser.read_string((ROOT / "deploy" / "systemd" / f"madoguchi-{name}.service").read_text())
    return parser


def secrets_in(text: str) -> list[str]:
    return [match.group(0) for pattern in SECRET_TEXT for match in pattern.finditer(text)]


def secret_names(environment: dict[str, object] | list[str]) -> list[str]:
    names = environment if isinstance(environment, list) else list(environment)
    names = [str(name).partition("=")[0] for name in names]
    return [name for name in names if SECRET_NAME.search(name) and not name.endswith("_FILE")]


def test_the_secret_detectors_find_what_they_look_for() -> None:
    assert secrets_in("ENV SECRET_KEY=abc") and secrets_in("DATABASE_URL: postgresql://u:pw@db/x")
    assert secrets_in("-----BEGIN EC PRIVATE KEY-----") and secrets_in("POSTGRES_PASSWORD: hunter2")
    assert not secrets_in("POSTGRES_PASSWORD_FILE: /run/secrets/postgres_password")
    assert not secrets_in("REDIS_URL: redis://redis:6379/0")
    assert secret_names({"METRICS_TOKEN": "x", "SIGNING_DIR": "y", "POSTGRES_PASSWORD_FILE": "z"}) == ["METRICS_TOKEN"]


def test_the_image_is_built_in_stages_from_the_locked_hashes() -> None:
    instructions = containerfile()
    stages = [arguments for keyword, arguments in instructions if keyword == "FROM"]
    assert len(stages) >= 2 and stages[0].endswith(" AS build")
    runs = [arguments for keyword, arguments in instructions[: instructions.index(("FROM", stages[-1]))]]
    assert any("--require-hashes" in run and "requirements/lock.txt" in run for run in runs)
    assert any("--no-index" in run for run in runs)  # the runtime's packages come from those wheels alone
    assert ("COPY", "--from=build /opt/venv /opt/venv") in final_stage()


def test_the_image_installs_the_certificate_fonts_the_setup_installs() -> None:
    """The fonts are the ones the certificates name (portal.certificates.fonts); the setup's other fonts (the Noto
    faces of the pages' font stacks) are for the browser tests' screenshots, which the image does not run."""
    script = (ROOT / "scripts" / "install-system-packages").read_text()
    packages = re.search(r"^packages=\((.*)\)$", script, re.MULTILINE)
    assert packages is not None
    setup = set(packages.group(1).split())
    fonts = set(CERTIFICATE_FAMILIES.values())
    libraries = {name for name in setup if name.startswith(("libharfbuzz", "libpango"))}
    installed = " ".join(
        arguments.split("&&")[1]
        for keyword, arguments in final_stage()
        if keyword == "RUN" and "apt-get install" in arguments
    )
    assert len(fonts) == 3 and fonts <= setup and len(libraries) >= 2
    assert fonts | libraries <= set(installed.split())


def test_the_image_compiles_every_shipped_catalog(tmp_path: Path) -> None:
    """The build stage's compile step, run on what the stage copies: every catalog, ja_x_easy's too (a directory
    name pybabel compile --directory cannot parse as a locale)."""
    instructions = containerfile()
    build = instructions[: max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")]
    for keyword, arguments in build:
        if keyword == "COPY" and "--from" not in arguments:
            source, target = (base / name for base, name in zip((ROOT, tmp_path), arguments.split(), strict=True))
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
            else:
                shutil.copy(source, target)
    (command,) = [arguments for keyword, arguments in build if keyword == "RUN" and "translations" in arguments]

    compiled = subprocess.run(
        ["bash", "-c", command.replace("/opt/venv/bin/", f"{Path(sys.executable).parent}/")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )

    assert compiled.returncode == 0, compiled.stderr
    catalogs = sorted(path.parent.parent.name for path in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))
    made = sorted(path.parent.parent.name for path in (tmp_path / "translations").glob("*/LC_MESSAGES/messages.mo"))
    assert "ja_x_easy" in catalogs and made == catalogs


def test_the_image_runs_as_a_user_of_its_own_and_checks_healthz() -> None:
    users = [arguments for keyword, arguments in final_stage() if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    (healthcheck,) = [arguments for keyword, arguments in final_stage() if keyword == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/healthz" in healthcheck
    (command,) = [arguments for keyword, arguments in final_stage() if keyword == "CMD"]
    assert " ".join(yaml.safe_load(command)) == COMMANDS["web"]
    for service in compose()["services"].values():
        assert str(service.get("user", "madoguchi")).split(":")[0] not in ("root", "0")


def test_the_image_copies_no_local_settings_keys_or_data() -> None:
    copied = [
        source
        for keyword, arguments in final_stage()
        if keyword == "COPY" and "--from" not in arguments
        for source in arguments.split()[:-1]
    ]
    assert copied and not any(
        source in (".", "deploy", "instance") or source.startswith("deploy/pki") for source in copied
    )
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "instance/", "deploy/*.env", "deploy/pki/", "deploy/secrets/"} <= set(ignored)


def test_compose_runs_every_service_with_a_health_check_after_the_release_step() -> None:
    services = compose()["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        if name != ONE_SHOT:
            assert service["healthcheck"]["test"], name
    assert services[ONE_SHOT]["restart"] == "no" and services[ONE_SHOT]["command"][-1] == RELEASE
    for name, role in COMPOSE_ROLES.items():
        assert " ".join(services[name]["command"]) == COMMANDS[role]
        assert services[name]["depends_on"][ONE_SHOT] == {"condition": "service_completed_successfully"}
    proxy = services["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert re.search(r"@internal path /readyz /metrics /metrics/\*\s+respond @internal 404", caddyfile)
    assert "health_uri /readyz" in caddyfile


def test_compose_takes_the_secrets_from_files_never_from_itself() -> None:
    document = compose()
    for name, service in document["services"].items():
        assert secret_names(service.get("environment", {})) == [], name
    assert document["services"]["postgres"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/postgres_password"
    assert document["secrets"]["postgres_password"] == {"file": "deploy/secrets/postgres_password"}
    (env_file,) = document["services"]["app"]["env_file"]
    ignored = (ROOT / ".gitignore").read_text().splitlines()
    assert any(fnmatch(f"/{env_file}", pattern) for pattern in ignored)  # the filled-in copy is never committed
    example = (ROOT / f"{env_file}.example").read_text()
    for variable in ("SECRET_KEY", "CERTIFICATE_HMAC_KEY", "METRICS_TOKEN", "RESIDENT_OIDC_CLIENT_SECRET"):
        assert re.search(rf"^{variable}=$", example, re.MULTILINE), variable


@pytest.mark.parametrize(
    "path",
    [
        "Containerfile",
        "compose.yaml",
        "deploy/Caddyfile",
        "deploy/gunicorn.conf.py",
        *(f"deploy/systemd/madoguchi-{n}.service" for n in COMMANDS),
    ],
)
def test_nothing_that_looks_like_a_secret_is_written_in(path: str) -> None:
    text = (ROOT / path).read_text()
    assert secrets_in(text) == []
    if path == "Containerfile":
        declared = [
            name
            for keyword, arguments in containerfile()
            if keyword in ("ENV", "ARG")
            for name in re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", arguments)
        ]
        assert "MADOGUCHI_ENV" in declared and secret_names(declared) == []


@pytest.mark.parametrize("role", COMMANDS)
def test_each_systemd_unit_is_hardened_and_runs_the_documented_command(role: str) -> None:
    parsed = unit(role)
    assert parsed.sections() == ["Unit", "Service", "Install"]
    service = parsed["Service"]
    assert service["ExecStart"] == VENV + COMMANDS[role]
    assert f"`{COMMANDS[role]}`" in DOCS
    assert (service["User"], service["WorkingDirectory"]) == ("madoguchi", "/opt/madoguchi")
    assert service["EnvironmentFile"] == "/etc/madoguchi/madoguchi.env"
    for option, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[option] == value, option
    assert parsed["Install"]["WantedBy"] == "multi-user.target"
    metrics_dir = [
        assignment.partition("=")[2]
        for assignment in shlex.split(service.get("Environment", ""))
        if assignment.startswith("PROMETHEUS_MULTIPROC_DIR=")
    ]
    if role != "beat":  # each service's own directory, made empty at each start
        assert metrics_dir == [f"/run/{service['RuntimeDirectory']}"]


def test_the_release_step_is_documented() -> None:
    assert f"`{RELEASE}`" in DOCS


def test_gunicorn_takes_where_and_how_many_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # named: the file makes no directory of its own
    path = str(ROOT / "deploy" / "gunicorn.conf.py")
    for name in ("GUNICORN_BIND", "WEB_CONCURRENCY", "GUNICORN_THREADS"):
        monkeypatch.delenv(name, raising=False)
    defaults = runpy.run_path(path)
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:8000")
    monkeypatch.setenv("WEB_CONCURRENCY", "7")
    monkeypatch.setenv("GUNICORN_THREADS", "3")
    chosen = runpy.run_path(path)

    assert (defaults["bind"], defaults["threads"], defaults["workers"] >= 2) == (["127.0.0.1:8000"], 2, True)
    assert (chosen["bind"], chosen["workers"], chosen["threads"]) == (["0.0.0.0:8000"], 7, 3)
    assert (chosen["accesslog"], chosen["forwarded_allow_ips"], chosen["secure_scheme_headers"]) == (None, "", {})
    assert chosen["max_requests"] > 0 and chosen["max_requests_jitter"] > 0 and chosen["preload_app"] is True
    assert not any(tmp_path.iterdir())
