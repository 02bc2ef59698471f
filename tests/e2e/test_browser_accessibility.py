"""WCAG 2.1 A/AA (axe-core) on the pages outside the patient walk, and the menus by keyboard.

The pages of the navigation bar are checked in test_browser_pages.py while they are walked.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from support.browser import axe_unavailable
from support.flows import axe_violations, login, screenshot


@pytest.fixture
def axe():
    reason = axe_unavailable()
    if reason:
        pytest.skip(reason)


def test_login_pages_have_no_wcag_violations(portal, page, tenant_id, case, axe):
    page.goto(portal.office.url(tenant_id, "/login"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inloggen")
    screenshot(page, tenant_id, "inloggen")
    problems = axe_violations(page)
    page.get_by_role("link", name="Problemen met inloggen?").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems += axe_violations(page)
    login(page, portal.office, tenant_id, case.account_name)
    screenshot(page, tenant_id, "home")
    problems += axe_violations(page)
    assert problems == [], "\n".join(problems)
    assert page.problems == []


def _focus(page) -> dict:
    """The focused element and the focus indicator the browser draws for it."""
    return page.evaluate("""() => {
        const el = document.activeElement, style = getComputedStyle(el);
        return {tag: el.tagName, text: (el.textContent || '').trim(), href: el.href || null,
                inNav: !!el.closest('nav.main-nav'), matchesFocusVisible: el.matches(':focus-visible'),
                outlineStyle: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth) || 0,
                boxShadow: style.boxShadow};
    }""")


def test_menus_work_by_keyboard_with_a_visible_focus(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    nav_links = page.locator("nav.main-nav a[href]").evaluate_all("links => links.map(a => a.href)")
    assert nav_links, "the navigation bar has no links"

    page.keyboard.press("Tab")
    first = _focus(page)
    assert first["text"] == "Naar de inhoud", "the first Tab stop is the skip link"
    assert first["outlineStyle"] != "none" or first["boxShadow"] != "none"

    reached = []
    for _ in range(60):  # header links and buttons come before the navigation bar
        page.keyboard.press("Tab")
        focus = _focus(page)
        if focus["inNav"]:
            assert focus["matchesFocusVisible"], f"{focus['text']}: no :focus-visible on keyboard focus"
            assert focus["outlineStyle"] != "none" and focus["outlineWidth"] >= 2, \
                f"{focus['text']}: no visible focus indicator ({focus['outlineStyle']} {focus['outlineWidth']}px)"
            reached.append(focus["href"])
        elif reached:
            break
    assert reached == nav_links, "Tab visits every link of the navigation bar, in order"

    # Enter on a menu item reached by Tab opens its page (the last one: not the current page).
    page.goto(portal.office.url(tenant_id, "/"))
    for _ in range(60):
        page.keyboard.press("Tab")
        if _focus(page)["href"] == reached[-1]:
            break
    with page.expect_request(reached[-1]):
        page.keyboard.press("Enter")


def test_the_checker_itself_finds_a_violation(portal, page, tenant_id, axe):
    """Guards the guard: axe-core runs under the portal's headers and reports a real problem."""
    page.goto(portal.office.url(tenant_id, "/login"))
    page.evaluate("""() => {
        const img = document.createElement('img');
        img.src = document.querySelector('img').src;  // an image without alt text
        document.querySelector('main').append(img);
    }""")
    assert any(v.startswith("image-alt") for v in axe_violations(page))
