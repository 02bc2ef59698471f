"""Mijn patiënten in het ziekenhuis in a real browser: every kind of event for the demo GP,
the filters, a discharge letter opened from its row, the print version."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from support.flows import login

FILTERS = {"opgenomen": "Opgenomen", "ontslagen": "Ontslagen", "seh": "SEH-bezoek",
           "documenten": "Nieuwe brieven en verslagen"}


def test_the_worklist_shows_every_kind_and_opens_a_discharge_letter(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    page.get_by_role("link", name="Mijn patiënten in het ziekenhuis").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn patiënten in het ziekenhuis")
    filters = page.get_by_role("navigation", name="Soort gebeurtenis")
    for kind, label in FILTERS.items():
        filters.get_by_role("link", name=re.compile(rf"^{label} \(\d+\)$")).click()
        rows = page.locator("table.worklist tbody tr")
        expect(rows.first).to_be_visible()
        assert set(rows.evaluate_all("rows => rows.map(r => r.dataset.kind)")) == {kind}, kind
    filters.get_by_role("link", name=re.compile(r"^Ontslagen")).click()
    expect(page.locator("table.worklist")).to_contain_text("Ontslagbrief nog niet beschikbaar (meer dan 24 uur")
    row = page.locator("table.worklist tbody tr", has=page.get_by_role("button", name="Open ontslagbrief")).first
    name = row.locator("td").nth(2).inner_text()
    row.get_by_role("button", name="Open ontslagbrief").click()
    expect(page.get_by_test_id("patient-banner")).to_contain_text(name)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ontslagbrief")
    address = urlsplit(page.url)
    assert "/brieven/" in address.path and not re.search(r"\d{9}", address.path + address.query)
    assert page.problems == []


def test_the_print_version_lists_everything_without_buttons(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    page.goto(portal.office.url(tenant_id, "/patient-zoeken/mijn-patienten"))
    page.get_by_role("link", name="Afdrukversie").click()
    expect(page.get_by_text("Afgedrukt op")).to_be_visible()
    expect(page.locator("table.worklist tbody tr").first).to_be_visible()
    expect(page.get_by_role("button", name="Kies deze patiënt")).to_have_count(0)
    assert page.problems == []
