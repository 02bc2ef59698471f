"""Demo login, logout and the idle timeout, in the browser."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from support.flows import login, logout


def test_demo_login_then_logout_ends_the_session(portal, page, tenant_id, case):
    page.goto(portal.office.url(tenant_id, "/"))
    expect(page.get_by_test_id("provider-name")).to_have_count(0)  # the public home page

    login(page, portal.office, tenant_id, case.account_name)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welkom")
    expect(page.get_by_test_id("patient-banner")).to_have_text("Geen patiënt geselecteerd")

    logout(page)
    expect(page.get_by_role("status").filter(has_text="U bent uitgelogd.")).to_be_visible()
    page.go_back()
    page.reload()  # the old page from history must not come back to life
    expect(page.get_by_test_id("provider-name")).to_have_count(0)
    page.goto(portal.office.url(tenant_id, "/patient-zoeken"))
    expect(page).to_have_url(re.compile(r"/login$"))


def test_idle_session_ends_at_the_tenants_timeout(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    page.goto(portal.office.url(tenant_id, "/patient-zoeken"))  # a page behind the login
    idle = portal.platform.tenants[tenant_id].sessions.idle_timeout_minutes

    assert portal.age_sessions(tenant_id, minutes=idle - 1) >= 1
    page.reload()
    expect(page.get_by_test_id("provider-name")).to_have_text(case.account_name)  # still within the timeout

    assert portal.age_sessions(tenant_id, minutes=idle + 1) >= 1
    page.reload()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_test_id("provider-name")).to_have_count(0)
