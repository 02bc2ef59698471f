"""Pooled connections: tested before use only after sitting idle, and replaced when dead."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from portal import db
from portal.db import make_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgresql://...): SQLite has no server connection to lose")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _count_pings(engine, monkeypatch) -> list:
    pings = []
    original = engine.dialect.do_ping

    def counting(dbapi_connection):
        pings.append(1)
        return original(dbapi_connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counting)
    return pings


def test_a_connection_returned_just_now_is_not_pinged(engine, monkeypatch):
    pings = _count_pings(engine, monkeypatch)
    first = _backend(engine)
    assert _backend(engine) == first  # the same pooled connection, handed out again
    assert pings == []


def test_an_idle_connection_killed_by_the_server_is_replaced(engine, monkeypatch):
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)
    pings = _count_pings(engine, monkeypatch)
    dead = _backend(engine)
    killer = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": dead}).scalar_one()
    finally:
        killer.dispose()
    # The pool's only connection is dead: the ping finds out and a fresh one serves instead.
    assert _backend(engine) != dead
    assert pings
