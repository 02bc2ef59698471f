"""A GP logs in with Dezi in a real browser and lands on Home with the session, access and
audit of a UZI-pas login; revoking their Dezi-verklaring logs them out within the tenant's
interval (2 seconds here). The test Dezi is npm oidc-provider over HTTPS with a test CA
(tests/dezi_server/server.mjs); the portal verifies its TLS against that CA, the browser
is told to accept it (it only shows Dezi's pages)."""
from __future__ import annotations

import dataclasses
import json
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from portal.accounts.models import Account
from portal.audit.models import AuditRecord
from portal.platform import create_platform
from support.browser import VIEWPORT, PortalServer, recording_page
from support.dezi import TestDezi, dezi_problem, dezi_tenants
from support.tls import make_server_certificate

CLIENT_ID = "portaal-zgt"
CHECK_SECONDS = 2
DEZI_NUMBER = "900000001"
URA = "12345678"


@pytest.fixture(scope="module")
def dezi_portal(portal, tmp_path_factory):
    """The suite's portal (its database, demo EPD and accounts) with ZGT trusting a test Dezi."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from portal_connectors.fhir.testing import free_port

    problem = dezi_problem()
    if problem:
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp("dezi-e2e")
    port = free_port()
    tls = make_server_certificate(folder / "tls", ["localhost"])
    issuer = f"https://localhost:{port}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    target = dezi_tenants(folder / "tenants", issuer, tls.ca_file, key, CLIENT_ID, overrides={"rate_limits": {
        name: {"count": 100_000, "seconds": 60} for name in ("login_per_address", "login_per_card")}},
        dezi_settings={"status_check_seconds": CHECK_SECONDS, "status_grace_seconds": 0})
    platform = create_platform(dataclasses.replace(portal.platform.settings, tenants_dir=target))
    with PortalServer(platform) as server:
        dezi = TestDezi.start(folder, {CLIENT_ID: [server.url("zgt", "/login/dezi/terug")]}, key.public_key(),
                              port=port, tls=tls)
        assert dezi.issuer == issuer
        yield server, dezi
        dezi.stop()
    platform.close()


@pytest.fixture
def dezi_page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", timezone_id="Europe/Amsterdam",
                                  ignore_https_errors=True)
    context.set_default_timeout(10_000)
    yield recording_page(context)
    context.close()


@pytest.fixture
def linked_gp(portal):
    """ZGT's demo GP, linked to the Dezi-nummer the test Dezi gives (and its URA)."""
    account_id = portal.cases["zgt"].account_id
    with portal.platform.database.engine.begin() as conn:
        conn.execute(update(Account).where(Account.id == account_id).values(dezi_number=DEZI_NUMBER, ura=URA))
    yield portal.cases["zgt"]
    with portal.platform.database.engine.begin() as conn:
        conn.execute(update(Account).where(Account.id == account_id).values(dezi_number=None, ura=None))


def _last_login(portal):
    with portal.platform.database.session() as session:
        record = session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt",
                                                           AuditRecord.action == "login")
                                 .order_by(AuditRecord.seq.desc()).limit(1)).first()
        return record, json.loads(record.details)


def test_a_gp_logs_in_with_dezi_and_is_logged_out_when_it_is_revoked(portal, dezi_portal, dezi_page, linked_gp):
    server, dezi = dezi_portal
    page = dezi_page
    page.goto(server.url("zgt", "/login"))
    expect(page.get_by_role("heading", name="Inloggen met uw UZI-pas")).to_be_visible()
    page.get_by_role("button", name="Inloggen met Dezi").click()
    # Dezi (the GP passes its login at once) sends the browser back: Home, logged in.
    expect(page.get_by_test_id("provider-name")).to_have_text(linked_gp.account_name)
    assert page.url == server.url("zgt", "/")
    record, details = _last_login(portal)
    assert (record.outcome, details["method"], details["dezi_number"]) == ("success", "dezi", DEZI_NUMBER)
    with portal.platform.database.session() as session:
        assert record.user_uzi == session.get(Account, linked_gp.account_id).uzi_number
    # The same access as with the UZI-pas: a page behind the login opens.
    page.goto(server.url("zgt", "/patient-zoeken/recente"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Recent")
    expect(page.get_by_test_id("provider-name")).to_have_text(linked_gp.account_name)

    dezi.set_status(dezi.last()["verklaring_id"], "ingetrokken")
    time.sleep(CHECK_SECONDS + 0.5)
    page.goto(server.url("zgt", "/patient-zoeken/recente"))
    expect(page.get_by_role("alert")).to_contain_text("Uw Dezi-verklaring is ingetrokken")
    expect(page.get_by_role("button", name="Inloggen met Dezi")).to_be_visible()
    expect(page.get_by_test_id("provider-name")).to_have_count(0)
    assert page.problems == [], page.problems
