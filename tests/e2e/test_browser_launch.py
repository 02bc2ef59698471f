"""One click from the GP's own system into the patient, in a real browser.

A HIS page on another site auto-submits a signed launch context to the portal, and an EHR
launches it with SMART App Launch (npm oidc-provider as its authorization server, the
project's FHIR test server behind its FHIR API). Either way the GP, not yet logged in, logs
in with a (demo) card and lands on the right patient's Patiëntinformatie in one flow; a
replayed link is refused on a Dutch page, and audited."""
from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import Account
from portal.platform import create_platform
from support.browser import PortalServer
from support.launch import JWKS_FILE, HisKeys, claims, last_launch_record, launch_tenants
from support.smart_ehr import SmartEhr, ehr_resources, smart_ehr_problem

#: The HIS's page lives on a site of its own: the form POST is cross-site, as in practice.
HIS_PAGE = "http://his.example.test/patient"
SMART_CLIENT = "zorgverlenersportaal"


@dataclass
class LaunchPortal:
    server: PortalServer
    platform: object
    keys: HisKeys
    ehr: SmartEhr | None


@pytest.fixture(scope="module")
def launch_portal(portal, tmp_path_factory):
    """The suite's portal (same database, demo EPD and accounts) with tenants trusting a test
    HIS and, where Node.js and oidc-provider are installed, a test EHR."""
    import dataclasses

    from portal_connectors.fhir.testing import FhirTestServer, free_port, node_problem

    keys = HisKeys()
    ehr_port = free_port()
    fhir_base = f"http://127.0.0.1:{ehr_port}/fhir/R4"
    smart = [{"name": "Test-EPD", "issuer": fhir_base, "client_id": SMART_CLIENT}]
    target = tmp_path_factory.mktemp("launch-e2e") / "tenants"
    launch_tenants(target, keys, overrides={"rate_limits": {
        name: {"count": 100_000, "seconds": 60} for name in ("login_per_address", "login_per_card")}}, smart=smart)
    assert (target / "zgt" / JWKS_FILE).exists()
    platform = create_platform(dataclasses.replace(portal.platform.settings, tenants_dir=target))
    fhir = ehr = None
    with PortalServer(platform) as server:
        if node_problem() is None and smart_ehr_problem() is None:
            fhir = FhirTestServer.start()
            ehr = SmartEhr.start(fhir.base_url, SMART_CLIENT,
                                 [server.url(t, "/launch/smart/terug") for t in ("zgt", "mst")], port=ehr_port)
            ehr.fhir = fhir  # type: ignore[attr-defined]
        yield LaunchPortal(server, platform, keys, ehr)
        if ehr is not None:
            ehr.stop()
        if fhir is not None:
            fhir.stop()
    platform.close()


def _uzi_of(platform, account_id: int) -> str:
    with platform.database.session() as session:
        return session.scalar(select(Account.uzi_number).where(Account.id == account_id))


def _his_page(page, action: str, token: str) -> None:
    """The HIS's page: a form that submits itself (the HINQ convention: field jwt, POST)."""
    body = (f'<!doctype html><html lang="nl"><title>HIS</title><body onload="document.forms[0].submit()">'
            f'<form method="post" action="{html.escape(action)}"><input type="hidden" name="jwt" '
            f'value="{html.escape(token)}"><noscript><button>Open in het ziekenhuisportaal</button></noscript>'
            f'</form></body></html>')
    page.route(HIS_PAGE, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body))
    page.goto(HIS_PAGE)


def _log_in(page, case) -> None:
    """Press the demo card's button once the login page has loaded completely: leaving a page
    while it still loads a stylesheet leaves the test server a half-sent file."""
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inloggen")
    page.wait_for_load_state("load")
    page.get_by_role("button", name=f"Inloggen als {case.account_name}", exact=True).click()


def _lands_on_patient(page, patient) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Patiëntinformatie")
    expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)
    assert patient.bsn not in page.url and "launch" not in page.url
    page.wait_for_load_state("load")


def test_a_signed_link_from_the_his(launch_portal, page, tenant_id, case):
    server = launch_portal.server
    audience = f"https://{launch_portal.platform.tenants[tenant_id].hostnames[0]}"
    token = launch_portal.keys.sign(claims(uzi=_uzi_of(launch_portal.platform, case.account_id),
                                           bsn=case.patient.summary.bsn, audience=audience))
    _his_page(page, server.url(tenant_id, "/launch"), token)

    # Not logged in yet: the login page, then straight on to the patient.
    _log_in(page, case)
    _lands_on_patient(page, case.patient.summary)
    record, details = last_launch_record(launch_portal.platform, tenant_id)
    sent = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==").decode())
    assert record.action == "view" and details["jti"] == sent["jti"] and details["issuer"] == "Test-HIS Twente"
    assert page.problems == []

    # The same link again (a replay): refused in Dutch, audited.
    _his_page(page, server.url(tenant_id, "/launch"), token)
    expect(page.get_by_role("heading", level=1)).to_have_text("Link al gebruikt")
    page.wait_for_load_state("load")
    assert last_launch_record(launch_portal.platform, tenant_id)[1]["refusal"] == "replayed"


def test_a_logged_in_gp_stays_logged_in(launch_portal, page, tenant_id, case):
    """The HIS's cross-site POST carries no session cookie; it must not replace the GP's."""
    server = launch_portal.server
    page.goto(server.url(tenant_id, "/login"))
    _log_in(page, case)
    expect(page.get_by_test_id("provider-name")).to_have_text(case.account_name)
    audience = f"https://{launch_portal.platform.tenants[tenant_id].hostnames[0]}"
    patient = case.letter_patient
    token = launch_portal.keys.sign(claims(uzi=_uzi_of(launch_portal.platform, case.account_id), bsn=patient.bsn,
                                           audience=audience, dest="brieven"))
    _his_page(page, server.url(tenant_id, "/launch"), token)
    expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)
    assert page.url.endswith("/dossier/brieven")
    expect(page.get_by_test_id("provider-name")).to_have_text(case.account_name)
    page.wait_for_load_state("load")


def test_a_smart_launch_from_the_ehr(launch_portal, page, tenant_id, case):
    ehr = launch_portal.ehr
    if ehr is None:
        pytest.skip(smart_ehr_problem() or "Node.js is missing for the FHIR test server")
    uzi = _uzi_of(launch_portal.platform, case.account_id)
    ehr.fhir.load(ehr_resources(f"prac-e2e-{tenant_id}", uzi, "01000000",
                                {f"pat-e2e-{tenant_id}": case.patient.summary.bsn}))
    launch = ehr.create_launch(f"pat-e2e-{tenant_id}", f"prac-e2e-{tenant_id}")
    # The EHR opens the portal in the clinician's browser.
    page.goto(launch_portal.server.url(tenant_id, "/launch/smart") + f"?iss={ehr.fhir_base}&launch={launch}")
    _log_in(page, case)
    _lands_on_patient(page, case.patient.summary)
    record, details = last_launch_record(launch_portal.platform, tenant_id)
    assert record.action == "view" and details["launch"] == "smart" and details["launch_id"] == launch
    assert page.problems == []
