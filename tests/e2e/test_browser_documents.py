"""Opening what a GP comes for: a lab graph, a letter, a radiology image; and the two
things a GP sends: an aanvraag (MST) and the report of a patient's death."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from portal.core.formatting import nl_date
from support.browser import axe_unavailable
from support.flows import axe_violations, login, open_patient, report_death, screenshot

pytestmark = pytest.mark.slow


def _menu(page, *labels: str) -> None:
    for label in labels:
        page.locator("nav.main-nav").get_by_role("link", name=label, exact=True).first.click()


def test_lab_graph_draws_the_values_of_one_test(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.graph_patient)
    _menu(page, "Uitslagen", "Labuitslagen")
    page.get_by_role("link", name=f"Toon grafiek {case.graph_test}", exact=True).first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(case.graph_test)
    chart = page.get_by_role("img", name=case.graph_test)
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 150, f"the graph is drawn too small: {box}"
    points = chart.locator("circle")
    rows = page.locator("table.chart-data tbody tr")
    assert points.count() >= 2 and points.count() == rows.count(), "a point per value, and the same values as a table"
    screenshot(page, tenant_id, "labuitslagen-grafiek")
    assert page.problems == []


def test_letter_opens_inside_the_portal(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.letter_patient)
    _menu(page, "Dossier", "Brieven")
    link = page.locator("main table tbody a").first
    title = link.inner_text()
    with page.expect_response(lambda r: "/brieven/" in r.url) as letter:
        link.click()
    response = letter.value
    assert response.ok and response.headers["content-type"].startswith("text/html")
    assert response.headers.get("cache-control") == "no-store"
    patient = case.letter_patient
    # A portal page: the patient bar, the letter's title, its text and the way back.
    expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    text = page.get_by_test_id("letter-text").inner_text()
    assert patient.display_name in text and nl_date(patient.birth_date) in text, "the letter is about this patient"
    assert "\n" in text, "the letter keeps its line breaks"
    screenshot(page, tenant_id, "brief")
    if axe_unavailable() is None:
        assert axe_violations(page) == []
    page.get_by_role("link", name="Terug naar Brieven").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Brieven")
    assert page.problems == []


def test_radiology_report_shows_its_images_fitting_the_window(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.image_patient)
    _menu(page, "Uitslagen", "Radiologie en Nucleaire onderzoeken")
    reports = page.locator("main table tbody a")
    # Open reports until one has images (the list is sorted by date, not by having images).
    for index in range(reports.count()):
        with page.expect_response(lambda r: "/radiologie/" in r.url):
            reports.nth(index).click()
        if page.locator("ol.image-series img").count():
            break
        page.go_back()
    images = page.locator("ol.image-series img")
    expect(images.first).to_be_visible()
    expect(page.get_by_test_id("patient-banner")).to_contain_text(case.image_patient.display_name)
    first = images.first
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first.element_handle())
    assert first.evaluate("img => img.getAttribute('src')").startswith("/uitslagen/beelden/")

    def fits() -> bool:
        return page.evaluate("""() => [...document.querySelectorAll('ol.image-series img')].every(img =>
            img.getBoundingClientRect().right <= window.innerWidth + 1
            && img.getBoundingClientRect().width <= img.naturalWidth + 1)
            && document.documentElement.scrollWidth <= window.innerWidth""")

    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert fits(), f"an image or the page is wider than the window at {width} px"
    screenshot(page, tenant_id, "radiologie-verslag")
    if axe_unavailable() is None:
        assert axe_violations(page) == []
    # Vergroten: the natural size, scrolling inside the image's frame, never the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("label.zoom-label").first.click()
    natural = first.evaluate("img => [img.getBoundingClientRect().width, img.naturalWidth]")
    assert abs(natural[0] - natural[1]) <= 1, f"Vergroten shows {natural[0]} px of {natural[1]} px"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="Terug naar Radiologie").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Radiologie en Nucleaire onderzoeken")
    assert page.problems == []


def test_aanvraag_is_checked_then_sent(portal, page):
    tenant_id = "mst"  # ZGT has no Aanvragen menu
    assert portal.platform.tenants[tenant_id].menu_enabled("orders")
    mst = portal.cases[tenant_id]
    login(page, portal.office, tenant_id, mst.account_name)
    open_patient(page, portal.office, tenant_id, mst.patient.summary)
    _menu(page, "Aanvragen")
    page.get_by_role("link", name="Nieuwe aanvraag").click()
    first_test = page.locator("form.order-tests input[type=checkbox][name=test]").first
    test_name = first_test.locator("xpath=..").inner_text().strip()
    first_test.check()
    page.get_by_label("Vraagstelling / klinische gegevens").fill("Klachten sinds twee weken, graag beoordelen")
    page.get_by_role("button", name="Controleer aanvraag").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aanvraag controleren")
    expect(page.locator("main")).to_contain_text(test_name)
    page.get_by_role("button", name="Verstuur aanvraag").click()
    expect(page.get_by_role("status").filter(has_text="Uw aanvraag is verstuurd")).to_be_visible()
    expect(page.locator("main table tbody tr").filter(has_text=test_name).first).to_be_visible()
    assert page.problems == []


def test_death_report(portal, page, tenant_id, case):
    patient = case.death_patient
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, patient)
    page.get_by_role("link", name="Melden overlijden patiënt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Melden overlijden patiënt")

    page.get_by_role("button", name="Melden overlijden patiënt").click()  # nothing filled in
    expect(page.get_by_role("alert").first).to_be_visible()

    report_death(page, nl_date(date.today()))
    expect(page.locator("main")).to_contain_text("gemeld")
    expect(page.locator("main")).to_contain_text(case.account_name)
    problems = [p for p in page.problems if "400" not in p]  # the empty form was refused on purpose
    assert problems == []
