"""Every page of the navigation, with a patient selected, at a phone (390 px), a tablet
(768 px), a laptop (1280 px) and a wide monitor (2560 px), on both tenants' themes: the page
itself never scrolls sideways (a wide table scrolls inside its own panel), the header and
the patient bar stay within the window, and the sub-menu is within reach. At the phone's
width axe-core checks each page too (the other suites check the laptop's)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import axe_unavailable
from support.flows import axe_violations, login, open_patient, screenshot, walk_menu

pytestmark = pytest.mark.slow

WIDTHS = (390, 768, 1280, 2560)

#: What overflows the window: the page's width, and the elements that stick out of it while
#: their parent does not (where an overflow begins), but for those in a panel that scrolls
#: itself (a .table-scroll, an enlarged image).
MEASURE = """() => {
    const width = window.innerWidth;
    const scrolledInside = el => {
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            if (getComputedStyle(up).overflowX !== 'visible') return true;
        }
        return false;
    };
    const out = el => el.getClientRects().length > 0 && el.getBoundingClientRect().right > width + 1;
    const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const outside = [...document.body.querySelectorAll('*')]
        .filter(el => out(el) && !out(el.parentElement) && !scrolledInside(el))
        .map(name);
    return {scroll: document.documentElement.scrollWidth, width, outside: outside.slice(0, 5)};
}"""


def test_no_page_scrolls_sideways_at_any_width(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.patient.summary)
    problems: list[str] = []
    check_axe = axe_unavailable() is None

    def visit(label: str, url: str, top_level: bool) -> None:
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            state = page.evaluate(MEASURE)
            if state["scroll"] > state["width"]:
                problems.append(f"{label} at {width} px: the page is {state['scroll']} px wide")
            if state["outside"]:
                problems.append(f"{label} at {width} px: outside the window: {state['outside']}")
            if width == WIDTHS[0] and check_axe:  # the phone's own markup: the compact menu, panels
                problems.extend(f"{label} at {width} px: {v}" for v in axe_violations(page))
        page.set_viewport_size({"width": 1280, "height": 900})

    visited = walk_menu(page, visit)
    assert len(visited) >= 10, "the walk must have seen the pages of the navigation"
    assert problems == [], "\n".join(problems)


def test_on_a_phone_the_sub_menu_is_a_disclosure_and_photographed(portal, page, tenant_id, case):
    """On a phone the open item's sub-menu is one closed line naming the page; opened, it
    leads on (here to Labuitslagen, the widest table, photographed for the README)."""
    login(page, portal.office, tenant_id, case.account_name)
    open_patient(page, portal.office, tenant_id, case.graph_patient)
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator("nav.main-nav").get_by_role("link", name="Uitslagen", exact=True).click()
    expect(page.locator("ul.sub-nav")).to_be_hidden()
    menu = page.locator("details.sub-nav-compact")
    expect(menu.get_by_role("link", name="Labuitslagen", exact=True)).to_be_hidden()
    menu.locator("summary").click()
    menu.get_by_role("link", name="Labuitslagen", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Labuitslagen")
    expect(page.locator("details.sub-nav-compact summary")).to_have_text("Uitslagen: Labuitslagen")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, tenant_id, "telefoon")
    assert page.problems == []
