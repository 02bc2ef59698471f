"""Audit tests write to chains of their own (a fresh tenant id per test): the log is
append-only, so rows from other tests stay, and must not matter."""
import uuid

import pytest


@pytest.fixture
def chain_tenant(db_session) -> str:
    """A tenant id nobody else writes to (the audit tables accept any tenant id)."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def database(platform, db_session):
    return platform.database
