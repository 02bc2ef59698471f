"""A private database for a test run: SQLite in a folder, or a database of its own on the
PostgreSQL server DATABASE_URL names (created here, dropped afterwards)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _server_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@contextmanager
def private_database(folder: Path, server: str | None = None) -> Iterator[str]:
    """A fresh, empty database: SQLite in ``folder``, or — when ``server`` (default:
    DATABASE_URL) points at PostgreSQL — a database of its own on that server, dropped afterwards."""
    configured = server or os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        yield f"sqlite:///{folder / 'portal.sqlite'}"
        return
    server = make_url(_server_url(configured).replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
