"""The portal's own database (accounts, sessions, audit log, ...), SQLAlchemy 2.0 style.

One ``Database`` per process, shared by every tenant app; every row of a tenant-owned
table carries ``tenant_id``. ``get_session()`` gives the request's session inside a Flask
app context and closes it at teardown; ``Database.session()`` is for CLI and scripts.
``Database.autocommit()`` gives the request's connection for single statements.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import MetaData, Table, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: The databases the portal runs on, by SQLAlchemy dialect name.
DIALECTS = {"postgresql": postgresql, "sqlite": sqlite}


def per_dialect(build: Callable[[Any], Any]) -> dict[str, Any]:
    """``build(dialect module)`` for each of ``DIALECTS``, by name: statements with
    dialect-specific SQL (``INSERT .. ON CONFLICT``), built once at import and picked per
    call by ``Database.dialect``."""
    return {name: build(module) for name, module in DIALECTS.items()}


def table_of(model: type["Base"]) -> Table:
    """The ``Table`` of a mapped class (``__table__`` is typed as the broader FromClause)."""
    return cast(Table, model.__table__)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer; busy_timeout makes concurrent
    # writers (several gunicorn workers) wait instead of failing at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: A pooled connection that sat unused for longer than this is tested before it is handed
#: out. Testing every checkout (``pool_pre_ping``) cost a round trip per checkout, several
#: per page; a connection returned moments ago is as good as the last statement it ran.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine) -> None:
    """Pessimistic disconnect handling for connections idle longer than
    ``PING_AFTER_IDLE_SECONDS`` (after a database restart, a dropped network, a firewall's
    idle timeout): a failed ping makes the pool discard the connection and open a new one."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info["portal_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        since = record.info.get("portal_checked_in")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return  # new, or back in the pool only just now
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # any failure: this connection is unusable
            raise DisconnectionError(f"stale pooled connection ({type(exc).__name__})") from exc


def make_engine(url: str, **kwargs) -> Engine:
    """An engine for ``url`` with the portal's per-dialect settings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url, **kwargs)
    _ping_when_idle(engine)
    return engine


class Database:
    """Engine and session factory for one database URL."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self._autocommit: tuple[Engine, Engine] | None = None
        #: The deployment's audit checkpoints (``portal.audit.checkpoints``), set by the
        #: platform: the audit writer hands every appended position to them.
        self.checkpoints = None

    @property
    def autocommit_engine(self) -> Engine:
        """``engine`` (same pool) with each statement committed on its own: for work that is
        a single statement, it saves the BEGIN and COMMIT round trips of a transaction."""
        cached = self._autocommit
        if cached is None or cached[0] is not self.engine:  # derived anew if engine is replaced
            cached = self._autocommit = (self.engine, self.engine.execution_options(isolation_level="AUTOCOMMIT"))
        return cached[1]

    @contextmanager
    def autocommit(self) -> Iterator[Connection]:
        """A connection of ``autocommit_engine``, for statements complete on their own.

        On PostgreSQL, inside an app context of an app this database serves (``init_app``:
        a request) every call gets the same connection, and it goes back to the pool at
        teardown: one checkout per request instead of one per statement (a checkout and
        its return cost as much Python time as a statement).
        An error inside the block closes that connection (it may be broken); the next call
        takes a fresh one."""
        if (self.dialect != "postgresql" or not has_app_context()
                or current_app.extensions.get("portal.db") is not self):
            # Outside an app of this database (whose teardown returns the connection: a
            # CLI command's root app, a script), and on SQLite (development and tests,
            # where a connection held through a request broke a later CREATE TRIGGER of
            # another connection in the audit tests), a connection of its own per call.
            with self.autocommit_engine.connect() as conn:
                yield conn
            return
        engine = self.autocommit_engine
        held = g.get(_AUTOCOMMIT)
        if held is None or held.engine is not engine or held.closed:
            if held is not None:
                held.close()
            held = engine.connect()
            setattr(g, _AUTOCOMMIT, held)
        try:
            yield held
        except BaseException:
            g.pop(_AUTOCOMMIT, None)
            held.close()
            raise

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def init_app(self, app: Flask) -> None:
        app.extensions["portal.db"] = self
        app.teardown_appcontext(_close_request_session)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


#: Key in ``flask.g`` of the request's autocommit connection (``Database.autocommit``).
_AUTOCOMMIT = "portal_autocommit_connection"


def get_database() -> Database:
    return current_app.extensions["portal.db"]


def get_session() -> Session:
    """The current request's session (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = get_database().sessionmaker()
    return g.db_session


def _close_request_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()
    connection = g.pop(_AUTOCOMMIT, None)
    if connection is not None:
        connection.close()
