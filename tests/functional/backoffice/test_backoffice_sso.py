"""Staff log in with the hospital's SSO (a real OpenID Connect provider), only from the
hospital's address ranges, get the screens their roles allow, and every step is in the
tenant's NEN 7513 chain. A GP's session is worthless in the back office and a staff session
worthless in the GP portal."""
from __future__ import annotations

import json

from sqlalchemy import select

from portal.audit.models import AuditRecord
from portal.backoffice.trail import STAFF_SYSTEM
from support.access import PRIVATE_PAGE
from support.staff_sso import MANAGER, PRIVACY, SERVICE_DESK, backoffice_host

from .conftest import HostClient, csrf_of, path_of, staff_login

HOST = backoffice_host("zgt")


def _last_staff_record(platform, tenant_id: str = "zgt") -> AuditRecord:
    with platform.database.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id,
                                                         AuditRecord.system == STAFF_SYSTEM)
                               .order_by(AuditRecord.seq.desc()).limit(1)).one()


def test_staff_log_in_with_the_hospital_sso_and_see_the_start_page(browser, staff_sso, bo_platform):
    landed = staff_login(browser, staff_sso, "zgt", roles=[PRIVACY, MANAGER], name="Petra Privacy", sub="p.p")
    assert landed.status_code == 302 and path_of(landed.headers["Location"]) == "/"
    login = _last_staff_record(bo_platform)
    assert (login.action, login.outcome, login.user_name, login.user_uzi) == ("login", "success", "Petra Privacy", None)
    assert json.loads(login.details)["staff_subject"] == "p.p"
    page = browser.at(HOST, "/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Petra Privacy" in html
    assert "Noodprocedures te beoordelen" in html and "Overlijdensmeldingen te verwerken" in html
    assert "Dit scherm is voor: privacy officer, applicatiebeheerder, servicedesk" in html
    assert page.headers["Cache-Control"] == "no-store" and "default-src 'none'" in page.headers[
        "Content-Security-Policy"]
    assert any(c.key == "beheer_zgt" for c in browser._cookies.values())
    logout = browser.at(HOST, "/uitloggen", method="POST", data={"csrf_token": csrf_of(html)},
                        headers={"Origin": f"http://{HOST}"})
    assert logout.status_code == 302
    assert _last_staff_record(bo_platform).action == "logout"
    assert path_of(browser.at(HOST, "/").headers["Location"]) == "/inloggen"


def test_each_role_sees_only_its_counts(browser, staff_sso):
    staff_login(browser, staff_sso, "zgt", roles=[SERVICE_DESK], name="Sam Servicedesk", sub="s.s")
    html = browser.at(HOST, "/").get_data(as_text=True)
    assert "Actieve accounts" in html
    assert "Noodprocedures te beoordelen" not in html and "Overlijdensmeldingen" not in html


def test_a_screen_refuses_other_roles_and_the_refusal_is_audited(browser, staff_sso, bo_platform):
    staff_login(browser, staff_sso, "zgt", roles=[SERVICE_DESK], name="Sam Servicedesk", sub="s.s")
    refused = browser.at(HOST, "/noodprocedures/")
    assert refused.status_code == 403
    record = _last_staff_record(bo_platform)
    assert (record.action, record.outcome, record.user_name) == ("access_denied", "denied", "Sam Servicedesk")


def test_outside_the_hospital_ranges_the_back_office_does_not_answer(bo_platform):
    stranger = HostClient(bo_platform.dispatcher, address="198.51.100.7")
    for path in ("/inloggen", "/inloggen/sso", "/"):
        response = stranger.at(HOST, path)
        assert response.status_code == 403, path
        assert "alleen bereikbaar vanaf het netwerk" in response.get_data(as_text=True)


def test_a_login_without_a_mapped_role_gets_nothing(browser, staff_sso, bo_platform):
    refused = staff_login(browser, staff_sso, "zgt", roles=["medewerker-keuken"], name="Karel Keuken", sub="k.k")
    assert refused.status_code == 403
    record = _last_staff_record(bo_platform)
    assert (record.action, record.outcome, record.user_name) == ("login", "denied", "Karel Keuken")
    assert path_of(browser.at(HOST, "/").headers["Location"]) == "/inloggen"


def test_a_login_of_one_tenant_is_nothing_at_the_other(browser, staff_sso):
    staff_login(browser, staff_sso, "zgt")
    assert browser.at(HOST, "/").status_code == 200
    other = browser.at(backoffice_host("mst"), "/")
    assert other.status_code == 302 and path_of(other.headers["Location"]) == "/inloggen"


def _cookie(browser: HostClient, name: str, host: str) -> str:
    found = browser.get_cookie(name, domain=host)
    assert found is not None, f"no cookie {name} for {host}"
    return found.value


def test_gp_and_staff_sessions_are_worthless_at_each_others_door(browser, staff_sso, make_account):
    gp_host = "zgt.localhost"
    account = make_account(tenant_id="zgt")
    login_page = browser.at(gp_host, "/login").get_data(as_text=True)
    logged_in = browser.at(gp_host, "/login/demo", method="POST", headers={"Origin": f"http://{gp_host}"},
                           data={"account_id": account.id, "csrf_token": csrf_of(login_page)})
    assert logged_in.status_code == 302
    assert browser.at(gp_host, PRIVATE_PAGE).status_code != 302  # the GP is in
    gp_cookie = _cookie(browser, "portal_zgt", gp_host)

    # The GP's cookie at the back office, under either name: sent to the login.
    for name in ("portal_zgt", "beheer_zgt"):
        stranger = HostClient(browser.application)
        stranger.set_cookie(name, gp_cookie, domain=HOST)
        answer = stranger.at(HOST, "/")
        assert answer.status_code == 302 and path_of(answer.headers["Location"]) == "/inloggen", name

    staff_login(browser, staff_sso, "zgt")
    staff_cookie = _cookie(browser, "beheer_zgt", HOST)
    for name in ("portal_zgt", "beheer_zgt"):
        stranger = HostClient(browser.application)
        stranger.set_cookie(name, staff_cookie, domain=gp_host)
        answer = stranger.at(gp_host, PRIVATE_PAGE)
        assert answer.status_code == 302 and answer.headers["Location"].endswith("/login"), name
