"""The patient bar in the browser (issue 16): visible and within the screen from a 390 px phone
to a 2560 px monitor; on paper at the top of every sheet with the hospital, the printing
provider, the time and "pagina i van N" (printed to PDF by Chromium, read back with pypdf);
"Afdrukken" writes the audit record before it opens the print dialog, and does not open it
when the record cannot be written. Photographs the bar on screen and in print emulation."""
from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from portal.access import guard
from portal.audit import Action, AuditWriteError
from support.flows import login, open_patient, screenshot

pytestmark = pytest.mark.slow

#: Replaces the browser's print dialog (which would block a headless test) by a counter.
PRINT_STUB = "window.__printCalls = 0; window.print = function () { window.__printCalls += 1; };"


def bsn_dotted(bsn: str) -> str:
    return f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}"


def open_lab(page: Page, portal, tenant_id: str, case) -> None:
    """Log in and open Labuitslagen of the case's patient with lab values (a long page with
    "Toon grafiek" links)."""
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.graph_patient)
    page.locator("nav.main-nav").get_by_role("link", name="Uitslagen", exact=True).first.click()
    page.locator("nav.main-nav").get_by_role("link", name="Labuitslagen", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Labuitslagen")


def lengthen(page: Page, times: int = 4) -> int:
    """Repeat the lab table's rows ``times`` more times in the page, so that it fills several
    sheets whatever the demo patient has (the demo EPD's pages fit on one or two); returns
    the number of rows."""
    return page.evaluate("""times => {
        const body = document.querySelector('table.lab-results tbody');
        const rows = [...body.rows];
        for (let i = 0; i < times; i++) { rows.forEach(row => body.append(row.cloneNode(true))); }
        return body.rows.length;
    }""", times)


def printed(page: Page) -> list:
    """The page printed to A4 PDF by Chromium, as pypdf pages."""
    from pypdf import PdfReader

    return list(PdfReader(io.BytesIO(page.pdf(format="A4"))).pages)


def text_lines(sheet) -> list[tuple[float, str]]:
    """The text runs of a PDF page with their height on the sheet in mm from the bottom."""
    def times(m, n):
        return [m[0] * n[0] + m[1] * n[2], m[0] * n[1] + m[1] * n[3], m[2] * n[0] + m[3] * n[2],
                m[2] * n[1] + m[3] * n[3], m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]]

    runs = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((times(tm, cm)[5] / 72 * 25.4, text.strip()))

    sheet.extract_text(visitor_text=visit)
    return runs


def print_rows(portal, tenant_id: str, patient_number: str) -> list:
    with portal.platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT data, user_name FROM audit_log WHERE tenant_id = :t AND action = :a "
                                 "AND patient_number = :p ORDER BY seq"),
                            {"t": tenant_id, "a": Action.PRINT.value, "p": patient_number}).all()


def bar_layout(page: Page) -> dict:
    """Where the bar is and whether anything in it sticks out of it or of the window."""
    return page.evaluate("""() => {
        const bar = document.querySelector('[data-testid=patient-banner]');
        const nav = document.querySelector('nav.main-nav').getBoundingClientRect();
        const box = bar.getBoundingClientRect();
        const width = document.documentElement.clientWidth;
        const outside = [...bar.querySelectorAll('*')].filter(el => el.getClientRects().length).filter(el => {
            const r = el.getBoundingClientRect();
            return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.right > width + 0.5;
        }).map(el => el.className || el.tagName);
        return {top: box.top, navBottom: nav.bottom, left: box.left, right: box.right, width,
                scroll: bar.scrollWidth - bar.clientWidth, outside};
    }""")


@pytest.mark.parametrize("width", [390, 768, 1280, 2560])
def test_the_bar_is_visible_and_fits_at_every_width(portal, page, tenant_id, case, width):
    patient = case.partner_patient
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, patient)
    page.set_viewport_size({"width": width, "height": 900})
    page.reload()
    bar = page.get_by_test_id("patient-banner")
    for value in (patient.display_name, bsn_dotted(patient.bsn), patient.patient_number,
                  patient.birth_date.strftime("%d-%m-%Y")):
        expect(bar).to_contain_text(value)
    expect(bar.get_by_role("button", name="Afdrukken")).to_be_visible()
    expect(bar).to_be_in_viewport()
    layout = bar_layout(page)
    assert layout["top"] >= layout["navBottom"] - 0.5, "the bar sits under the navigation"
    assert layout["left"] >= 0 and layout["right"] <= layout["width"] + 0.5, layout
    assert layout["scroll"] <= 0 and layout["outside"] == [], layout
    provider = page.get_by_test_id("provider-name").bounding_box()
    assert provider["y"] < layout["top"], "the provider's name stays in the header, above the bar"
    assert provider["x"] + provider["width"] <= layout["width"] + 0.5, "the provider's name is on the screen"
    if width == 390:
        screenshot(page, tenant_id, "patientbalk-telefoon")
    assert page.problems == []


def test_every_printed_sheet_carries_the_bar_and_its_page_number(portal, page, tenant_id, case):
    patient = case.graph_patient
    open_lab(page, portal, tenant_id, case)
    expect(page.get_by_role("link", name=re.compile("^Toon grafiek")).first).to_be_visible()
    lengthen(page)
    sheets = [sheet.extract_text() for sheet in printed(page)]
    count = len(sheets)
    assert count >= 3, f"the lengthened lab page should fill several sheets, not {count}"
    hospital = portal.platform.tenants[tenant_id].display_name
    for number, sheet in enumerate(sheets, start=1):
        flat = " ".join(sheet.split())
        for value in (patient.display_name, bsn_dotted(patient.bsn), patient.patient_number, hospital,
                      f"Afgedrukt door {case.account_name} op", f"pagina {number} van {count}"):
            assert value in flat, f"sheet {number} of {count}: {value!r} missing"
        assert re.search(r"op \d{2}-\d{2}-\d{4} \d{2}:\d{2}", flat), f"sheet {number}: no print date and time"
        for absent in ("Toon grafiek", "Afdrukken", "Uitloggen", "Naar de inhoud"):
            assert absent not in flat, f"sheet {number}: {absent!r} printed"
    assert page.problems == []


def test_printed_content_stays_clear_of_the_bar_and_the_footer(portal, page, tenant_id, case):
    """The bar and the footer repeated on every sheet must not cover a line of the content:
    on each sheet, whatever is printed at the height of the bar (down to its last line and a
    line more) is the bar's own text, and likewise for the footer. Text under an opaque box
    is still in the PDF, so content hidden by the bar would be found there."""
    open_lab(page, portal, tenant_id, case)
    lengthen(page)
    bar = " ".join(page.get_by_test_id("patient-banner").text_content().split())
    sheets = printed(page)
    # The footer line and the page number beside it ("pagina 2 van 12", in pieces: every
    # number up to the count, which may have two digits).
    numbers = " ".join(str(n) for n in range(len(sheets) + 1))
    footer = " ".join(page.locator(".print-footer").text_content().split()) + f" pagina van {numbers}"
    for number, sheet in enumerate(sheets, start=1):
        runs = text_lines(sheet)
        bar_bottom = min(y for y, t in runs if t.startswith("Geboren"))
        footer_top = max(y for y, t in runs if "Afgedrukt door" in t)
        in_bar = [t for y, t in runs if y > bar_bottom - 5]
        in_footer = [t for y, t in runs if y < footer_top + 5]
        assert [t for t in in_bar if t not in bar] == [], f"sheet {number}: content under the bar"
        assert [t for t in in_footer if t not in footer] == [], f"sheet {number}: content under the footer"
        assert len(runs) > len(in_bar) + len(in_footer), f"sheet {number}: no content between bar and footer"


def test_print_emulation_shows_the_bar_not_the_links(portal, page, tenant_id, case):
    open_lab(page, portal, tenant_id, case)
    screenshot(page, tenant_id, "patientbalk")
    page.emulate_media(media="print")
    try:
        bar = page.get_by_test_id("patient-banner")
        expect(bar).to_be_visible()
        expect(bar).to_contain_text(case.graph_patient.display_name)
        expect(page.get_by_role("link", name=re.compile("^Toon grafiek")).first).to_be_hidden()
        expect(page.get_by_role("button", name="Afdrukken")).to_be_hidden()
        expect(page.locator("nav.main-nav")).to_be_hidden()
        expect(page.locator(".print-footer")).to_contain_text(f"Afgedrukt door {case.account_name}")
        screenshot(page, tenant_id, "patientbalk-afdruk")
    finally:
        page.emulate_media(media="screen")


def test_afdrukken_records_the_print_then_opens_the_dialog(portal, context, page, tenant_id, case):
    context.add_init_script(PRINT_STUB)
    patient = case.graph_patient
    open_lab(page, portal, tenant_id, case)
    before = len(print_rows(portal, tenant_id, patient.patient_number))
    with page.expect_response(lambda r: r.url.endswith("/afdrukken")) as answer:
        page.get_by_role("button", name="Afdrukken").click()
    assert answer.value.status == 204
    page.wait_for_function("window.__printCalls === 1")
    rows = print_rows(portal, tenant_id, patient.patient_number)
    assert len(rows) == before + 1
    assert rows[-1].data == "Afdrukken: Labuitslagen" and rows[-1].user_name == case.account_name
    expect(page.locator("#print-status")).to_be_hidden()
    assert page.problems == []


def test_no_print_dialog_when_the_print_cannot_be_recorded(portal, context, page, tenant_id, case, monkeypatch):
    context.add_init_script(PRINT_STUB)
    patient = case.graph_patient
    open_lab(page, portal, tenant_id, case)
    before = len(print_rows(portal, tenant_id, patient.patient_number))
    real = guard.record

    def broken_for_prints(event, *args, **kwargs):  # the servers run in this process
        if event.action is Action.PRINT:
            raise AuditWriteError("disk full")
        return real(event, *args, **kwargs)

    monkeypatch.setattr(guard, "record", broken_for_prints)
    with page.expect_response(lambda r: r.url.endswith("/afdrukken")) as answer:
        page.get_by_role("button", name="Afdrukken").click()
    assert answer.value.status == 503
    expect(page.get_by_role("alert")).to_contain_text("Afdrukken is nu niet mogelijk")
    assert page.evaluate("window.__printCalls") == 0
    assert len(print_rows(portal, tenant_id, patient.patient_number)) == before
    expect(page.get_by_role("button", name="Afdrukken")).to_be_enabled()  # the GP can try again
