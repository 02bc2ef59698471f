"""The card helper on the GP's PC (``portal-uzi-login serve``) in the production set-up: every
signature needs the card holder's PIN, typed in the helper's own window for that login.

The "second local program" is what any process on the GP's PC can do: connect to the
helper on 127.0.0.1 and send whatever ``Origin`` header it likes (here: the portal's own),
with a challenge it fetched from the portal itself.
"""
from __future__ import annotations

import base64
import re
import threading
import time

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from playwright.sync_api import expect
from sqlalchemy import text

from support.production import login_with_card, wait_until

TENANT = "zgt"


class LocalProgram:
    """Another program on the GP's PC: a portal session of its own, and the helper's port."""

    def __init__(self, stack):
        self.stack = stack
        self.portal = stack.client()
        page = self.portal.get("/login").text
        self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', page)[1]

    def challenge(self) -> str:
        answer = self.portal.post("/login/uzi/challenge", headers={"X-CSRFToken": self.csrf})
        assert answer.status_code == 200, answer.text
        return answer.json()["challenge"]

    def ask_helper(self, challenge: str) -> httpx.Response:
        """POST /sign as the login page would, with the portal's origin forged."""
        return httpx.post(f"{self.stack.helper_url}/sign", json={"tenant": TENANT, "challenge": challenge},
                          headers={"Origin": self.stack.base_url}, timeout=60)

    def respond(self, body: dict) -> httpx.Response:
        return self.portal.post("/login/uzi/response", json=body, headers={"X-CSRFToken": self.csrf})

    def close(self) -> None:
        self.portal.close()


class Pending:
    """A request to the helper running in a thread: still waiting, or its answer."""

    def __init__(self, call):
        self.answer: httpx.Response | None = None
        self.thread = threading.Thread(target=lambda: setattr(self, "answer", call()), daemon=True)
        self.thread.start()

    def result(self, seconds: float) -> httpx.Response | None:
        self.thread.join(seconds)
        return self.answer


def logins(stack, outcome: str) -> int:
    with stack.platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE tenant_id = 'zgt' AND action = 'login' "
                                 "AND outcome = :o"), {"o": outcome}).scalar()


def test_a_local_program_gets_no_signature_unless_the_card_holder_types_the_pin(stack):
    program = LocalProgram(stack)
    try:
        successes = logins(stack, "success")
        seen = len(stack.helper.prompts())
        challenge = program.challenge()
        pending = Pending(lambda: program.ask_helper(challenge))
        # The helper asks in its own window, naming the portal; nothing is signed meanwhile.
        wait_until(lambda: len(stack.helper.prompts()) > seen or pending.answer is not None, "question or answer")
        answered = pending.result(2)
        assert answered is None, f"the helper answered without the card holder: {answered.status_code} {answered.text}"
        assert stack.helper.prompts()[seen].address == stack.base_url
        stack.helper.type("")  # the card holder did not start a login: Enter without a PIN
        answer = pending.result(20)
        assert answer is not None and answer.status_code == 403, answer and answer.text
        assert "signature" not in answer.json() and "niet ingelogd" in answer.json()["message"]

        # Nobody at the window: after the time limit, still nothing.
        seen = len(stack.helper.prompts())
        challenge = program.challenge()
        started = time.monotonic()
        answer = program.ask_helper(challenge)
        assert len(stack.helper.prompts()) == seen + 1
        assert answer.status_code == 403 and "signature" not in answer.json()
        assert time.monotonic() - started >= 5
        assert logins(stack, "success") == successes
    finally:
        program.close()


def test_a_local_program_asking_during_the_gps_login_spoils_it_and_gets_nothing(stack, page):
    """The card holder cannot tell which request a PIN would answer, so neither is signed."""
    program = LocalProgram(stack)
    try:
        seen = len(stack.helper.prompts())
        page.goto(stack.url(path="/login"))
        page.get_by_role("button", name="Inloggen met UZI-pas", exact=True).click()
        stack.helper.wait_for_prompt(seen)
        intruder = program.ask_helper(program.challenge())
        assert intruder.status_code == 409 and "signature" not in intruder.json()
        stack.helper.type("135790")  # the GP types the PIN into the question they saw
        expect(page.get_by_test_id("login-status")).to_contain_text("Uit voorzorg is niets ondertekend")
        assert len(stack.helper.prompts()) == seen + 1  # the intruder's request never reached the window
    finally:
        program.close()
    login_with_card(page, stack)  # trying again works


def test_every_login_needs_the_pin_again(stack, page):
    login_with_card(page, stack)
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Inloggen")

    seen = len(stack.helper.prompts())
    page.get_by_role("button", name="Inloggen met UZI-pas", exact=True).click()
    prompt = stack.helper.wait_for_prompt(seen)  # asked again: the PIN was not kept
    page.wait_for_timeout(1500)
    assert page.url.endswith("/login") and page.get_by_test_id("provider-name").count() == 0
    expect(page.get_by_test_id("login-status")).to_contain_text(prompt.code)
    stack.helper.type("135790")
    expect(page.get_by_test_id("provider-name")).to_have_text(stack.case.account_name)


def _card_signature(stack, message: bytes) -> str:
    """What the card's key signs (the key as a file: the signature a card would make)."""
    key = serialization.load_pem_private_key(stack.card_key.read_bytes(), None)
    return base64.b64encode(key.sign(message, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def test_the_portal_refuses_a_signature_made_for_another_origin(stack):
    from portal_uzi_login.message import signed_message

    chain = stack.card_cert.read_text()
    certificate = chain[:chain.index("-----END CERTIFICATE-----") + 25]
    elsewhere = "https://zorgverleners.zgt.example"
    program = LocalProgram(stack)
    try:
        def attempt(signed_origin: str | None, claimed_origin: str | None, legacy: bool = False) -> httpx.Response:
            challenge = program.challenge()
            message = (f"{TENANT}|{challenge}".encode() if legacy
                       else signed_message(signed_origin, TENANT, challenge))
            body = {"challenge": challenge, "certificate": certificate, "chain": [],
                    "signature": _card_signature(stack, message)}
            if claimed_origin is not None:
                body["origin"] = claimed_origin
            return program.respond(body)

        assert attempt(elsewhere, elsewhere).json()["code"] == "origin_mismatch"
        assert attempt(elsewhere, stack.base_url).json()["code"] == "signature_invalid"
        assert attempt(elsewhere, None).json()["code"] == "signature_invalid"
        assert attempt(None, None, legacy=True).json()["code"] == "signature_invalid"  # no origin, no version
        assert attempt(stack.base_url, stack.base_url).status_code == 200  # its own origin: accepted
    finally:
        program.close()
