"""A platform whose tenants trust a test HIS (keys made here), on the suite's database and
demo EPD; clients of its ZGT app."""
from __future__ import annotations

import dataclasses

import pytest

from portal.platform import create_platform
from support.launch import HisKeys, client_of, launch_tenants


@pytest.fixture(scope="session")
def his_keys() -> HisKeys:
    return HisKeys()


def _platform(settings, target, keys):
    return create_platform(dataclasses.replace(settings, tenants_dir=launch_tenants(target / "tenants", keys)))


@pytest.fixture(scope="session")
def launch_platform(settings, demo_epd, his_keys, tmp_path_factory):
    platform = _platform(settings, tmp_path_factory.mktemp("launch-tenants"), his_keys)
    yield platform
    platform.close()


@pytest.fixture(scope="session")
def second_node(settings, demo_epd, his_keys, tmp_path_factory):
    """Another app instance (another process or node in production) on the same database."""
    platform = _platform(settings, tmp_path_factory.mktemp("launch-tenants-2"), his_keys)
    yield platform
    platform.close()


@pytest.fixture
def tenant_id() -> str:
    return "zgt"


@pytest.fixture
def his_client(launch_platform, db_session):
    """A browser at the GP's practice, on the launch platform's ZGT portal."""
    from support.access import OFFICE_ADDRESS

    client = client_of(launch_platform)
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    return client
