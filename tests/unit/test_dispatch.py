"""Host dispatch: each hostname reaches its own tenant; anything else is a plain 404."""
import pytest
from werkzeug.test import Client

from portal.dispatch import normalise_host
from support.access import is_logged_in


@pytest.mark.parametrize("raw, expected", [
    ("zgt.localhost", "zgt.localhost"),
    ("ZGT.Localhost:8000", "zgt.localhost"),
    ("zorgverleners.zgt.nl.", "zorgverleners.zgt.nl"),
    ("[::1]:8000", "[::1]"),
    ("", ""),
])
def test_normalise_host(raw, expected):
    assert normalise_host(raw) == expected


@pytest.fixture
def web(platform):
    return Client(platform.dispatcher)


@pytest.mark.parametrize("host, name", [
    ("zgt.localhost:8000", "Ziekenhuisgroep Twente"),
    ("zorgverleners.zgt.nl", "Ziekenhuisgroep Twente"),
    ("mst.localhost", "Medisch Spectrum Twente"),
    ("zorgverlener.mst.nl", "Medisch Spectrum Twente"),
])
def test_each_host_reaches_its_tenant(web, host, name):
    response = web.get("/problemen-met-inloggen", headers={"Host": host})  # public: no login needed
    assert response.status_code == 200
    assert name in response.get_data(as_text=True)


@pytest.mark.parametrize("host, name, theme, orders", [
    ("zgt.localhost:8000", "Ziekenhuisgroep Twente", "tenant-zgt", False),
    ("mst.localhost:8000", "Medisch Spectrum Twente", "tenant-mst", True),
])
def test_the_public_home_page_shows_the_hospital_theme_and_menu(web, host, name, theme, orders):
    # As `curl -H 'Host: zgt.localhost' 127.0.0.1:8000/` sees it, without logging in.
    response = web.get("/", headers={"Host": host})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and name in html and f'class="{theme}"' in html
    assert ("Aanvragen" in html) is orders
    assert 'href="/login"' in html


@pytest.mark.parametrize("host", ["evil.example", "zgt.localhost.evil.example", "localhost", "127.0.0.1", ""])
def test_unknown_host_is_404(web, host):
    response = web.get("/", headers={"Host": host})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Zorgverlenersportaal" not in body and "ZGT" not in body and "MST" not in body


def test_session_cookie_of_one_tenant_is_worthless_on_another(platform, login_as):
    zgt, mst = platform.apps["zgt"], platform.apps["mst"]
    assert zgt.config["SECRET_KEY"] != mst.config["SECRET_KEY"]
    assert zgt.config["SESSION_COOKIE_NAME"] != mst.config["SESSION_COOKIE_NAME"]
    zgt_client = zgt.test_client()
    login_as(zgt_client, {})
    token = zgt_client.get_cookie(zgt.config["SESSION_COOKIE_NAME"]).value
    assert is_logged_in(zgt_client)
    # The same server-side session id under MST's cookie name: MST does not know it.
    mst_client = mst.test_client()
    mst_client.set_cookie(mst.config["SESSION_COOKIE_NAME"], token)
    assert not is_logged_in(mst_client)


def test_each_tenant_has_its_own_jinja_environment(platform):
    assert platform.apps["zgt"].jinja_env is not platform.apps["mst"].jinja_env
