"""Labuitslagen in a browser: the cumulative view beside the list (switched by its tab pair,
coloured and marked, printable) and the graphs (every text inside the SVG's viewBox, the
reference band and every point inside the value axis); axe-core finds nothing on either."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from support.browser import axe_unavailable
from support.flows import axe_violations, login, open_patient, screenshot

pytestmark = pytest.mark.slow


def _menu(page: Page, *labels: str) -> None:
    for label in labels:
        page.locator("nav.main-nav").get_by_role("link", name=label, exact=True).first.click()


def _axe(page: Page) -> list[str]:
    return axe_violations(page) if axe_unavailable() is None else []


#: The SVG's texts and shapes against its viewBox and the value axis, as the browser lays them out.
_GEOMETRY = """svg => {
    const view = svg.viewBox.baseVal;
    const texts = [...svg.querySelectorAll('text')].map(t => {
        const b = t.getBBox();
        return {text: t.textContent, x: b.x, y: b.y, right: b.x + b.width, bottom: b.y + b.height};
    });
    const grid = [...svg.querySelectorAll('line.chart-grid')].map(l => l.y1.baseVal.value);
    const band = svg.querySelector('rect.chart-band');
    const points = [...svg.querySelectorAll('circle')].map(c => c.cy.baseVal.value);
    return {view: {x: view.x, y: view.y, width: view.width, height: view.height}, texts, grid, points,
            band: band ? {top: band.y.baseVal.value, bottom: band.y.baseVal.value + band.height.baseVal.value} : null,
            ticks: [...svg.querySelectorAll('text.chart-label[text-anchor=end]')].map(t => t.textContent)};
}"""


def _geometry_problems(page: Page) -> list[str]:
    state = page.locator("figure.chart-figure svg").first.evaluate(_GEOMETRY)
    view, problems = state["view"], []
    for t in state["texts"]:
        if t["x"] < view["x"] - .5 or t["y"] < view["y"] - .5 or t["right"] > view["x"] + view["width"] + .5 \
                or t["bottom"] > view["y"] + view["height"] + .5:
            problems.append(f"label {t['text']!r} clipped: {t}")
    top, bottom = min(state["grid"]), max(state["grid"])
    if state["band"] and not (top - .5 <= state["band"]["top"] <= state["band"]["bottom"] <= bottom + .5):
        problems.append(f"band {state['band']} outside the axis {top}–{bottom}")
    problems += [f"point at {y} outside the axis {top}–{bottom}"
                 for y in state["points"] if not top - .5 <= y <= bottom + .5]
    # Dutch notation: a decimal comma; a point only between thousands ("2.500", never "2.5").
    problems += [f"tick {t!r} not in Dutch notation" for t in state["ticks"]
                 if "." in t and not all(len(part) == 3 for part in t.split(",")[0].split(".")[1:])]
    return problems


def test_cumulative_view_switches_prints_and_passes_axe(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.graph_patient)
    _menu(page, "Uitslagen", "Labuitslagen")
    views = page.get_by_role("navigation", name="Weergave van de labuitslagen")
    expect(views.locator("[aria-current=page]")).to_have_text("Lijst")
    screenshot(page, tenant_id, "labuitslagen")  # the manual's list, before the switch
    views.get_by_role("link", name="Cumulatief per bepaling").click()

    expect(page.locator("table.lab-cumulative")).to_be_visible()
    assert "weergave=cumulatief" in page.url
    expect(views.locator("[aria-current=page]")).to_have_text("Cumulatief per bepaling")
    table = page.locator("table.lab-cumulative")
    expect(table).to_be_visible()
    expect(table.locator(f"tbody th[scope=row]:text-is('{case.graph_test}')")).to_have_count(1)
    expect(table.locator("tr.lab-group th").first).to_be_visible()
    dates = table.locator("thead th.moment .moment-date").all_inner_texts()
    stamps = [d.split("-")[::-1] for d in dates]
    assert dates and stamps == sorted(stamps, reverse=True), f"sampling moments not newest first: {dates}"
    flagged = table.locator("td.cell-high, td.cell-low")
    if flagged.count():
        assert any(mark in flagged.first.inner_text() for mark in ("↑", "↓"))
    problems = _axe(page) + page.problems
    screenshot(page, tenant_id, "labuitslagen-cumulatief")

    page.emulate_media(media="print")
    try:
        printed = page.evaluate("""() => {
            const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
            const main = document.querySelector('main');
            return {links: [...document.querySelectorAll('main a')].filter(shown).map(a => a.textContent.trim()),
                    overflow: main.scrollWidth - main.clientWidth,
                    table: shown(document.querySelector('table.lab-cumulative'))};
        }""")
    finally:
        page.emulate_media(media="screen")
    assert printed["table"] and printed["links"] == [] and printed["overflow"] <= 2, printed
    views = page.get_by_role("navigation", name="Weergave van de labuitslagen")
    views.get_by_role("link", name="Lijst").click()
    expect(page.locator("table.lab-results")).to_be_visible()
    assert problems == [], "\n".join(problems)


def test_lab_graph_axis_holds_band_and_points_and_no_label_is_clipped(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.graph_patient)
    _menu(page, "Uitslagen", "Labuitslagen")
    page.get_by_role("link", name=f"Toon grafiek {case.graph_test}", exact=True).first.click()
    expect(page.get_by_role("img", name=case.graph_test)).to_be_visible()
    problems = _geometry_problems(page) + _axe(page)
    expect(page.locator("table.chart-data")).to_have_count(1)
    assert problems == [] and page.problems == [], "\n".join(problems + page.problems)


def _with_blood_pressure(portal, tenant_id: str, case):
    """One of the case's patients (all allowed for its account) with a blood pressure measured."""
    connector = portal.platform.apps[tenant_id].extensions["portal.connector"]
    for patient in (case.patient.summary, case.graph_patient, case.letter_patient, case.image_patient,
                    case.partner_patient):
        if any(m.kind == "Bloeddruk" for m in connector.list_measurements(patient.patient_id)):
            return patient
    pytest.skip("no patient of the demo case has a blood pressure")


def test_blood_pressure_graph_has_two_lines_and_a_legend(portal, page, tenant_id, case):
    patient = _with_blood_pressure(portal, tenant_id, case)
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, patient)
    _menu(page, "Uitslagen", "Metingen")
    page.get_by_role("link", name="Toon grafiek Bloeddruk", exact=True).click()
    chart = page.get_by_role("img", name="Bloeddruk")
    expect(chart).to_be_visible()
    rows = page.locator("table.chart-data tbody tr").count()
    expect(chart.locator("circle")).to_have_count(2 * rows)  # a systolic and a diastolic point per measurement
    expect(chart.locator("polyline")).to_have_count(2 if rows > 1 else 0)
    expect(chart.locator("text.chart-legend")).to_have_text(["Systolisch (bovendruk)", "Diastolisch (onderdruk)"])
    problems = _geometry_problems(page) + _axe(page)
    screenshot(page, tenant_id, "metingen-bloeddruk")
    assert problems == [] and page.problems == [], "\n".join(problems + page.problems)
