"""``flask`` commands for operators: schema migration, demo data and development signing keys."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal.config import ROOT, Environment


def upgrade_database(url: str) -> None:
    """``alembic upgrade head`` against ``url`` (Alembic owns the schema; the app never calls create_all)."""
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    command.upgrade(config, "head")


def register_commands(app: Flask) -> None:
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
