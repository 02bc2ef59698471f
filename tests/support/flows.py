"""What a GP does in the browser, as steps the e2e tests share (Playwright sync API)."""
from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from .browser import SCREENSHOTS, WCAG_TAGS


def login(page: Page, server, tenant_id: str, account_name: str) -> None:
    """Log in with the demo card of ``account_name``; ends on the page after login."""
    page.goto(server.url(tenant_id, "/login"))
    page.get_by_role("button", name=f"Inloggen als {account_name}", exact=True).click()
    expect(page.get_by_test_id("provider-name")).to_have_text(account_name)


def logout(page: Page) -> None:
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inloggen")


def search(page: Page, server, tenant_id: str, **fields: str) -> None:
    """Fill the search form (field ids as on the page: bsn, patient_number, birth_name,
    partner_name, birth_date, sex, postcode, house_number; a select is chosen by its
    option's label, e.g. sex="Vrouw") and press Zoeken."""
    page.goto(server.url(tenant_id, "/"))
    page.locator("nav.main-nav").get_by_role("link", name="Patiënt zoeken", exact=True).first.click()
    for name, value in fields.items():
        box = page.locator(f"#{name}")
        if box.evaluate("el => el.tagName") == "SELECT":
            box.select_option(label=value)
        else:
            box.fill(value)
    page.get_by_role("button", name="Zoeken", exact=True).click()


def result_row(page: Page, display_name: str):
    return page.locator("table tbody tr").filter(has_text=display_name)


def open_patient(page: Page, server, tenant_id: str, patient, reason: str | None = None) -> None:
    """Find ``patient`` (a PatientSummary) by patient number, choose it and go on to
    Patiëntinformatie; ``reason`` fills in the noodprocedure when it is asked."""
    search(page, server, tenant_id, patient_number=patient.patient_number)
    result_row(page, patient.display_name).get_by_role("button", name="Kies deze patiënt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ga verder met deze patiënt")
    if reason is not None:
        page.get_by_label("Waarom wilt u dit dossier bekijken?").fill(reason)
    page.get_by_role("button", name="Ga verder met deze patiënt").click()
    expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)


def walk_menu(page: Page, visit: Callable[[str, str, bool], None]) -> list[str]:
    """Open every page the navigation bar leads to, following its links from the current page
    (a sub-menu appears on its parent's pages), and call ``visit(label, url, top_level)`` on
    each once it has loaded. Returns the urls in the order visited."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    top = set(_nav_links(page, "nav.main-nav .nav-bar a[href]"))
    seen: dict[str, str] = {}
    queue = [(label, url) for url, label in _nav_links(page, "nav.main-nav a[href]").items()]
    while queue:
        label, url = queue.pop(0)
        if url in seen or not url.startswith(origin):
            continue
        seen[url] = label
        response = page.goto(url)
        assert response is not None and response.ok, f"{label} ({url}): HTTP {response and response.status}"
        visit(label, url, url in top)
        queue.extend((text, href) for href, text in _nav_links(page, "nav.main-nav a[href]").items())
    return list(seen)


def _nav_links(page: Page, selector: str) -> dict[str, str]:
    pairs = page.locator(selector).evaluate_all(
        "links => links.map(a => [a.href.split('#')[0], a.textContent.trim()])")
    return dict(pairs)


def axe_violations(page: Page) -> list[str]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page, one line per node."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {node['target']}: {node.get('failureSummary', '')}"
            for v in result["violations"] for node in v["nodes"]]


def slug(text: str) -> str:
    """ "Radiologie en Nucleaire onderzoeken" -> "radiologie-en-nucleaire-onderzoeken"."""
    plain = text.lower().translate(str.maketrans("ëéèïöüá", "eeeioua"))
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")


def screenshot(page: Page, tenant_id: str, name: str) -> None:
    """<SCREENSHOTS>/<tenant>-<name>.png of the visible viewport (kept small for the README)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{tenant_id}-{slug(name)}.png"), full_page=False)


def report_death(page: Page, day: str, place: str = "Thuis") -> None:
    """Fill in "Melden overlijden patiënt" (the form open on ``page``) and send it."""
    page.get_by_label("Overlijdensdatum").fill(day)
    page.get_by_label("Plaats van overlijden").fill(place)
    page.get_by_label("Ik bevestig dat deze patiënt is overleden").check()
    page.get_by_role("button", name="Melden overlijden patiënt").click()
