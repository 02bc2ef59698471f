"""A platform whose ZGT logs in with Dezi too, against the test Dezi (npm oidc-provider over
HTTPS, tests/dezi_server/server.mjs), on the suite's database and demo EPD."""
from __future__ import annotations

import dataclasses

import pytest

from portal.platform import create_platform
from support.dezi import TestDezi, dezi_problem, dezi_tenants
from support.launch import client_of

CLIENT_ID = "portaal-zgt"
REDIRECT_URI = "http://zgt.localhost/login/dezi/terug"
#: The test client is one address; the suite logs in many times a minute.
GENEROUS = {"rate_limits": {name: {"count": 100_000, "seconds": 60}
                            for name in ("login_per_address", "login_per_card")}}


@pytest.fixture(scope="session")
def portal_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def dezi(tmp_path_factory, portal_key):
    problem = dezi_problem()
    if problem:
        pytest.skip(problem)
    server = TestDezi.start(tmp_path_factory.mktemp("dezi"), {CLIENT_ID: [REDIRECT_URI]}, portal_key.public_key())
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dezi_platform(settings, demo_epd, dezi, portal_key, tmp_path_factory):
    target = dezi_tenants(tmp_path_factory.mktemp("dezi-tenants") / "tenants", dezi.issuer, dezi.ca_file, portal_key,
                          CLIENT_ID, overrides=GENEROUS,
                          dezi_settings={"status_check_seconds": 60, "status_grace_seconds": 0})
    platform = create_platform(dataclasses.replace(settings, tenants_dir=target))
    yield platform
    platform.close()


@pytest.fixture
def tenant_id() -> str:
    return "zgt"


@pytest.fixture
def dezi_client(dezi_platform, db_session):
    return client_of(dezi_platform)


@pytest.fixture
def dezi_login(dezi, csrf_token):
    """``dezi_login(client)``: click 'Inloggen met Dezi', pass Dezi, come back; the portal's answer."""

    def login(client):
        started = client.post("/login/dezi", data={"csrf_token": csrf_token(client)})
        assert started.status_code == 303, started.get_data(as_text=True)[-800:]
        return client.get(dezi.walk(started.headers["Location"], REDIRECT_URI))

    return login
