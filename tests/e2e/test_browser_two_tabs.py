"""Two tabs of one browser (one session), as a GP works: a form or item link of the patient
in tab A, used after tab B selected another patient, never acts on or shows tab B's patient."""
from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

from portal.core.formatting import nl_date
from support.flows import login, open_patient


def _other_than(case, patient):
    """A patient of the case's account other than ``patient`` (the case's roles may coincide)."""
    return next(p for p in (case.partner_patient, case.letter_patient, case.image_patient, case.graph_patient)
                if p.patient_id != patient.patient_id)


def _expect_conflict(page, came_from, current) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text("Andere patiënt geselecteerd")
    conflict = page.get_by_test_id("patient-conflict")
    expect(conflict).to_contain_text("U heeft intussen een andere patiënt geselecteerd")
    expect(conflict).to_contain_text(came_from.display_name)
    expect(conflict).to_contain_text(current.display_name)
    expect(conflict).to_contain_text("Er is niets opgeslagen, verstuurd of getoond.")


def test_a_death_report_of_tab_a_is_not_recorded_for_tab_b(portal, context, tenant_id, case):
    x = case.graph_patient
    y = _other_than(case, x)
    tab_a = context.new_page()
    login(tab_a, portal.office, tenant_id, case.account_name)
    open_patient(tab_a, portal.office, tenant_id, x)
    tab_a.get_by_role("link", name="Melden overlijden patiënt").click()
    expect(tab_a.get_by_test_id("patient-card")).to_contain_text(x.display_name)

    tab_b = context.new_page()
    open_patient(tab_b, portal.office, tenant_id, y)

    tab_a.get_by_label("Overlijdensdatum").fill(nl_date(date.today()))
    tab_a.get_by_label("Ik bevestig dat deze patiënt is overleden").check()
    tab_a.get_by_role("button", name="Melden overlijden patiënt").click()
    _expect_conflict(tab_a, x, y)

    # Nothing was reported for Y (nor X): Y's Patiëntinformatie still offers the report.
    tab_b.reload()
    expect(tab_b.get_by_role("link", name="Melden overlijden patiënt")).to_be_visible()

    # Going on with X from the conflict page: X is chosen again through "Ga verder".
    tab_a.get_by_role("button", name=f"Verder met {x.display_name}").click()
    expect(tab_a.get_by_role("heading", level=1)).to_have_text("Ga verder met deze patiënt")
    expect(tab_a.locator("main")).to_contain_text(x.display_name)


def test_an_item_link_of_tab_a_shows_nothing_of_tab_b(portal, context, tenant_id, case):
    x = case.letter_patient
    y = _other_than(case, x)
    tab_a = context.new_page()
    login(tab_a, portal.office, tenant_id, case.account_name)
    open_patient(tab_a, portal.office, tenant_id, x)
    tab_a.goto(portal.office.url(tenant_id, "/dossier/brieven"))
    letter = tab_a.locator("main table tbody a").first

    tab_b = context.new_page()
    open_patient(tab_b, portal.office, tenant_id, y)

    letter.click()
    _expect_conflict(tab_a, x, y)


def test_an_aanvraag_checked_in_tab_a_is_not_sent_for_tab_b(portal, context):
    tenant_id = "mst"
    case = portal.cases[tenant_id]
    x = case.graph_patient
    y = _other_than(case, x)
    tab_a = context.new_page()
    login(tab_a, portal.office, tenant_id, case.account_name)
    open_patient(tab_a, portal.office, tenant_id, x)
    tab_a.goto(portal.office.url(tenant_id, "/aanvragen/"))
    tab_a.get_by_role("link", name="Nieuwe aanvraag").click()
    tab_a.locator("input[name=test]").first.check()
    tab_a.get_by_label("Vraagstelling / klinische gegevens").fill("Klachten sinds twee weken, graag beoordelen")
    tab_a.get_by_role("button", name="Controleer aanvraag").click()
    expect(tab_a.get_by_test_id("patient-card")).to_contain_text(x.display_name)

    tab_b = context.new_page()
    open_patient(tab_b, portal.office, tenant_id, y)

    tab_a.get_by_role("button", name="Verstuur aanvraag").click()
    _expect_conflict(tab_a, x, y)
    tab_b.goto(portal.office.url(tenant_id, "/aanvragen/"))
    expect(tab_b.locator("main")).not_to_contain_text("Klachten sinds twee weken")
