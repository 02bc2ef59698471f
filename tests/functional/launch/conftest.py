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


SMART_CLIENT = "zorgverlenersportaal"
SMART_SECRET = "test-secret-of-the-confidential-client-0123456789"


@pytest.fixture(scope="session")
def ehr_fhir():
    """The project's FHIR test server, empty but for what the EHR tests put in it."""
    from portal_connectors.fhir.testing import FhirTestServer, node_problem

    problem = node_problem()
    if problem:
        pytest.skip(problem)
    server = FhirTestServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smart_ehr(ehr_fhir):
    from support.smart_ehr import SmartEhr, smart_ehr_problem

    problem = smart_ehr_problem()
    if problem:
        pytest.skip(problem)
    ehr = SmartEhr.start(ehr_fhir.base_url, SMART_CLIENT, ["http://zgt.localhost/launch/smart/terug"],
                         client_secret=SMART_SECRET)
    yield ehr
    ehr.stop()


def _smart_platform(settings, keys, smart: list[dict], target):
    return create_platform(dataclasses.replace(settings, tenants_dir=launch_tenants(target / "tenants", keys,
                                                                                   smart=smart)))


@pytest.fixture(scope="session")
def smart_platform(settings, demo_epd, his_keys, smart_ehr, tmp_path_factory):
    """ZGT trusting the test EHR as a public client (PKCE only)."""
    platform = _smart_platform(settings, his_keys, [
        {"name": "Test-EPD", "issuer": smart_ehr.fhir_base, "client_id": SMART_CLIENT}],
        tmp_path_factory.mktemp("smart-tenants"))
    yield platform
    platform.close()


@pytest.fixture(scope="session")
def confidential_platform(settings, demo_epd, his_keys, smart_ehr, tmp_path_factory):
    """ZGT trusting the test EHR as a confidential client (secret from the environment, and PKCE)."""
    import os

    os.environ["PORTAL_TEST_SMART_SECRET"] = SMART_SECRET
    platform = _smart_platform(settings, his_keys, [
        {"name": "Test-EPD vertrouwelijk", "issuer": smart_ehr.fhir_base + "/",
         "client_id": f"{SMART_CLIENT}-confidential", "client_secret_env": "PORTAL_TEST_SMART_SECRET"}],
        tmp_path_factory.mktemp("smart-tenants-confidential"))
    yield platform
    platform.close()
