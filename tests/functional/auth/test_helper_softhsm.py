"""``portal-uzi-login`` with a real PKCS#11 token (SoftHSM2) against the portal served on loopback.

The signing service gets its PIN from a ``ScriptedPrompt``: the card holder's answers, given
by the test, and a record of every question the service asked. ``TerminalPrompt`` itself
(the helper's window) is driven through a pipe at the end, and in tests/production.
"""
from __future__ import annotations

import io
import os
import re
import threading
import time

import httpx
import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from portal_uzi_login.card import Card, WrongPin
from portal_uzi_login.cli import main
from portal_uzi_login.message import confirmation_code
from portal_uzi_login.prompt import SigningRequest, TerminalPrompt
from portal_uzi_login.service import CONTESTED, Portal, SigningService
from portal_uzi_login.service import make_server as make_signing_server

PIN = "246810"
LABEL = "UZI-HELPER"


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
    softhsm.add_card(LABEL, PIN, card)
    return softhsm.library


@pytest.fixture
def gp(make_account):
    return make_account(tenant_id="tst", uzi_number="900777001", name="Dr. P. Pas")


class ScriptedPrompt:
    """The card holder, scripted: ``answers`` are given in turn (a PIN, or None to refuse;
    a callable is called first, e.g. to let another request in while the question waits)."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.asked: list[SigningRequest] = []
        self.told: list[str] = []

    def ask_pin(self, request, timeout):
        self.asked.append(request)
        answer = self.answers.pop(0) if self.answers else None
        return answer() if callable(answer) else answer

    def tell(self, message):
        self.told.append(message)


class Service:
    """The helper's ``serve`` on a free loopback port, for the portal ``served``."""

    def __init__(self, token, served, prompt, hospital="Testziekenhuis"):
        self.service = SigningService(Card(token, LABEL), [Portal(served, hospital)], prompt, pin_timeout=5)
        self.server = make_signing_server(self.service, port=0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/sign"

    def sign(self, challenge: str, origin: str, **headers) -> httpx.Response:
        return httpx.post(self.url, json={"tenant": "tst", "challenge": challenge}, timeout=30,
                          headers={"Origin": origin, **headers})

    def close(self):
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@pytest.fixture
def service(token, served):
    started = []

    def start(*answers, **kwargs):
        prompt = ScriptedPrompt(*answers)
        started.append(Service(token, served, prompt, **kwargs))
        return started[-1], prompt

    yield start
    for running in started:
        running.close()


class Browser:
    """The GP's browser on the login page: its session, CSRF token and challenges."""

    def __init__(self, served):
        self.served = served
        self.client = httpx.Client()
        page = self.client.get(f"{served}/login").text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]

    def challenge(self) -> dict:
        answer = self.client.post(f"{self.served}/login/uzi/challenge", headers={"X-CSRFToken": self.csrf})
        assert answer.status_code == 200, answer.text
        return answer.json()

    def respond(self, signed: dict) -> httpx.Response:
        return self.client.post(f"{self.served}/login/uzi/response", json=signed, headers={"X-CSRFToken": self.csrf})


def run_helper(*args, pin=PIN):
    return CliRunner().invoke(main, list(args), input=f"{pin}\n")


def test_the_login_command_asks_the_pin_and_logs_in(served, token, gp):
    result = run_helper("login", served, "--module", token, "--token", LABEL)
    assert result.exit_code == 0, result.output
    assert f"Ingelogd op {served}/" in result.output
    assert f"adres:        {served}" in result.output


def test_the_login_command_reports_the_portal_refusal(served, token, make_account):
    result = run_helper("login", served, "--module", token, "--token", LABEL)  # no account yet
    assert result.exit_code == 1
    assert "geen actief account" in result.output and "(no_account)" in result.output


def test_a_wrong_pin_signs_nothing(served, token):
    with pytest.raises(WrongPin):
        Card(token, LABEL).sign("000000", b"data")
    result = run_helper("login", served, "--module", token, "--token", LABEL, pin="000000")
    assert result.exit_code == 1 and "De pincode is onjuist" in result.output


def test_the_token_is_chosen_by_label(served, token):
    result = run_helper("login", served, "--module", token, "--token", "GEEN-PAS")
    assert result.exit_code == 1 and "Geen UZI-pas met de naam 'GEEN-PAS'" in result.output


def test_the_card_finds_the_authentication_certificate_and_logs_out_after_signing(token):
    import pkcs11
    from pkcs11 import ObjectClass

    signature = Card(token, LABEL).sign(PIN, b"data")
    assert signature.certificate.subject.rfc4514_string().startswith("CN=Dr. P. Pas")
    assert len(signature.chain) == 1  # the issuing CA stored on the token
    # PKCS#11 keeps the login per process: a session opened now without a PIN would see the
    # private key if the signing session had stayed logged in.
    with pkcs11.lib(token).get_token(token_label=LABEL).open() as public:
        assert list(public.get_objects({pkcs11.Attribute.CLASS: ObjectClass.PRIVATE_KEY})) == []


def test_the_login_page_button_with_the_pin_typed_at_the_helper(served, service, gp):
    """What login.js does in the GP's browser, with the helper's ``serve``."""
    helper, prompt = service(PIN, hospital="Ziekenhuis Test")
    browser = Browser(served)
    issued = browser.challenge()
    assert issued["code"] == confirmation_code(issued["challenge"])  # the page shows it
    signed = helper.sign(issued["challenge"], served)
    assert signed.status_code == 200 and signed.headers["access-control-allow-origin"] == served
    assert [(r.hospital, r.portal_origin, r.tenant_id, r.code) for r in prompt.asked] == [
        ("Ziekenhuis Test", served, "tst", issued["code"])]
    assert signed.json()["origin"] == served
    answer = browser.respond(signed.json())
    assert answer.status_code == 200 and answer.json() == {"next": "/"}
    assert "Dr. P. Pas" in browser.client.get(f"{served}/").text


def test_another_origin_gets_no_question_and_no_signature(served, service):
    helper, prompt = service(PIN)
    challenge = Browser(served).challenge()["challenge"]
    for origin in ("https://evil.example", "null", ""):
        refused = helper.sign(challenge, origin)
        assert refused.status_code == 403 and "access-control-allow-origin" not in refused.headers
    # DNS rebinding: the page of another site that resolves to 127.0.0.1 sends its own Host.
    assert helper.sign(challenge, served, Host="rebound.example").status_code == 403
    assert prompt.asked == []


def test_a_local_program_with_a_forged_origin_gets_nothing_without_the_pin(served, service, gp):
    helper, prompt = service(None)  # the card holder refuses (or does not answer in time)
    challenge = Browser(served).challenge()["challenge"]
    answer = helper.sign(challenge, served)  # Origin forged: exactly the portal's
    assert answer.status_code == 403 and "signature" not in answer.json()
    assert len(prompt.asked) == 1  # it was only a question to the card holder


def test_a_second_request_while_one_waits_for_the_pin_spoils_both(served, service, gp):
    browser, program = Browser(served), Browser(served)
    intruder = {}

    def program_asks_then_pin():
        intruder["answer"] = helper.sign(program.challenge()["challenge"], served)
        return PIN  # the GP types the PIN into the question they saw

    helper, prompt = service(program_asks_then_pin)
    answer = helper.sign(browser.challenge()["challenge"], served)
    assert intruder["answer"].status_code == 409 and "signature" not in intruder["answer"].json()
    assert answer.status_code == 409 and answer.json()["message"] == CONTESTED
    assert len(prompt.asked) == 1 and CONTESTED in prompt.told


def test_the_pin_is_asked_for_every_login(served, service, gp):
    helper, prompt = service(PIN, None)
    first, second = Browser(served), Browser(served)
    assert first.respond(helper.sign(first.challenge()["challenge"], served).json()).status_code == 200
    refused = helper.sign(second.challenge()["challenge"], served)
    assert refused.status_code == 403 and "signature" not in refused.json()
    assert len(prompt.asked) == 2


def test_a_wrong_pin_at_the_helper_is_told_and_signs_nothing(served, service):
    helper, prompt = service("000000")
    answer = helper.sign(Browser(served).challenge()["challenge"], served)
    assert answer.status_code == 403 and "pincode is onjuist" in answer.json()["message"]
    assert any("pincode is onjuist" in message for message in prompt.told)


def test_the_terminal_prompt_uses_only_a_pin_typed_after_its_question():
    read_end, write_end = os.pipe()
    typed, window = os.fdopen(write_end, "w"), os.fdopen(read_end)
    output = io.StringIO()
    prompt = TerminalPrompt(window, output).start()
    request = SigningRequest("Ziekenhuis Test", "https://portaal.example", "tst", "A" * 43)
    typed.write("111111\n")  # typed before any question: never used
    typed.flush()
    time.sleep(0.3)
    answers = []
    asking = threading.Thread(target=lambda: answers.append(prompt.ask_pin(request, timeout=10)))
    asking.start()
    deadline = time.monotonic() + 5
    while "Pincode van uw UZI-pas" not in output.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    text = output.getvalue()
    assert "Ziekenhuis Test" in text and "https://portaal.example" in text and confirmation_code("A" * 43) in text
    typed.write("222222\n")
    typed.flush()
    asking.join(10)
    assert answers == ["222222"]
    assert prompt.ask_pin(request, timeout=0.3) is None  # nothing typed in time: refused
    typed.write("\n")
    typed.flush()
    time.sleep(0.1)
    threading.Thread(target=lambda: (time.sleep(0.3), typed.write("\n"), typed.flush())).start()
    assert prompt.ask_pin(request, timeout=5) is None  # Enter without a PIN: refused
    typed.close()
    assert prompt.ask_pin(request, timeout=5) is None  # the window closed: refused at once
    assert "Geen invoer meer mogelijk" in output.getvalue()
    prompt.close()
    window.close()
