"""``portal db upgrade|current|revision``: the portal database's migrations."""
from __future__ import annotations

import click
from alembic import command

from ..db import Database
from ..settings import Settings
from . import alembic_config, current, upgrade


def _database() -> Database:
    return Database(Settings.from_env().database_url)


@click.group("db", help="Migrate the portal database (DATABASE_URL, default SQLite in instance/).")
def db_cli() -> None:
    pass


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def upgrade_command(revision: str) -> None:
    """Bring the database named by DATABASE_URL to the latest migration."""
    settings = Settings.from_env()
    settings.instance_dir.mkdir(parents=True, exist_ok=True)
    database = Database(settings.database_url)
    upgrade(database, revision)
    click.echo(f"database at revision {current(database)}")


@db_cli.command("current")
def current_command() -> None:
    """Print the database's migration revision."""
    click.echo(current(_database()) or "(empty)")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def revision_command(message: str) -> None:
    """Autogenerate a migration from the models (developers)."""
    command.revision(alembic_config(_database()), message=message, autogenerate=True)
