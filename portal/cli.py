"""``flask`` commands for operators: schema migration, demo data, municipalities and the procedures they offer, OIDC
client keys and certificate signing keys."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup

from portal.config import ROOT, Environment

if TYPE_CHECKING:
    from portal.definitions import Sources
    from portal.services.publishing import Pending

T = TypeVar("T")


def upgrade_database(url: str) -> None:
    """``alembic upgrade head`` against ``url`` (Alembic owns the schema; the app never calls create_all)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")


# The command-line spelling of the settings a refusal names.
OPTIONS = {
    "code": "CODE",
    "slug": "SLUG",
    "help": "--help-text",
    "available_from": "--from",
    "available_until": "--until",
    "closure_from": "DAY",
    "closure_until": "--until",
    "closure_reason": "--reason",
    "id": "ID",
    "url": "URL",
    "events": "--event",
}


def _refusing(action: Callable[[], T]) -> T:
    """Run a municipalities service call, turning its refusal into the command's error message (one line per
    problem, led by the option concerned) and exit 1."""
    from portal.services.municipalities import NAME_SETTINGS, MunicipalityRefused

    try:
        return action()
    except MunicipalityRefused as refused:
        lines = []
        for problem in refused.problems:
            named = NAME_SETTINGS.get(problem.setting)
            option = (f"--name-in {named.code}" if named else OPTIONS.get(problem.setting)) or (
                f"--{problem.setting.replace('_', '-')}" if problem.setting else ""
            )
            lines.append(f"{option}: {problem.message}" if option else str(problem.message))
        raise click.ClickException("\n".join(lines)) from None


def register_commands(app: Flask) -> None:
    register_catalog_commands(app)
    register_queue_commands(app)
    register_audit_commands(app)
    register_retention_commands(app)
    register_api_commands(app)

    @app.cli.command("migrate")
    def migrate() -> None:
        """Bring the database schema up to date."""
        upgrade_database(app.config["DATABASE_URL"])
        click.echo("database is up to date")

    @app.cli.command("demo-data")
    def demo_data() -> None:
        """Load the two demo municipalities."""
        from portal.database import db
        from portal.demo import load_demo_data

        names = [m.name for m in load_demo_data(db.session)]
        db.session.commit()
        click.echo("demo municipalities: " + ", ".join(names))

    municipality = AppGroup("municipality", help="Municipalities and the procedures each one offers.")
    app.cli.add_command(municipality)

    @municipality.command("add")
    @click.argument("code")
    @click.option("--name", required=True, help="e.g. 見本市")
    @click.option("--prefecture", required=True, help="e.g. 見本県")
    @click.option("--mayor-title", required=True, help="as printed on certificates, e.g. 見本市長")
    @click.option("--mayor-name", required=True)
    @click.option("--seal", "seal", required=True, type=click.Path(dir_okay=False, path_type=Path), help="SVG or PNG")
    @click.option(
        "--name-in",
        "names",
        nargs=2,
        multiple=True,
        metavar="LANGUAGE NAME",
        help="its name in another language (a code of portal.languages), e.g. --name-in en 'Hakodate City'",
    )
    def municipality_add(
        code: str,
        name: str,
        prefecture: str,
        mayor_title: str,
        mayor_name: str,
        seal: Path,
        names: tuple[tuple[str, str], ...],
    ) -> None:
        """Add the municipality with 地方公共団体コード CODE; its seal is checked and copied to static/seals/."""
        from portal.database import db
        from portal.services.actors import Administrator
        from portal.services.municipalities import NAME_SETTINGS, Details, add_municipality
        from portal.web.current import seals_dir

        settings = {language.code: key for key, language in NAME_SETTINGS.items()}
        if unknown := [language for language, _name in names if language not in settings]:
            raise click.ClickException(f"--name-in: unknown language {unknown[0]!r} (one of {', '.join(settings)})")

        try:
            data = seal.read_bytes()
        except OSError as error:
            raise click.ClickException(f"--seal: cannot read {seal}: {error.strerror}") from None
        details = Details(
            name=name,
            prefecture=prefecture,
            mayor_title=mayor_title,
            mayor_name=mayor_name,
            names={settings[code]: text for code, text in names},
        )
        added = _refusing(
            lambda: add_municipality(
                db.session, seals_dir(), Administrator.command_line(), code, details, seal.name, data
            )
        )
        db.session.commit()
        click.echo(f"added {added.code} {added.prefecture}{added.name}, seal {added.seal}")

    @municipality.command("enable")
    @click.argument("code")
    @click.argument("slug")
    @click.option("--fee", type=int, help="yen, instead of the catalog's")
    @click.option("--processing-days", type=int, help="標準処理期間 in days, instead of the catalog's")
    @click.option("--from", "available_from", type=click.DateTime(["%Y-%m-%d"]), help="first day offered (JST)")
    @click.option("--until", "available_until", type=click.DateTime(["%Y-%m-%d"]), help="last day offered (JST)")
    @click.option("--contact-name", help="窓口, e.g. 市民課")
    @click.option("--contact-phone")
    @click.option("--contact-hours", help="e.g. 平日 8:30〜17:15")
    @click.option("--help-text", help="extra help shown on the procedure page")
    def municipality_enable(code: str, slug: str, **options: Any) -> None:
        """Offer procedure SLUG in municipality CODE; options not given keep their current value."""
        from portal.database import db
        from portal.services.actors import Administrator
        from portal.services.municipalities import Terms, enable_procedure
        from portal.web.current import current_procedures

        for key in ("available_from", "available_until"):
            options[key] = options[key].date() if options[key] else None
        terms = Terms(help=options.pop("help_text"), **options)
        actor = Administrator.command_line()
        _refusing(lambda: enable_procedure(db.session, current_procedures(), actor, code, slug, terms))
        db.session.commit()
        click.echo(f"{slug} is offered in {code}")

    @municipality.command("disable")
    @click.argument("code")
    @click.argument("slug")
    def municipality_disable(code: str, slug: str) -> None:
        """Stop offering procedure SLUG in municipality CODE (its terms are kept for re-enabling)."""
        from portal.database import db
        from portal.services.actors import Administrator
        from portal.services.municipalities import disable_procedure

        _refusing(lambda: disable_procedure(db.session, Administrator.command_line(), code, slug))
        db.session.commit()
        click.echo(f"{slug} is no longer offered in {code}")

    @municipality.command("close")
    @click.argument("code")
    @click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
    @click.option("--until", "until", type=click.DateTime(["%Y-%m-%d"]), help="last day of a run of closed days")
    @click.option("--reason", required=True, help="e.g. 庁舎移転のため")
    def municipality_close(code: str, day: datetime, until: datetime | None, reason: str) -> None:
        """Close municipality CODE's offices on DAY (to --until): not 開庁日, so 期限日 skip them."""
        from portal.database import db
        from portal.services.actors import Administrator
        from portal.services.municipalities import add_closures

        last = until.date() if until else None
        actor = Administrator.command_line()
        added = _refusing(lambda: add_closures(db.session, actor, code, day.date(), last, reason))
        db.session.commit()
        click.echo(f"{code} is closed on {', '.join(c.day.isoformat() for c in added)}")

    @municipality.command("reopen")
    @click.argument("code")
    @click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
    def municipality_reopen(code: str, day: datetime) -> None:
        """Take DAY off municipality CODE's own closures."""
        from portal.database import db
        from portal.services.actors import Administrator
        from portal.services.municipalities import remove_closure

        _refusing(lambda: remove_closure(db.session, Administrator.command_line(), code, day.date()))
        db.session.commit()
        click.echo(f"{code} is open on {day.date().isoformat()}")

    certificates = AppGroup("certificates", help="Signing keys for certificate PDFs.")
    app.cli.add_command(certificates)

    @certificates.command("dev-pki")
    def dev_pki() -> None:
        """Create a development CA and a signing key for every municipality that has none (never in production)."""
        from sqlalchemy import select

        from portal.certificates.devpki import create_dev_pki
        from portal.database import db
        from portal.models import Municipality

        if app.config["ENVIRONMENT"] is Environment.PRODUCTION:
            raise click.ClickException("production signs with the municipalities' own keys in SIGNING_DIR")
        municipalities = db.session.scalars(select(Municipality).order_by(Municipality.code))
        directory = app.config["SIGNING_DIR"]
        created = create_dev_pki(directory, [(m.code, f"{m.prefecture}{m.name}") for m in municipalities])
        click.echo(f"signing keys in {directory}; new: {', '.join(created) or 'none'}")

    @app.cli.group("keys")
    def keys() -> None:
        """Signing keys for private_key_jwt client authentication."""

    @keys.command("generate")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--type",
        "key_type",
        type=click.Choice(["EC", "RSA"]),
        default="EC",
        show_default=True,
        help="EC P-256 (ES256) or RSA 3072 (RS256)",
    )
    def generate(path: Path, key_type: str) -> None:
        """Write a new private key as a JWK to PATH (readable by its owner only) and print its public half.

        Name PATH in RESIDENT_OIDC_PRIVATE_KEY_FILE or STAFF_OIDC_PRIVATE_KEY_FILE; providers fetch the public
        key from /auth/jwks.json or are given the printed JWK at registration.
        """
        from portal.clientkeys import generate_signing_key, private_jwk, public_jwk

        key = generate_signing_key("EC" if key_type == "EC" else "RSA")
        try:  # O_EXCL: never overwrite a key a provider may already trust
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            raise click.ClickException(f"{path} exists; a key in use is never overwritten") from None
        except OSError as error:
            raise click.ClickException(f"cannot write {path}: {error.strerror}") from None
        with os.fdopen(descriptor, "w") as file:
            json.dump(private_jwk(key), file, indent=2)
            file.write("\n")
        click.echo(f"private key written to {path} (kid {key.kid}); its public JWK:")
        click.echo(json.dumps(public_jwk(key), indent=2))


def register_queue_commands(app: Flask) -> None:
    queue = AppGroup("queue", help="The back office's queue.")
    app.cli.add_command(queue)

    @queue.command("reindex")
    def queue_reindex() -> None:
        """Recompute every case's open/closed flag and search key from its own versions (after a rollout during
        which the previous release, which keeps neither, still served requests)."""
        from portal.database import db
        from portal.services.queue import reindex
        from portal.web.current import current_procedures

        after: int | None = 0
        total = 0
        while after is not None:
            after, corrected = reindex(db.session, current_procedures(), after)
            db.session.commit()
            total += corrected
        click.echo(f"cases corrected: {total}")


def register_audit_commands(app: Flask) -> None:
    audit = AppGroup("audit", help="The audit log's hash chains.")
    app.cli.add_command(audit)

    @audit.command("verify")
    @click.option("--municipality", "code", help="only this municipality's chain (地方公共団体コード, or platform)")
    def audit_verify(code: str | None) -> None:
        """Walk every chain of the audit log (or CODE's) from its first entry, recomputing each hash; print each
        chain's head, or the first entry that breaks it, and exit 1 if any is broken."""
        from portal.database import db
        from portal.services import auditchain

        names = auditchain.chains(db.session)
        if code is not None:
            if code not in names:
                raise click.ClickException(f"--municipality: no audit chain for {code!r}")
            names = [code]
        outcomes = [auditchain.verify(db.session, name) for name in names]
        for outcome in outcomes:
            click.echo(str(outcome))
        if any(isinstance(outcome, auditchain.Broken) for outcome in outcomes):
            raise SystemExit(1)


def register_retention_commands(app: Flask) -> None:
    retention = AppGroup("retention", help="Cases past their procedure's 保存期間.")
    app.cli.add_command(retention)

    @retention.command("run")
    @click.option("--dry-run", is_flag=True, help="only list the cases that would be purged")
    @click.option("--municipality", "code", help="only this municipality's cases (地方公共団体コード)")
    def retention_run(dry_run: bool, code: str | None) -> None:
        """Purge the answers, attachments and certificate PDFs of every case past its 保存期間 and not on legal hold,
        as beat does daily (each purge in the audit log under the login name); --dry-run lists them per procedure."""
        from portal.database import db
        from portal.japan import jst
        from portal.services import retention as retained
        from portal.services import tenancy
        from portal.services.actors import Administrator
        from portal.tasks.retention import purge_due
        from portal.web.current import current_procedures

        if code is not None and tenancy.municipality(db.session, code) is None:
            raise click.ClickException(f"--municipality: no municipality {code!r}")
        if not dry_run:
            purged = purge_due(Administrator.command_line(), code)
            click.echo(f"retention: {purged} case(s) purged")
            return
        cases = retained.due(db.session, current_procedures(), jst.today(), code)
        for slug in sorted({case.procedure for case in cases}):
            listed = [case for case in cases if case.procedure == slug]
            click.echo(f"{slug} (retention {listed[0].retention}): {len(listed)} case(s)")
            for case in listed:
                click.echo(f"    {case.municipality_code} {case.reference} (closed {case.closed_on.isoformat()})")
        click.echo(f"retention: {len(cases)} case(s) would be purged (dry run: nothing changed)")


def register_api_commands(app: Flask) -> None:
    """``flask api token …`` and ``flask webhook …``: a municipality's API clients and webhook receivers."""
    api = AppGroup("api", help="The API for core systems and RPA (/api/v1).")
    app.cli.add_command(api)
    token = AppGroup("token", help="A municipality's API tokens.")
    api.add_command(token)

    @token.command("create")
    @click.argument("code")
    @click.option("--name", required=True, help="who uses it, shown in cases' history as 「API: NAME」")
    @click.option("--scope", type=click.Choice(["read", "write"]), required=True)
    @click.option(
        "--role",
        "roles",
        multiple=True,
        type=click.Choice(["clerk", "approver"]),
        help="write tokens: the workflow roles it acts with (repeatable; default clerk)",
    )
    def token_create(code: str, name: str, scope: str, roles: tuple[str, ...]) -> None:
        """Make a token for municipality CODE and print it, once: only its hash is kept."""
        from portal.database import db
        from portal.models import ApiScope
        from portal.roles import Role
        from portal.services.actors import Administrator
        from portal.services.api_tokens import create_token

        actor = Administrator.command_line()
        wanted = frozenset(Role(role) for role in roles)
        made, secret = _refusing(lambda: create_token(db.session, actor, code, name, ApiScope(scope), wanted))
        db.session.commit()
        click.echo(f"token {made.id} for {code} ({made.scope.value}; roles: {', '.join(made.role_values) or '-'})")
        click.echo("It is shown only now; keep it in the client's secret store:")
        click.echo(secret)

    @token.command("list")
    @click.argument("code")
    def token_list(code: str) -> None:
        """Municipality CODE's tokens: id, name, scope, roles, first characters, last use, revoked."""
        from portal.database import db
        from portal.services.actors import Administrator
        from portal.services.api_tokens import tokens

        for found in _refusing(lambda: tokens(db.session, Administrator.command_line(), code)):
            used = found.last_used_at.isoformat(timespec="minutes") if found.last_used_at else "never used"
            revoked = f" revoked {found.revoked_at.isoformat(timespec='minutes')}" if found.revoked_at else ""
            roles = ",".join(found.role_values) or "-"
            click.echo(f"{found.id}\t{found.name}\t{found.scope.value}\t{roles}\t{found.hint}…\t{used}{revoked}")

    @token.command("revoke")
    @click.argument("token_id", metavar="ID", type=int)
    def token_revoke(token_id: int) -> None:
        """Refuse token ID from now on (it stays listed as revoked)."""
        from portal.database import db
        from portal.models.base import utcnow
        from portal.services.actors import Administrator
        from portal.services.api_tokens import revoke_token

        revoked = _refusing(lambda: revoke_token(db.session, Administrator.command_line(), token_id, utcnow()))
        db.session.commit()
        click.echo(f"token {revoked.id} ({revoked.name}) is revoked")

    webhook = AppGroup("webhook", help="A municipality's webhook subscriptions (also on the administration pages).")
    app.cli.add_command(webhook)

    @webhook.command("add")
    @click.argument("code")
    @click.argument("url")
    @click.option(
        "--event",
        "events",
        multiple=True,
        type=click.Choice(["case.submitted", "case.transitioned"]),
        help="repeatable; default both",
    )
    @click.option("--procedure", "procedures", multiple=True, help="only these procedures (repeatable; default all)")
    def webhook_add(code: str, url: str, events: tuple[str, ...], procedures: tuple[str, ...]) -> None:
        """POST municipality CODE's case events to URL, signed; prints the signing secret."""
        from portal.database import db
        from portal.models import WebhookEvent
        from portal.services.actors import Administrator
        from portal.services.webhooks import add_subscription

        chosen = [WebhookEvent(event) for event in events] or list(WebhookEvent)
        production = app.config["ENVIRONMENT"] is Environment.PRODUCTION
        actor = Administrator.command_line()
        added = _refusing(lambda: add_subscription(db.session, actor, code, url, chosen, procedures, production))
        db.session.commit()
        click.echo(f"webhook {added.id} for {code}: {added.url} ({', '.join(added.event_values)})")
        click.echo(f"signing secret: {added.secret}")

    @webhook.command("list")
    @click.argument("code")
    def webhook_list(code: str) -> None:
        """Municipality CODE's subscriptions: id, URL, events, procedures."""
        from portal.database import db
        from portal.services.actors import Administrator
        from portal.services.webhooks import subscriptions

        for found in _refusing(lambda: subscriptions(db.session, Administrator.command_line(), code)):
            click.echo(f"{found.id}\t{found.url}\t{','.join(found.event_values)}\t{','.join(found.procedures) or '*'}")

    @webhook.command("remove")
    @click.argument("code")
    @click.argument("subscription_id", metavar="ID", type=int)
    def webhook_remove(code: str, subscription_id: int) -> None:
        """Send nothing more to subscription ID of municipality CODE."""
        from portal.database import db
        from portal.models.base import utcnow
        from portal.services.actors import Administrator
        from portal.services.webhooks import remove_subscription

        actor = Administrator.command_line()
        _refusing(lambda: remove_subscription(db.session, actor, code, subscription_id, utcnow()))
        db.session.commit()
        click.echo(f"webhook {subscription_id} of {code} is removed")


def register_catalog_commands(app: Flask) -> None:
    """``flask catalog``: authoring help, checking, and publishing the files as versions the portal serves."""
    catalog = AppGroup(
        "catalog", help="Procedure definitions, workflows and certificate templates: check, diff, publish."
    )
    app.cli.add_command(catalog)

    @catalog.command("schema")
    @click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
    def schema(directory: Path) -> None:
        """Write definition.schema.json and workflow.schema.json to DIRECTORY for editors' completion."""
        from portal.definitions.formats import definition_schema, dumps, workflow_schema

        directory.mkdir(parents=True, exist_ok=True)
        for name, generated in (("definition", definition_schema()), ("workflow", workflow_schema())):
            (directory / f"{name}.schema.json").write_text(dumps(generated), encoding="utf-8")
            click.echo(f"wrote {directory / f'{name}.schema.json'}")

    @catalog.command("docs")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path), default=ROOT / "docs" / "definitions.md")
    def docs(path: Path) -> None:
        """Write the format reference (default docs/definitions.md) generated from the models."""
        from portal.definitions.formats import reference

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(reference(), encoding="utf-8")
        click.echo(f"wrote {path}")

    @catalog.command("check")
    def check() -> None:
        """Check every definition, workflow and certificate template; exit 1 on errors (warnings alone: 0)."""
        if _checked(app):
            raise SystemExit(1)

    @catalog.command("diff")
    @click.argument("name", required=False)
    def diff(name: str | None) -> None:
        """What publishing would change (only sources called NAME, if given): fields, options, labels, states,
        transitions, template files."""
        from portal.database import db
        from portal.services.publishing import pending

        changes = _refusing_broken(lambda: pending(db.session, _sources(app), name))
        if not changes:
            click.echo("nothing to publish: every file is its latest published version")
        for change in changes:
            _echo_pending(change)

    @catalog.command("publish")
    @click.option("--by", default=None, help="who publishes, for the record (default: the login name)")
    def publish(by: str | None) -> None:
        """Check the files and store each changed one as a new version; running it again stores nothing. Each
        version is written to the audit log, naming who published it."""
        from portal.database import db
        from portal.services import publishing
        from portal.services.actors import Administrator

        if _checked(app):
            raise click.ClickException("nothing published: fix the errors above first")
        actor = Administrator.command_line(by)
        published = _refusing_broken(lambda: publishing.publish(db.session, _sources(app), actor))
        db.session.commit()
        if not published:
            click.echo("nothing to publish: every file is its latest published version")
        for change in published:
            _echo_pending(change)


def _sources(app: Flask) -> Sources:
    from portal.definitions import SourceDirs, read_sources

    config = app.config
    return read_sources(SourceDirs(config["CATALOG_DIR"], config["WORKFLOWS_DIR"], config["CERTIFICATES_DIR"]))


def _checked(app: Flask) -> int:
    """Print ``catalog check``'s problems; the number of errors (warnings do not count)."""
    from portal.definitions.check import check_catalog

    config = app.config
    directories = config["CATALOG_DIR"], config["WORKFLOWS_DIR"], config["CERTIFICATES_DIR"]
    problems = check_catalog(*directories, Path(config["BABEL_TRANSLATION_DIRECTORIES"]))  # the languages it speaks
    for problem in problems:
        click.echo(str(problem))
    errors = sum(not p.warning for p in problems)
    click.echo(f"catalog check: {errors} error(s), {len(problems) - errors} warning(s)")
    return errors


def _refusing_broken(action: Callable[[], T]) -> T:
    from portal.yamlsource import DefinitionError

    try:
        return action()
    except DefinitionError as error:
        raise click.ClickException(str(error)) from None


def _echo_pending(change: Pending) -> None:
    click.echo(str(change))
    for line in change.changes:
        click.echo(f"    {line}")
    for stranded in change.stranded:
        click.echo(
            f"    note: {stranded.cases} open case(s) sit in state {stranded.state!r}, which this version drops; "
            "they continue on the workflow version they started on"
        )
