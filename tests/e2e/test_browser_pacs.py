"""A radiology study from the hospital's PACS, opened in the browser: the portal on the fhir
connector (the test FHIR server) with Orthanc as its PACS (``support.pacs_case``).

The smallest portal that does this: the repository's tenants with the fhir connector instead
of the demo EPD, one GP account (A. Smits, pt-devries's registered GP), served on loopback.
Every response the page receives passes through a route that records it, so the test can
say that the PACS's address (host:port) is in none of them: not in HTML, headers, redirects
or image bytes. Skips, saying why, without Chromium, Orthanc or Node.js.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal import migrations
from portal.accounts.models import Account
from portal.audit.models import AuditRecord
from portal.platform import create_platform
from portal.settings import Settings
from portal.tenants import TenantConfig
from portal_connectors.fhir.testing import TEST_PATIENT_NUMBER_SYSTEM
from support.browser import (
    AXE_SCRIPT,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO_ROOT,
    VIEWPORT,
    PortalServer,
    axe_unavailable,
    copy_tenants,
    recording_page,
)
from support.database import private_database
from support.flows import axe_violations, login, open_patient
from support.pacs_case import DEVRIES, DEVRIES_CT, pacs_world

pytestmark = pytest.mark.slow
TENANT = "zgt"
GP_NAME = "A. Smits"


@dataclass
class FhirPortal:
    server: PortalServer
    platform: object
    pacs_address: str                          # host:port of Orthanc
    fhir_address: str
    world: object                              # support.pacs_case.PacsWorld


@pytest.fixture(scope="module")
def fhir_portal(tmp_path_factory, playwright_driver):
    with pacs_world() as world:
        root = tmp_path_factory.mktemp("e2e-pacs")
        connector = {"name": "fhir", "settings": {
            "base_url": world.fhir.base_url, "patient_number_system": TEST_PATIENT_NUMBER_SYSTEM,
            "timeout_seconds": 30, "pacs": world.pacs_settings()}}
        many = {"count": 100_000, "seconds": 60}
        limits = {name: many for name in TenantConfig.model_fields["rate_limits"].annotation.model_fields}
        tenants = copy_tenants(root / "tenants", {"connector": connector, "rate_limits": limits})
        with private_database(root) as database_url:
            platform = create_platform(Settings.from_env(
                environment="testing", database_url=database_url, instance_dir=root / "instance",
                tenants_dir=tenants, themes_dir=REPO_ROOT / "themes"))
            migrations.upgrade(platform.database)
            with platform.database.session() as session:
                session.add(Account(tenant_id=TENANT, uzi_number="900012345", agb_code="01456789", name=GP_NAME,
                                    role="01.015", practice_name="Huisartsenpraktijk Smits", practice_agb=None))
            with PortalServer(platform) as server:
                yield FhirPortal(server, platform, f"127.0.0.1:{world.orthanc.port}",
                                 world.fhir.base_url.split("://", 1)[1].split("/", 1)[0], world)
            platform.close()


@dataclass
class Recorded:
    """Every response the page received: (url, status, headers, body)."""

    responses: list[tuple[str, int, dict[str, str], bytes]] = field(default_factory=list)

    def containing(self, text: str) -> list[str]:
        needle = text.encode()
        return [f"{status} {url}" for url, status, headers, body in self.responses
                if text in url or any(text in f"{k}: {v}" for k, v in headers.items()) or needle in body]


def _record_everything(context) -> Recorded:
    recorded = Recorded()

    def through(route):
        # Playwright's own fetch does not resolve *.localhost as Chromium does: ask loopback
        # with the tenant's Host header. Redirects are not followed here: the browser gets
        # (and the test sees) each 3xx itself.
        parts = urlsplit(route.request.url)
        response = route.fetch(url=parts._replace(netloc=f"127.0.0.1:{parts.port}").geturl(), max_redirects=0,
                               headers={**route.request.headers, "host": parts.netloc})
        body = response.body()
        recorded.responses.append((route.request.url, response.status, response.headers, body))
        route.fulfill(response=response, body=body)

    context.route("**/*", through)
    return recorded


@pytest.fixture
def context(fhir_portal, playwright_driver):
    browser = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    context = browser.new_context(viewport=VIEWPORT, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.set_default_timeout(15_000)
    if axe_unavailable() is None:
        context.add_init_script(path=str(AXE_SCRIPT))
    yield context
    context.close()
    browser.close()


def _open_study(page, fhir_portal, title: str):
    """Log in as the GP, choose pt-devries and open the radiology report ``title``."""
    server = fhir_portal.server
    patient = fhir_portal.platform.apps[TENANT].extensions["portal.connector"].get_patient_summary(DEVRIES)
    login(page, server, TENANT, GP_NAME)
    open_patient(page, server, TENANT, patient)
    page.locator("nav.main-nav").get_by_role("link", name="Uitslagen", exact=True).first.click()
    page.locator("nav.main-nav").get_by_role("link", name="Radiologie en Nucleaire onderzoeken",
                                             exact=True).first.click()
    row = page.locator("main table tbody tr").filter(has_text=title)
    expect(row.locator("td").last).to_have_text("Ja")
    row.get_by_role("link", name=title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    return patient


def test_a_pacs_study_opens_with_its_series_and_full_size_images(fhir_portal, context):
    try:
        recorded = _record_everything(context)
        page = recording_page(context)
        patient = _open_study(page, fhir_portal, "CT thorax en abdomen")

        expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)
        headings = page.locator("section.study-images h3")
        expect(headings).to_have_text(["Serie 1: Thorax (CT)", "Serie 2: Abdomen (CT)", "Serie 3 (CT)"])
        lists = page.locator("ol.image-series")
        counts = [len(s.instance_uids) for s in DEVRIES_CT.series]
        assert [lists.nth(i).locator("img").count() for i in range(lists.count())] == counts
        expect(lists.first.locator("figcaption span").first).to_have_text("Beeld 1 van 3: Thorax, beeld 1")
        images = page.locator("ol.image-series img")
        for index in range(images.count()):
            images.nth(index).scroll_into_view_if_needed()
            handle = images.nth(index).element_handle()
            page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
        sizes = images.evaluate_all("imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
        assert sizes == [[64, 48]] * sum(counts), "every image at the size the PACS stores it"
        sources = images.evaluate_all("imgs => imgs.map(i => i.getAttribute('src'))")
        assert all(s.startswith("/uitslagen/beelden/dr-devries-ct_1_") for s in sources)
        assert not any(uid in s for s in sources for uid in (DEVRIES_CT.uid, DEVRIES_CT.series[0].uid))

        # Vergroten shows the image at its natural size.
        page.locator("label.zoom-label").first.click()
        shown = images.first.evaluate("img => [img.getBoundingClientRect().width, img.naturalWidth]")
        assert abs(shown[0] - shown[1]) <= 1
        if axe_unavailable() is None:
            assert axe_violations(page) == []
        assert page.problems == []

        image_responses = [r for r in recorded.responses if "/uitslagen/beelden/" in r[0]]
        assert len(image_responses) == sum(counts)
        assert all(status == 200 and headers.get("content-type") == "image/jpeg" and body.startswith(b"\xff\xd8")
                   for _, status, headers, body in image_responses)
        assert recorded.containing("Geen afwijkingen"), "the recorder sees the pages' bodies"
        assert recorded.containing(fhir_portal.pacs_address) == [], "the PACS's address reached the browser"
        assert recorded.containing(fhir_portal.fhir_address) == [], "the EPD's address reached the browser"
        assert any(status in (302, 303) for _, status, _, _ in recorded.responses), "redirects were recorded too"
    finally:
        context.unroute("**/*")

    # Each image was opened through the guard: one success record per image, for this patient.
    with fhir_portal.platform.database.session() as session:
        logged = session.scalars(select(AuditRecord.data).where(
            AuditRecord.tenant_id == TENANT, AuditRecord.action == "view", AuditRecord.outcome == "success",
            AuditRecord.patient_bsn == patient.bsn, AuditRecord.data.like("Beeld %"))).all()
    assert sorted(logged) == sorted(f"Beeld {s.split('/')[-1].split('?')[0]}" for s in sources)


def test_with_the_pacs_down_the_report_still_reads(fhir_portal, context):
    page = recording_page(context)
    fhir_portal.world.orthanc.pause()
    try:
        _open_study(page, fhir_portal, "CT thorax en abdomen")
        expect(page.locator("section.study-images [data-testid=unavailable]")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Geen afwijkingen")
        assert page.locator("ol.image-series img").count() == 0
        assert fhir_portal.pacs_address not in page.content()
    finally:
        fhir_portal.world.orthanc.resume()
    assert page.problems == []
