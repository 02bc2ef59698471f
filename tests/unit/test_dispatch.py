"""Host dispatch: each hostname reaches its own tenant; anything else is a plain 404."""
import pytest
from werkzeug.test import Client

from portal.dispatch import normalise_host


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
    assert zgt_client.get("/").status_code == 200
    # The same server-side session id under MST's cookie name: MST does not know it.
    mst_client = mst.test_client()
    mst_client.set_cookie(mst.config["SESSION_COOKIE_NAME"], token)
    assert mst_client.get("/").status_code == 302


def test_each_tenant_has_its_own_jinja_environment(platform):
    assert platform.apps["zgt"].jinja_env is not platform.apps["mst"].jinja_env
