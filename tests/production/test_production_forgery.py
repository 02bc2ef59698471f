"""Forged POSTs from another origin, in the GP's own browser, are refused and change nothing.

The forger's page is served on loopback from two origins: another site
(``http://127.0.0.1:<port>``) and the portal's own site on another origin
(``https://forger.zgt.localhost:<port>``), from which the browser does send the SameSite=Lax
session cookie. The forged death report even carries the form's real hidden fields (CSRF
token and patient context, as if they had leaked), so only the origin check stands in the way.
"""
from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, text

from portal.core.formatting import nl_date
from support.flows import open_patient
from support.production import free_port, login_with_card

TENANT = "zgt"
FORGER_HOST = "forger.zgt.localhost"
REFUSAL = "unsafe request from another origin refused"


class ForgerSite:
    """A tiny web server handing out whatever page the test sets."""

    def __init__(self, tls_context: ssl.SSLContext | None):
        site = self
        self.page = b""

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(site.page)))
                self.end_headers()
                self.wfile.write(site.page)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        if tls_context is not None:
            self.server.socket = tls_context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join()
        self.server.server_close()


@pytest.fixture(scope="module")
def forgers(stack) -> Iterator[dict[str, str]]:
    """The forger's page URL on another site and on another origin of the portal's site."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(stack.tls.cert_file), str(stack.tls.key_file))
    other_site, same_site = ForgerSite(None), ForgerSite(context)
    yield {"cross-site": (other_site, f"http://127.0.0.1:{other_site.server.server_port}/"),
           "same-site": (same_site, f"https://{FORGER_HOST}:{same_site.server.server_port}/")}
    other_site.close()
    same_site.close()


def forged_page(kind: str, action: str, fields: dict[str, str]) -> bytes:
    """An auto-submitting form, or a fetch() sending the same body with the GP's cookies."""
    if kind == "form":
        inputs = "".join(f'<input type="hidden" name="{name}" value="{value}">' for name, value in fields.items())
        script = "document.forms[0].submit();"
        body = f'<form method="post" action="{action}">{inputs}</form>'
    else:
        script = (f"fetch({json.dumps(action)}, {{method: 'POST', mode: 'no-cors', credentials: 'include', "
                  f"body: new URLSearchParams({json.dumps(fields)})}})"
                  # The portal's Cross-Origin-Resource-Policy makes the promise reject; the request
                  # went out all the same (the test checks the portal's log for it).
                  ".finally(() => { document.title = 'verstuurd'; });")
        body = ""
    page = ("<!doctype html><html><head><title>prijsvraag</title></head>"
            f"<body>{body}<script>{script}</script></body></html>")
    return page.encode()


def death_reports(stack, patient_id: str) -> int:
    with stack.platform.database.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(text("death_notifications"))
                            .where(text("tenant_id = :t AND patient_id = :p")), {"t": TENANT, "p": patient_id}).scalar()


def audit_records(stack) -> int:
    with stack.platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE tenant_id = :t"), {"t": TENANT}).scalar()


@pytest.mark.parametrize("origin", ["cross-site", "same-site"])
@pytest.mark.parametrize("kind", ["form", "fetch"])
def test_a_forged_death_report_from_another_origin_is_refused(stack, forgers, context, page, origin, kind):
    patient = stack.case.patient.summary
    login_with_card(page, stack)
    open_patient(page, stack, TENANT, patient)
    page.get_by_role("link", name="Melden overlijden patiënt").click()
    action = page.locator("main form").get_attribute("action")
    fields = dict(page.locator("main form input[type=hidden]").evaluate_all(
        "inputs => inputs.map(input => [input.name, input.value])"))
    fields.update(date_of_death=nl_date(date.today()), place_of_death="Thuis", confirm="yes")
    site, url = forgers[origin]
    site.page = forged_page(kind, stack.url(path=action), fields)
    reports = death_reports(stack, patient.patient_id)
    records = audit_records(stack)
    refusals = stack.log("gunicorn").count(REFUSAL)

    forger = context.new_page()
    if kind == "form":
        with forger.expect_navigation(url=stack.url(path=action)) as navigation:
            forger.goto(url)
        assert navigation.value.status == 400
        expect(forger.get_by_role("heading", level=1)).to_have_text("Formulier verlopen")
    else:
        forger.goto(url)
        expect(forger).to_have_title("verstuurd")

    _wait_for_refusal(stack, refusals)
    assert death_reports(stack, patient.patient_id) == reports
    assert audit_records(stack) == records  # not even a page view of the patient
    page.reload()  # the GP's own session is untouched: still logged in, patient still chosen
    expect(page.get_by_test_id("patient-banner")).to_contain_text(patient.display_name)


def _wait_for_refusal(stack, before: int) -> None:
    """The portal logged the refusal (gunicorn's log is written by another process)."""
    import time

    deadline = time.monotonic() + 10
    while stack.log("gunicorn").count(REFUSAL) <= before:
        assert time.monotonic() < deadline, "the portal never logged refusing the forged request"
        time.sleep(0.1)
