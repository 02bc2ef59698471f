"""The back office in the browser: a GP opens a stranger's record through the noodprocedure at
a huisartsenpost, and in the same test the privacy officer logs in with the hospital's SSO (a
real OpenID Connect provider, tests/staff_sso_server), finds that noodprocedure with what was
viewed during it, and records a verdict. Every back office page passes axe-core."""
from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from portal.platform import create_platform
from support.browser import VIEWPORT, PortalServer, axe_unavailable, copy_tenants, recording_page
from support.flows import axe_violations, login, result_row, search
from support.identifiers import make_bsn
from support.staff_sso import TestSso, backoffice_host, enable_backoffice, sso_problem
from support.tls import make_server_certificate

REASON = "Patiënt op de HAP met benauwdheid, eigen huisarts onbereikbaar"
REMARK = "Terecht: spoed buiten kantoortijd, reden past bij het consult"


@pytest.fixture(scope="module")
def backoffice(portal, tmp_path_factory):
    """ZGT's back office on the suite's database, and the hospital's SSO it trusts."""
    from portal_connectors.fhir.testing import free_port

    problem = sso_problem()
    if problem:
        pytest.skip(problem)
    folder = tmp_path_factory.mktemp("backoffice-e2e")
    port = free_port()
    tls = make_server_certificate(folder / "tls", ["localhost"])
    target = copy_tenants(folder / "tenants", {})
    enable_backoffice(target, f"https://localhost:{port}", tls.ca_file, tenant_ids=("zgt",))
    platform = create_platform(dataclasses.replace(portal.platform.settings, tenants_dir=target))
    with PortalServer(platform) as server:
        base = f"http://{backoffice_host('zgt')}:{server.port}"
        sso = TestSso.start(folder, ["beheer-zgt"], [f"{base}/inloggen/terug"], port=port, tls=tls)
        yield base, sso
        sso.stop()
    platform.close()


@pytest.fixture
def staff_page(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", timezone_id="Europe/Amsterdam",
                                  ignore_https_errors=True)  # only the test SSO's pages (its own test CA)
    context.set_default_timeout(10_000)
    if axe_unavailable() is None:
        from support.browser import AXE_SCRIPT

        context.add_init_script(path=str(AXE_SCRIPT))
    yield recording_page(context)
    context.close()


def _accessible(page) -> None:
    if axe_unavailable() is None:
        assert axe_violations(page) == [], page.url


def _open_reviews(page) -> int:
    text = page.get_by_test_id("count-open-reviews").inner_text()
    return int(re.findall(r"\d+", text)[-1])


@pytest.fixture
def grant_ended_afterwards(portal):
    """The noodprocedure below grants the suite's demo GP access to the suite's stranger; end
    that grant afterwards, or every later test of the noodprocedure (same GP, same stranger)
    would find access already granted."""
    yield
    case = portal.cases["zgt"]
    with portal.platform.database.engine.begin() as conn:
        conn.execute(text("UPDATE emergency_accesses SET expires_at = :now WHERE tenant_id = 'zgt' "
                          "AND account_id = :account AND patient_id = :patient AND expires_at > :now"),
                     {"now": datetime.now(timezone.utc), "account": case.account_id,
                      "patient": case.stranger.patient_id})


def test_the_privacy_officer_reviews_a_noodprocedure_made_in_the_gp_portal(portal, page, staff_page, backoffice,
                                                                           grant_ended_afterwards):
    base, _sso = backoffice
    case = portal.cases["zgt"]
    stranger = case.stranger

    # The GP, at a huisartsenpost, opens a stranger's record with a reason.
    login(page, portal.hap, "zgt", case.account_name)
    search(page, portal.hap, "zgt", patient_number=stranger.patient_number)
    result_row(page, stranger.display_name).first.get_by_role("button", name="Kies deze patiënt").click()
    page.get_by_label("Waarom wilt u dit dossier bekijken?").fill(REASON)
    page.get_by_role("button", name="Ga verder met deze patiënt").click()
    expect(page.get_by_test_id("patient-banner")).to_contain_text(stranger.display_name)

    # The privacy officer, also an application manager here, logs in with the hospital's SSO.
    _sso.next_login("p.officer", "Petra Privacy", ["portaal-privacy", "portaal-beheer"])
    staff_page.goto(f"{base}/")
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Inloggen in de beheeromgeving")
    _accessible(staff_page)
    staff_page.get_by_role("link", name="Inloggen met uw ziekenhuisaccount").click()
    expect(staff_page.get_by_test_id("staff-name")).to_have_text("Petra Privacy")
    _accessible(staff_page)
    open_before = _open_reviews(staff_page)
    assert open_before >= 1

    staff_page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Noodprocedures").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Noodprocedures")
    _accessible(staff_page)
    row = staff_page.get_by_test_id("emergency-row").filter(has_text=REASON)
    expect(row).to_contain_text(stranger.patient_number)
    expect(row).to_contain_text("nog niet verstuurd")
    row.get_by_role("link").click()

    expect(staff_page.get_by_test_id("reason")).to_have_text(REASON)
    expect(staff_page.get_by_test_id("provider")).to_contain_text(case.account_name)
    expect(staff_page.get_by_test_id("viewed")).to_contain_text("emergency_access")
    _accessible(staff_page)
    staff_page.get_by_label("Terecht", exact=True).check()
    staff_page.get_by_label(re.compile("Toelichting")).fill(REMARK)
    staff_page.get_by_role("button", name="Oordeel vastleggen").click()
    expect(staff_page.get_by_test_id("verdict")).to_contain_text("Terecht (Petra Privacy")
    expect(staff_page.get_by_test_id("remark")).to_have_text(REMARK)
    _accessible(staff_page)

    staff_page.get_by_role("link", name="Start").click()
    assert _open_reviews(staff_page) == open_before - 1

    # The log review and a signal page, as the privacy officer sees them.
    staff_page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Logboek").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Logboek")
    staff_page.get_by_role("button", name="Zoeken").click()
    expect(staff_page.get_by_test_id("log-table")).to_be_visible()
    _accessible(staff_page)
    staff_page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Signalen").click()
    staff_page.get_by_role("button", name="Opnieuw berekenen").click()
    expect(staff_page.get_by_test_id("computed")).to_be_visible()
    _accessible(staff_page)
    signal_links = staff_page.get_by_test_id("signal-row").get_by_role("link")
    if signal_links.count():
        signal_links.first.click()
        expect(staff_page.get_by_role("heading", name="Wat controleert u?")).to_be_visible()
        _accessible(staff_page)

    # An inzagelog request: the form, the request's page, and the list with its status.
    staff_page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Inzagelog").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Inzagelog")
    _accessible(staff_page)
    staff_page.get_by_label("BSN van de patiënt").fill(make_bsn())
    staff_page.get_by_label("Van (JJJJ-MM-DD)").fill("2026-01-01")
    staff_page.get_by_label("Tot en met (JJJJ-MM-DD)").fill(date.today().isoformat())
    staff_page.get_by_role("button", name="Verzoek vastleggen").click()
    expect(staff_page.get_by_test_id("request-status")).to_have_text("nog niet geleverd")
    _accessible(staff_page)
    with staff_page.expect_download() as download:
        staff_page.get_by_role("button", name="Overzicht downloaden").click()
    assert download.value.suggested_filename.endswith(".pdf")
    staff_page.get_by_role("link", name="Terug naar de verzoeken").click()
    expect(staff_page.get_by_test_id("inzagelog-row").first).to_contain_text("geleverd")
    _accessible(staff_page)

    # Accounts: the list, a ZorgNetOost file's check, one account with its covering practices.
    staff_page.get_by_role("navigation", name="Beheer").get_by_role("link", name="Accounts").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Accounts")
    _accessible(staff_page)
    staff_page.get_by_label("Bestand (CSV)").set_input_files(files=[{
        "name": "zno.csv", "mimeType": "text/csv",
        "buffer": b"uzi_number,agb_code,name,role,practice_name,practice_agb,status\n"
                  b"812345678,01234567,Dr. Proef,01.015,Praktijk,01000001,aanmelden\n"}])
    staff_page.get_by_role("button", name="Controleren").click()
    expect(staff_page.get_by_test_id("check-lines")).to_contain_text("Dr. Proef")  # checked, not applied
    _accessible(staff_page)
    staff_page.get_by_role("link", name="Terug naar de accounts").click()
    staff_page.get_by_label(re.compile("Zoek op UZI-nummer")).fill(case.account_name)
    staff_page.get_by_role("button", name="Zoeken").click()
    staff_page.get_by_test_id("account-row").first.get_by_role("link").click()
    expect(staff_page.get_by_test_id("account-status")).to_have_text("actief")
    _accessible(staff_page)

    # The queues: death notifications, and the messages to patients with the noodprocedure's.
    nav = staff_page.get_by_role("navigation", name="Beheer")
    nav.get_by_role("link", name="Overlijdensmeldingen").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Overlijdensmeldingen")
    _accessible(staff_page)
    staff_page.get_by_label("Welke").select_option("alle")
    staff_page.get_by_role("button", name="Toon").click()
    reports = staff_page.get_by_test_id("death-row").get_by_role("link")
    if reports.count():
        reports.first.click()
        expect(staff_page.get_by_test_id("death-status")).to_be_visible()
        _accessible(staff_page)
    nav.get_by_role("link", name="Berichten aan patiënten").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Berichten aan patiënten")
    _accessible(staff_page)
    message = staff_page.get_by_test_id("message-row").filter(has_text=stranger.patient_number).last
    message.get_by_role("checkbox").check()
    staff_page.get_by_role("button", name="Gekozen berichten zijn verstuurd").click()
    staff_page.get_by_label("Welke").select_option("alle")
    staff_page.get_by_role("button", name="Toon").click()
    expect(staff_page.get_by_test_id("message-row").filter(has_text=stranger.patient_number).last
           .get_by_test_id("message-status")).to_contain_text("door Petra Privacy")
    _accessible(staff_page)

    # The chain status, and a routine verify run from the screen.
    nav.get_by_role("link", name="Auditketen").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Auditketen")
    _accessible(staff_page)
    staff_page.get_by_role("button", name="Nu controleren").click()
    expect(staff_page.get_by_test_id("chain-result")).to_contain_text("Intact")
    _accessible(staff_page)
    assert page.problems == [] and staff_page.problems == []
