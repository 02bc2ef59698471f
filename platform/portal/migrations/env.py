"""Alembic environment: runs against the ``Database`` handed over in ``config.attributes``."""
from alembic import context

from portal.models import metadata

config = context.config
database = config.attributes["database"]

with database.engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
