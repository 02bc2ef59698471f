"""Alembic migrations of the portal database; ``upgrade(database)`` brings it to head.

Every model change comes with a revision in ``versions/`` (``portal db revision -m ...``
autogenerates one); a test checks the migrated schema equals the models on both SQLite
and PostgreSQL.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from ..db import Database

HERE = Path(__file__).parent


def alembic_config(database: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["database"] = database
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    command.upgrade(alembic_config(database), revision)


def current(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
