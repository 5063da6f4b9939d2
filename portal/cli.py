"""``flask`` commands for operators: schema migration and demo data."""

from __future__ import annotations

import click
from flask import Flask

from portal.config import ROOT


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
