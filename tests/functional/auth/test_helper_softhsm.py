"""``portal-uzi-login`` with a real PKCS#11 token (SoftHSM2) against the portal served on loopback."""
import threading

import httpx
import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from portal.auth.helper import CardSigner, main, make_server as make_signing_server

PIN = "246810"


@pytest.fixture(scope="module")
def served(uzi_platform):
    """The tst tenant app on 127.0.0.1 (a real HTTP server in a thread)."""
    server = make_server("127.0.0.1", 0, uzi_platform.apps["tst"], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def token(softhsm, uzi_authority):
    """A token "UZI-HELPER" holding a card for UZI number 900777001 (and its CA)."""
    from portal.auth.cards import new_key

    card = uzi_authority.issue("900777001", role="01.015", name="Dr. P. Pas", key=new_key())
    softhsm.add_card("UZI-HELPER", PIN, card)
    return softhsm.library


@pytest.fixture
def gp(make_account):
    return make_account(tenant_id="tst", uzi_number="900777001", name="Dr. P. Pas")


def run_helper(*args, pin=PIN):
    return CliRunner().invoke(main, list(args), input=f"{pin}\n")


def test_helper_logs_in_with_the_card(served, token, gp):
    result = run_helper("login", served, "--module", token, "--token", "UZI-HELPER")
    assert result.exit_code == 0, result.output
    assert f"Ingelogd op {served}/" in result.output


def test_helper_reports_the_portal_refusal(served, token, make_account):
    result = run_helper("login", served, "--module", token, "--token", "UZI-HELPER")  # no account yet
    assert result.exit_code == 1
    assert "geen actief account" in result.output and "(no_account)" in result.output


def test_wrong_pin_raises_pin_incorrect(token):
    import pkcs11

    with pytest.raises(pkcs11.exceptions.PinIncorrect):
        CardSigner.open(token, "UZI-HELPER", "000000")
    result = run_helper("login", "http://127.0.0.1:9", "--module", token, "--token", "UZI-HELPER", pin="000000")
    assert result.exit_code == 1 and "De pincode is onjuist" in result.output


def test_token_is_chosen_by_label(token):
    result = run_helper("login", "http://127.0.0.1:9", "--module", token, "--token", "GEEN-PAS")
    assert result.exit_code == 1 and "Geen UZI-pas met de naam 'GEEN-PAS'" in result.output


def test_signer_finds_the_authentication_certificate(token):
    signer = CardSigner.open(token, "UZI-HELPER", PIN)
    try:
        assert signer.certificate.subject.rfc4514_string().startswith("CN=Dr. P. Pas")
        assert len(signer.chain) == 1  # the issuing CA stored on the token
    finally:
        signer.close()


def test_login_page_button_through_the_local_signing_service(served, token, gp):
    """What login.js does in the GP's browser, with the helper's ``serve`` service."""
    import re

    signer = CardSigner.open(token, "UZI-HELPER", PIN)
    service = make_signing_server(signer, {served}, port=0)
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    sign_url = f"http://127.0.0.1:{service.server_port}/sign"
    try:
        with httpx.Client() as browser:
            page = browser.get(f"{served}/login").text
            csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]
            challenge = browser.post(f"{served}/login/uzi/challenge", headers={"X-CSRFToken": csrf}).json()["challenge"]
            refused = httpx.post(sign_url, json={"tenant": "tst", "challenge": challenge},
                                 headers={"Origin": "https://evil.example"})
            assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
            signed = httpx.post(sign_url, json={"tenant": "tst", "challenge": challenge}, headers={"Origin": served})
            assert signed.status_code == 200 and signed.headers["access-control-allow-origin"] == served
            answer = browser.post(f"{served}/login/uzi/response", json=signed.json(), headers={"X-CSRFToken": csrf})
            assert answer.status_code == 200 and answer.json() == {"next": "/"}
            assert "Dr. P. Pas" in browser.get(f"{served}/").text
    finally:
        service.shutdown()
        thread.join()
        service.server_close()
        signer.close()
