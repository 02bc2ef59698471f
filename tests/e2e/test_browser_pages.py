"""Every page of each tenant's navigation bar, with a patient selected: it loads without
errors, passes axe-core's WCAG 2.1 A/AA rules, prints without the navigation, and the main
pages are photographed (build/screenshots/, or docs/screenshots/ with `make screenshots`).

The pages are found by following the navigation bar itself, so a new menu item is walked
as soon as it exists."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from support.browser import axe_unavailable
from support.flows import axe_violations, login, open_patient, screenshot, walk_menu

#: Pages every tenant has once the screens exist (the tenant's menus may add more).
EXPECTED = {"Home", "Patiënt zoeken", "Patiëntinformatie", "Zorgmomenten", "Dossier", "Uitslagen",
            "Labuitslagen", "Brieven", "Afspraken", "Radiologie en Nucleaire onderzoeken"}


def print_problems(page: Page, label: str) -> list[str]:
    """What is wrong with the page as printed: navigation or buttons shown, content missing,
    the patient's name missing on a patient page (or printed on a page about no patient, such
    as a list of other patients), content wider than the paper."""
    page.emulate_media(media="print")
    try:
        state = page.evaluate("""() => {
            const shown = sel => [...document.querySelectorAll(sel)].some(
                el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden');
            const main = document.querySelector('main');
            return {nav: shown('nav.main-nav'), footer: shown('.site-footer'),
                    buttons: shown('main button, main .button, header button, .patient-bar button'),
                    heading: shown('main h1'), banner: shown('[data-testid=patient-banner] .patient-name'),
                    patientPage: document.body.classList.contains('patient-page'),
                    overflow: main ? main.scrollWidth - main.clientWidth : 0};
        }""")
    finally:
        page.emulate_media(media="screen")
    problems = [f"{label}: {what} when printed" for what, bad in (
        ("navigation shown", state["nav"]), ("footer shown", state["footer"]), ("buttons shown", state["buttons"]),
        ("no heading", not state["heading"]), ("no patient name", state["patientPage"] and not state["banner"]),
        ("the selected patient's name on a page about no patient", not state["patientPage"] and state["banner"]),
        (f"content {state['overflow']}px too wide", state["overflow"] > 2)) if bad]
    return problems


@pytest.mark.slow
def test_every_menu_page_loads_is_accessible_and_prints(portal, page, tenant_id, case):
    patient = case.patient.summary
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, patient)
    check_axe = axe_unavailable() is None
    problems: list[str] = []
    visited: list[str] = []
    printable: list[str] = []

    def visit(label: str, url: str, top_level: bool) -> None:
        visited.append(label)
        expect(page.locator("main h1")).to_be_visible()
        expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)
        if page.locator("body.patient-page").count():
            printable.append(label)
            expect(page.get_by_test_id("patient-banner").get_by_role("button", name="Afdrukken")).to_be_visible()
        problems.extend(f"{label}: {p}" for p in page.problems)
        page.problems.clear()
        if check_axe:
            problems.extend(f"{label}: {v}" for v in axe_violations(page))
        problems.extend(print_problems(page, label))
        if top_level:
            screenshot(page, tenant_id, label)

    walk_menu(page, visit)
    assert problems == [], "\n".join(problems)
    assert EXPECTED <= set(visited), f"not in the menu: {sorted(EXPECTED - set(visited))}"
    assert EXPECTED - {"Home", "Patiënt zoeken", "Zorgmomenten"} <= set(printable), \
        f"patient pages without Afdrukken: {sorted(EXPECTED - set(printable))}"
    if portal.platform.tenants[tenant_id].menu_enabled("orders"):
        assert "Aanvragen" in visited
