"""The login page in the manual's words, demo cards, and ``portal auth refresh-crls``."""
import threading

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from portal.auth.cards import UziAuthority
from portal.auth.cli import refresh_tenant_crls
from portal.auth.trust import load_crl
from support.access import is_logged_in


def test_login_page_explains_the_three_conditions(client, app):
    html = client.get("/login").get_data(as_text=True)
    tenant = app.extensions["portal.tenant"]
    assert "Hiertoe moet aan\n3 voorwaarden worden voldaan" in html or "3 voorwaarden worden voldaan" in html
    assert "UZI-pas en een pincode" in html and "Zorg-ID" in html
    assert "ZorgNetOost" in html
    assert 'href="https://zorgnetoost.nl/wp-content/uploads/2021/10/AanmeldformulierZorgNetOost_2021.pdf"' in html
    assert 'href="https://zorgnetoost.nl/wp-content/uploads/2021/10/AfmeldformulierZorgNetOost_2021.pdf"' in html
    assert "expliciet toestemming gegeven bij " + tenant.short_name in html
    assert 'href="/problemen-met-inloggen">Problemen met inloggen?' in html
    assert "portal-uzi-login serve" in html
    assert "<script>" not in html and "style=" not in html  # no inline code: a strict CSP comes


def test_demo_cards_are_offered_for_active_accounts_only(client, app, make_account):
    tenant = app.extensions["portal.tenant"]
    active = make_account(tenant_id=tenant.id, name="Dr. Actief")
    make_account(tenant_id=tenant.id, name="Dr. Afgemeld", active=False)
    make_account(tenant_id="mst" if tenant.id == "zgt" else "zgt", name="Dr. Elders")
    html = client.get("/login").get_data(as_text=True)
    assert "Inloggen als Dr. Actief" in html
    assert "Dr. Afgemeld" not in html and "Dr. Elders" not in html
    assert f'name="account_id" value="{active.id}"' in html


def test_demo_card_of_an_inactive_account_is_refused(client, make_account, app):
    account = make_account(tenant_id=app.extensions["portal.tenant"].id, active=False)
    token = client.get("/login").get_data(as_text=True).split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post("/login/demo", data={"account_id": account.id, "csrf_token": token})
    assert response.status_code == 401 and "geen actief account" in response.get_data(as_text=True)


def test_demo_card_is_refused_where_demo_login_is_off(uzi_platform, make_account, client_for):
    app = uzi_platform.apps["tst"]
    account = make_account(tenant_id="tst")
    client = client_for(app)
    html = client.get("/login").get_data(as_text=True)
    assert "Demopassen" not in html
    token = html.split('name="csrf-token" content="')[1].split('"')[0]
    response = client.post("/login/demo", data={"account_id": account.id, "csrf_token": token})
    assert response.status_code == 401 and not is_logged_in(client)


@pytest.fixture
def crl_server():
    """Serves whatever bytes are put in ``served["crl"]`` on loopback."""
    served = {}
    server = make_server("127.0.0.1", 0, lambda environ, start: Response(served["crl"])(environ, start))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    served["url"] = f"http://127.0.0.1:{server.server_port}/issuing.crl"
    yield served
    server.shutdown()
    thread.join()


def test_refresh_crls_checks_the_signature_and_keeps_newer(uzi_platform, uzi_authority, crl_server, tmp_path):
    import shutil
    from pathlib import Path

    folder = tmp_path / "tst"
    shutil.copytree(Path(uzi_platform.tenants["tst"].folder), folder)
    tenant = uzi_platform.tenants["tst"].model_copy(update={"folder": str(folder), "auth": uzi_platform.tenants[
        "tst"].auth.model_copy(update={"crl_urls": (crl_server["url"],)})})
    target = folder / "uzi" / "issuing.crl"
    revoked = uzi_authority.issue("900888001", key=None)
    fresh = uzi_authority.crl([revoked.certificate])
    crl_server["crl"] = fresh.public_bytes(serialization.Encoding.DER)
    with httpx.Client() as client:
        assert refresh_tenant_crls(tenant, client) == []
        assert load_crl(target.read_bytes()).get_revoked_certificate_by_serial_number(
            revoked.certificate.serial_number) is not None
        rogue = UziAuthority.create(name="ROGUE")
        crl_server["crl"] = rogue.crl().public_bytes(serialization.Encoding.DER)
        problems = refresh_tenant_crls(tenant, client)
        assert len(problems) == 1 and "not signed by a trusted CA" in problems[0]
        older = uzi_authority.crl(last_update=fresh.last_update_utc.replace(year=2020))
        crl_server["crl"] = older.public_bytes(serialization.Encoding.PEM)
        assert "older than the CRL" in refresh_tenant_crls(tenant, client)[0]
        crl_server["crl"] = b"not a crl"
        assert "ValueError" in refresh_tenant_crls(tenant, client)[0]
    assert load_crl(target.read_bytes()).last_update_utc == fresh.last_update_utc.replace(microsecond=0)
