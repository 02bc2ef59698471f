"""Home after login: the ways in a GP starts with (Patiënt zoeken, Recente, Klinische
patiënten, SEH overzicht, Mijn patiënten in het ziekenhuis), as the tenant's menu offers them."""
from __future__ import annotations

import re

from portal import context
from portal.core.views import start_links

EXPECTED = [("Patiënt zoeken", "/patient-zoeken"), ("Recente", "/patient-zoeken/recente"),
            ("Klinische patiënten", "/patient-zoeken/klinische-patienten"),
            ("SEH overzicht", "/patient-zoeken/seh-overzicht"),
            ("Mijn patiënten in het ziekenhuis", "/patient-zoeken/mijn-patienten")]


def _start_links(html: str) -> list[tuple[str, str]]:
    block = html.split('data-testid="start-links"', 1)[1].split("</nav>", 1)[0]
    return [(label, href) for href, label in re.findall(r'<a class="button" href="([^"]+)">([^<]+)</a>', block)]


def test_home_after_login_offers_the_ways_in(client, login_as):
    login_as(client, {})
    html = client.get("/").get_data(as_text=True)
    assert _start_links(html) == EXPECTED
    for _label, href in EXPECTED:
        assert client.get(href).status_code == 200


def test_home_before_login_offers_only_the_login(client):
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="start-links"' not in html and 'data-testid="login-link"' in html


def test_without_the_patient_search_menu_home_offers_none(app, monkeypatch):
    tenant = app.extensions["portal.tenant"]
    without = tenant.model_copy(update={"menus": tuple(m for m in tenant.menus if m != "patient_search")})
    monkeypatch.setattr(context, "tenant", lambda: without)
    app.extensions.pop("portal.navigation", None)  # the bar is cached per app
    try:
        with app.test_request_context("/"):
            assert start_links() == []
    finally:
        app.extensions.pop("portal.navigation", None)
