"""Migrations bring an empty database to exactly the schema the models describe."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from portal import migrations
from portal.models import metadata


def test_migrated_schema_matches_models(platform):
    with platform.database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_database_is_at_head(platform):
    script = ScriptDirectory.from_config(migrations.alembic_config(platform.database))
    assert migrations.current(platform.database) == script.get_current_head()


def test_single_linear_history(platform):
    script = ScriptDirectory.from_config(migrations.alembic_config(platform.database))
    assert len(script.get_heads()) == 1


def test_revision_ids_fit_alembic_version(platform):
    """alembic_version.version_num is VARCHAR(32): PostgreSQL refuses a longer revision id
    (SQLite does not check lengths, so only the PostgreSQL run would find it)."""
    script = ScriptDirectory.from_config(migrations.alembic_config(platform.database))
    too_long = [r.revision for r in script.walk_revisions() if len(r.revision) > 32]
    assert too_long == []
