"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when DATABASE_URL
points at one), the platform with every tenant, and per-tenant apps and clients.

On PostgreSQL each test run creates its own database (``portal_test_<random>``) on the
server DATABASE_URL names and drops it afterwards, so runs never see each other's rows.
"""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal import migrations
from portal.models import metadata
from portal.platform import Platform, create_platform
from portal.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
TENANT_IDS = ("zgt", "mst")


def _server_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """A fresh, empty database for this test run."""
    configured = os.environ.get("DATABASE_URL", "")
    if not configured.startswith("postgresql"):
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal.sqlite'}"
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
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def settings(database_url, tmp_path_factory) -> Settings:
    return Settings.from_env(
        environment="testing",
        database_url=database_url,
        instance_dir=tmp_path_factory.mktemp("instance"),
        tenants_dir=REPO_ROOT / "tenants",
        themes_dir=REPO_ROOT / "themes",
    )


@pytest.fixture(scope="session")
def platform(settings) -> Iterator[Platform]:
    """Every tenant of the repository, on a migrated test database."""
    platform = create_platform(settings)
    migrations.upgrade(platform.database)
    yield platform
    platform.database.dispose()


@pytest.fixture
def db_session(platform):
    """A session on the test database; rows of ordinary tables are removed after the test.

    Tables marked ``info={"append_only": True}`` (the audit log) are never deleted from:
    tests on them use their own tenant ids or compare against what was there before.
    """
    with platform.database.session() as session:
        yield session
    with platform.database.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if not table.info.get("append_only"):
                conn.execute(table.delete())


@pytest.fixture(params=TENANT_IDS)
def tenant_id(request) -> str:
    """Parametrizes a test over every repository tenant."""
    return request.param


@pytest.fixture
def app(platform, tenant_id):
    return platform.apps[tenant_id]


class TenantClient(FlaskClient):
    """A test client that addresses its tenant by the development hostname."""

    host = "localhost"

    def open(self, *args, **kwargs):
        if args and isinstance(args[0], str):
            kwargs.setdefault("base_url", f"http://{self.host}")
        kwargs.setdefault("buffered", True)  # closes file responses (filterwarnings=error)
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    """A test client of one tenant app."""
    tenant = app.extensions["portal.tenant"]
    client = TenantClient(app, app.response_class, use_cookies=True)
    client.host = next(h for h in tenant.hostnames if h.endswith(".localhost"))
    return client


@pytest.fixture(scope="session")
def fhir_server():
    """The test FHIR server (Medplum's FHIR router, in memory, on loopback), loaded with the
    Nictiz zib2020 examples and the portal's test patients (tests/data/fhir/). Skips, saying
    why, where Node.js or the server's npm packages are missing."""
    from portal_connectors.fhir.testing import shared_server

    return shared_server()
