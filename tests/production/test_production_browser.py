"""A GP in Chromium over HTTPS, through nginx, on the production stack: every POST a browser
makes works (login with the card helper, search, the patient choice, a death report, logout),
and nothing of the session outlives the logout."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from portal.core.formatting import nl_date
from support.flows import open_patient, report_death
from support.production import login_with_card

TENANT = "zgt"


def session_cookie(context) -> dict:
    (cookie,) = [c for c in context.cookies() if c["name"].startswith("__Host-portal_")]
    return cookie


def still_logged_in(stack, cookie: dict) -> bool:
    """Does the session of ``cookie`` still open a page behind the login?"""
    with stack.client() as client:
        client.cookies.set(cookie["name"], cookie["value"])
        answer = client.get("/patient-zoeken")
    return answer.status_code == 200


def test_a_gp_logs_in_searches_reports_a_death_and_logs_out(stack, context, page):
    case, patient = stack.case, stack.case.death_patient
    login_with_card(page, stack)
    assert page.evaluate("window.isSecureContext") and page.url.startswith("https://")
    cookie = session_cookie(context)
    assert cookie["secure"] and cookie["httpOnly"]

    open_patient(page, stack, TENANT, patient)  # Patiënt zoeken, Kies deze patiënt, Ga verder met deze patiënt
    expect(page.get_by_role("heading", level=1)).to_have_text("Patiëntinformatie")

    page.get_by_role("link", name="Melden overlijden patiënt").click()
    report_death(page, nl_date(date.today()))
    expect(page.locator("main")).to_contain_text("gemeld")
    expect(page.locator("main")).to_contain_text(case.account_name)

    page.locator("nav.main-nav").get_by_role("link", name="Patiëntinformatie", exact=True).first.click()
    expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("status").filter(has_text="U bent uitgelogd.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inloggen")
    assert not still_logged_in(stack, cookie)

    # Back to the patient page: fetched again (no-store), so the login page, no patient data.
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inloggen")
    assert page.url.endswith("/login")
    assert patient.display_name not in page.content()
    page.goto(stack.url(path="/patientinformatie"))
    assert page.url.endswith("/login")
    assert page.problems == []


def test_a_logout_with_a_stale_form_still_ends_the_session(stack, context, page):
    """Uitloggen from a page whose CSRF token no longer matches (e.g. a tab left open across
    another login) ends the session all the same and says so."""
    login_with_card(page, stack)
    cookie = session_cookie(context)
    page.locator("form.logout-form input[name=csrf_token]").evaluate("field => field.value = 'verlopen'")
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("status").filter(has_text="U bent uitgelogd.")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("sessie was verlopen")
    assert not still_logged_in(stack, cookie)
