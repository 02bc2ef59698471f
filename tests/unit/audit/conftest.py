"""Audit tests write to chains of their own (a fresh tenant id, a fresh BSN per test): the
log is append-only, so rows from other tests stay, and must not matter."""
from __future__ import annotations

import importlib
import uuid
from contextlib import contextmanager

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo

from portal.cli import cli
from support.identifiers import make_bsn

# The trigger definitions live in the migration (migrations must not depend on code that
# changes later); its module name starts with a digit, hence importlib.
_audit = importlib.import_module("portal.migrations.versions.0002_audit")
_archives = importlib.import_module("portal.migrations.versions.0009_audit_archives")
SQLITE_TRIGGER_NAMES = ("audit_log_no_update", "audit_log_no_delete", "audit_chain_heads_advance_only",
                        "audit_chain_heads_no_delete", "audit_archives_no_update", "audit_archives_no_delete")
#: The SQLite triggers as the migrations leave them (0009 replaced 0002's audit_log_no_delete).
SQLITE_TRIGGERS = [*(s for s in _audit.SQLITE_TRIGGERS if "audit_log_no_delete" not in s),
                   *_archives.SQLITE_UPGRADE[1:]]


@pytest.fixture
def chain_tenant(db_session) -> str:
    """A tenant id nobody else writes to (the audit tables accept any tenant id)."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def database(platform, db_session):
    return platform.database


@pytest.fixture
def fresh_bsn():
    """Makes BSNs that pass the 11-proef and cannot be real (9999xxxxx, see docs/domain.md)."""
    return make_bsn


@pytest.fixture
def tampering():
    """``with tampering(database) as conn:`` -- see ``_tampering``."""
    return _tampering


@contextmanager
def _tampering(database):
    """A transaction in which the append-only triggers do not fire, as for an attacker
    with full database rights (PostgreSQL: replica mode; SQLite: triggers dropped, then
    re-created whatever happens)."""
    if database.dialect == "postgresql":
        with database.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield conn
        return
    with database.engine.begin() as conn:
        for name in SQLITE_TRIGGER_NAMES:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        with database.engine.begin() as conn:
            yield conn
    finally:
        with database.engine.begin() as conn:
            for statement in SQLITE_TRIGGERS:
                conn.exec_driver_sql(statement)


@pytest.fixture
def run_cli(platform, monkeypatch):
    """Runs ``portal ...`` in-process against the test platform; returns click's Result."""
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # FlaskGroup sets it; restore it afterwards
    root = Flask("portal.root")
    root.extensions["portal.platform"] = platform

    def run(*args: str):
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: root))

    return run
