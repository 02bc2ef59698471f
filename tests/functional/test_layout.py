"""The layout every page shares: theme, navigation of the manual, help page."""
import re


def test_home_shows_tenant_name_and_theme(client, app, login_as):
    login_as(client, {})
    tenant = app.extensions["portal.tenant"]
    html = client.get("/").get_data(as_text=True)
    assert tenant.display_name in html
    assert 'href="/thema/theme.css"' in html
    assert f'class="tenant-{tenant.id}"' in html


def test_theme_css_is_the_tenants_own(client, app):
    tenant = app.extensions["portal.tenant"]
    css = client.get("/thema/theme.css").get_data(as_text=True)
    expected = {"zgt": "#00468c", "mst": "#5b2a86"}[tenant.id]
    assert expected in css


def test_theme_folder_serves_only_assets(client):
    assert client.get("/thema/../tenants/zgt/tenant.yaml").status_code == 404
    assert client.get("/thema/README.md").status_code == 404


def test_navigation_follows_the_manual(client, app, login_as):
    login_as(client, {})
    html = client.get("/").get_data(as_text=True)
    labels = re.findall(r'class="nav-item[^"]*">\s*<(?:a|span)[^>]*>([^<]+)<', html)
    expected = ["Home", "Patiënt zoeken", "Patiëntinformatie", "Zorgmomenten", "Dossier", "Uitslagen"]
    if app.extensions["portal.tenant"].menu_enabled("orders"):
        expected.append("Aanvragen")
    assert labels == expected


def test_aanvragen_only_where_enabled(platform, login_as):
    clients = {t: platform.apps[t].test_client() for t in ("zgt", "mst")}
    for client in clients.values():
        login_as(client, {})
    zgt = clients["zgt"].get("/").get_data(as_text=True)
    mst = clients["mst"].get("/").get_data(as_text=True)
    assert "Aanvragen" in mst and "Aanvragen" not in zgt


def test_unbuilt_screens_are_disabled_not_dead_links(client, app, login_as):
    login_as(client, {})
    html = client.get("/").get_data(as_text=True)
    for href in re.findall(r'href="(/[^"]*)"', html):
        if href.startswith("/thema/") or href.startswith("/static/"):
            continue
        assert client.get(href).status_code in (200, 302), href
    for label in re.findall(r'<span class="nav-disabled" aria-disabled="true"[^>]*>([^<]+)<', html):
        assert label.strip()


def test_login_help_page(client, app):
    tenant = app.extensions["portal.tenant"]
    html = client.get("/problemen-met-inloggen").get_data(as_text=True)
    assert "Problemen met inloggen?" in html
    assert tenant.helpdesk.email in html
    if tenant.id == "zgt":
        assert "ZGT lijn 1-2" in html and "088 708 36 69" in html and "8.30 tot 17.00" in html
    else:
        assert "Vermeld daarbij uw telefoonnummer" in html
    assert "Supportdesk Atos" in html and "088-265590" in html and "UZI-pas.support@atos.net" in html
