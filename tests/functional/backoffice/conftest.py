"""The back office against a real OpenID Connect provider (tests/staff_sso_server), both
tenants' back offices on ``beheer.<tenant>.localhost`` beside their portals, one platform
served through the host dispatcher (as gunicorn serves it) on the suite's database."""
from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import pytest
from werkzeug.test import Client

from portal.platform import create_platform
from support.browser import copy_tenants
from support.staff_sso import PRIVACY, TestSso, backoffice_host, enable_backoffice, sso_problem
from support.tls import make_server_certificate

TENANTS = ("zgt", "mst")


@pytest.fixture(scope="session")
def staff_sso(tmp_path_factory):
    from portal_connectors.fhir.testing import free_port

    problem = sso_problem()
    if problem:
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp("staff-sso")
    port = free_port()
    tls = make_server_certificate(folder / "tls", ["localhost"])
    sso = TestSso.start(folder, [f"beheer-{t}" for t in TENANTS],
                        [f"http://{backoffice_host(t)}/inloggen/terug" for t in TENANTS], port=port, tls=tls)
    yield sso
    sso.stop()


@pytest.fixture(scope="session")
def bo_platform(staff_sso, platform, settings, tmp_path_factory):
    """The platform with both back offices enabled (``platform`` migrated the database)."""
    target = copy_tenants(tmp_path_factory.mktemp("bo-tenants") / "tenants", {})
    enable_backoffice(target, staff_sso.issuer, staff_sso.ca_file)
    bo = create_platform(dataclasses.replace(settings, tenants_dir=target))
    yield bo
    bo.close()


class HostClient(Client):
    """A werkzeug client of the whole dispatcher, from ``address``."""

    def __init__(self, app, address: str = "127.0.0.1"):
        super().__init__(app, use_cookies=True)
        self.environ_base = {"REMOTE_ADDR": address}

    def at(self, host: str, path: str, method: str = "GET", **kwargs):
        return self.open(path, base_url=f"http://{host}", method=method, environ_base=self.environ_base, **kwargs)


@pytest.fixture
def browser(bo_platform):
    return HostClient(bo_platform.dispatcher)


def staff_login(browser: HostClient, sso: TestSso, tenant_id: str, roles=(PRIVACY,), name: str = "Petra Privacy",
                sub: str = "p.privacy"):
    """Log ``browser`` in at ``tenant_id``'s back office through the SSO; the last response."""
    host = backoffice_host(tenant_id)
    sso.next_login(sub, name, list(roles))
    start = browser.at(host, "/inloggen/sso")
    assert start.status_code == 302, start.get_data(as_text=True)[:300]
    back = sso.walk(start.headers["Location"], f"http://{host}/inloggen/terug")
    return browser.at(host, back)


def csrf_of(html: str) -> str:
    import re

    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def path_of(location: str) -> str:
    return urlsplit(location).path
