"""Hostile input against every form and endpoint: a clear answer, nothing changed, no 500.

Forms are found by rendering every page of each tenant app (logged in, a patient
selected) and parsing its <form> elements, so screens merged later are covered too.
Each field gets overlong, Unicode, SQL- and HTML-injection values; URL arguments and
query strings get them as well; the JSON login API and the TLS login get malformed JSON,
certificates and signatures; every POST route gets an oversized body.
"""
import json
from urllib.parse import quote

import pytest

from portal.audit.verify import verify_chain
from support.access import confirm_fields, is_logged_in, selected_context
from support.hardening import INTERNALS, forms_on, page_urls, post_rules, row_counts, token_on, with_limits
from support.inzagelog_api import api_access, strong_token

HOSTILE = [
    "A" * 20_000,
    "' OR '1'='1' --",
    "1; DROP TABLE accounts; --",
    "999990019' UNION SELECT uzi_number, name FROM accounts --",
    "<script>alert('xss')</script>",
    "\"><img src=x onerror=alert(1)>",
    "Ĳsselmonde 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u202eevil\u202c \u200b\ufeff Zoë 💉",
    "nul\x00byte",
    "../../../../etc/passwd",
    "{{ config }}{% raw %}",
    "-1",
    "99999999999999999999999999",
]
RAW_MARKUP = ("<script>alert('xss')</script>", "<img src=x onerror=alert(1)>")
#: Tables a refused request may still touch: the audit trail, the session's activity
#: time and issued login challenges, the rate-limit counters.
VOLATILE = {"audit_log", "audit_chain_heads", "auth_sessions", "auth_challenges", "rate_limit_counters"}


def stable(counts: dict) -> dict:
    return {k: v for k, v in counts.items() if k not in VOLATILE}


def check_answer(response, what) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code < 500, (what, response.status_code, html[-300:])
    if response.mimetype == "text/html":  # JSON carries text, and nosniff keeps it from being rendered
        assert not any(raw in html for raw in RAW_MARKUP), (what, "markup reflected unescaped")
    assert not INTERNALS.search(html), (what, INTERNALS.search(html).group(0))
    return html


def _forms(client, app):
    found = {}
    # Every page is asked as the selected patient's pages link to it (their context token):
    # forms opened from a patient's page are bound to that patient.
    context = selected_context(client)
    for endpoint, url in page_urls(app):
        response = client.get(url, query_string=context)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for form in forms_on(response.get_data(as_text=True)):
            fillable = [n for n in form.fields if n != "csrf_token"]
            if fillable:
                found.setdefault((form.action or url, form.method, tuple(sorted(fillable))), (url, form))
    return list(found.values())


def test_every_form_field(selected, app, platform, tenant_id):
    client = selected.client
    forms = _forms(client, app)
    # The screens' forms (search, death notification, orders at MST) must be found, or
    # this test would prove nothing.
    actions = {form.action for _, form in forms}
    assert {"/patient-zoeken", "/patientinformatie/overlijden"} <= actions, actions
    if app.extensions["portal.tenant"].menu_enabled("orders"):
        assert "/aanvragen/nieuw" in actions, actions
    for page, form in forms:
        for value in HOSTILE:
            token = token_on(client, "/")
            # Hidden fields keep what the page rendered (the patient context): the hostile
            # value must reach the form's handling, not stop at the binding check.
            data = {name: (token if name == "csrf_token" else form.fields[name] if form.kinds.get(name) == "hidden"
                           else value) for name in form.fields}
            data.setdefault("csrf_token", token)
            before = row_counts(platform, app)
            if form.method == "post":
                response = client.post(form.action or page, data=data)
            else:
                response = client.get(form.action or page, query_string=data)
            check_answer(response, (form.action, value[:30]))
            after = row_counts(platform, app)
            if response.status_code >= 400:
                assert stable(after) == stable(before), (form.action, value[:30])
            elif stable(after) != stable(before):
                # Accepted as valid input (free text): stored, and shown escaped afterwards.
                check_answer(client.get(page), (page, "after storing", value[:30]))
    assert verify_chain(platform.database, tenant_id).intact


def test_noodprocedure_reason(client, app, platform, tenant_id, login_as, hardening_epd):
    """The one free-text field before any screen: overlong is refused and changes nothing;
    anything else is a valid reason, stored as typed and shown escaped."""
    from support.access import HAP_ADDRESS, PatientFacts, offer_and_choose

    facts = PatientFacts(app.extensions["portal.connector"], "1")
    facts.set(consent=True, relations_=[])
    login_as(client, {})
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    minimum = app.extensions["portal.tenant"].access.min_reason_length
    refused = [v for v in HOSTILE if len(" ".join(v.split())) < minimum or len(v) > 1000]
    try:
        for value in refused:
            offer_and_choose(client, "1")
            before = stable(row_counts(platform, app))
            response = client.post("/patient/bevestigen", data={
                **confirm_fields(client), "reason": value, "csrf_token": token_on(client, "/")})
            check_answer(response, value[:30])
            assert response.status_code == 400 and stable(row_counts(platform, app)) == before, value[:30]
        # Markup is a valid reason (a GP may type "<" in a sentence): stored, never rendered as markup.
        offer_and_choose(client, "1")
        response = client.post("/patient/bevestigen", data={
            **confirm_fields(client), "reason": "\"><img src=x onerror=alert(1)> pijn op de borst",
            "csrf_token": token_on(client, "/")})
        assert response.status_code == 302
        check_answer(client.get("/"), "after the noodprocedure")
    finally:
        facts.close()
    assert verify_chain(platform.database, tenant_id).intact


def test_url_arguments_and_query_strings(selected, app, platform, tenant_id):
    client = selected.client
    for value in HOSTILE:
        for endpoint, url in page_urls(app, sample=quote(value[:200], safe="")):
            check_answer(client.get(url), (url[:80],))
        for endpoint, url in page_urls(app)[:40]:
            check_answer(client.get(url, query_string={"pagina": value, "page": value, "q": value}), (url,))
    assert verify_chain(platform.database, tenant_id).intact


def test_oversized_bodies_on_every_post_route(selected, app, platform):
    client = selected.client
    token = token_on(client, "/")
    before = stable(row_counts(platform, app))
    for endpoint, url in post_rules(app):
        for kwargs in ({"data": {"csrf_token": token, "x": "A" * 400_000}},
                       {"data": json.dumps({"x": "A" * 400_000}), "content_type": "application/json"},
                       {"data": {f"f{i}": "1" for i in range(2000)} | {"csrf_token": token},
                        "content_type": "multipart/form-data"}):
            response = client.post(url, headers={"X-CSRFToken": token}, **kwargs)
            check_answer(response, (url, "oversized"))
            assert response.status_code in (400, 401, 404, 413), (url, response.status_code)
    assert stable(row_counts(platform, app)) == before


MALFORMED_JSON = [
    b"{", b"[]", b"null", b'"text"', b"{\"challenge\": }", b"\xff\xfe\x00garbage",
    b"[" * 5000 + b"]" * 5000, json.dumps({"challenge": 1, "certificate": 2, "signature": 3}).encode(),
]
GARBAGE_CERTS = [
    "not a certificate",
    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    "-----BEGIN CERTIFICATE-----\n" + "QUJD" * 2000 + "\n-----END CERTIFICATE-----\n",
    "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
    "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAK\n",  # truncated
    "\x00" * 64,
]
GARBAGE_SIGNATURES = ["", "!!!not base64!!!", "A" * 100_000, "=" * 8, "AAAA"]


def _challenge(client) -> tuple[str, str]:
    token = token_on(client)
    answer = client.post("/login/uzi/challenge", headers={"X-CSRFToken": token})
    assert answer.status_code == 200
    return token, answer.get_json()["challenge"]


def test_login_api_with_malformed_json_certificates_and_signatures(client, app, platform, monkeypatch, db_session):
    with_limits(monkeypatch, app, login_per_address=(1000, 300))  # many attempts from one address here
    before = stable(row_counts(platform, app))
    token = token_on(client)
    for body in MALFORMED_JSON:
        response = client.post("/login/uzi/response", data=body, content_type="application/json",
                               headers={"X-CSRFToken": token})
        check_answer(response, body[:20])
        assert response.status_code in (400, 401) and response.get_json()["code"], body[:20]
    for cert in GARBAGE_CERTS:
        for chain in ([], [cert] * 6, "not a list", [1, 2]):
            token, challenge = _challenge(client)
            response = client.post("/login/uzi/response", headers={"X-CSRFToken": token}, json={
                "challenge": challenge, "certificate": cert, "chain": chain, "signature": "AAAA"})
            check_answer(response, cert[:20])
            assert response.status_code == 401 and response.get_json()["code"] in (
                "certificate_invalid", "request_invalid"), (cert[:20], response.get_json())
    for signature in GARBAGE_SIGNATURES:
        token, challenge = _challenge(client)
        response = client.post("/login/uzi/response", headers={"X-CSRFToken": token}, json={
            "challenge": challenge, "certificate": GARBAGE_CERTS[1], "signature": signature})
        assert response.status_code == 401
    assert not is_logged_in(client)  # still not logged in
    assert stable(row_counts(platform, app)) == before


def test_tls_login_with_malformed_certificate_headers(client, app, platform, monkeypatch, db_session):
    with_limits(monkeypatch, app, login_per_address=(1000, 300))
    tenant = app.extensions["portal.tenant"]
    trusting = tenant.model_copy(update={"auth": tenant.auth.model_copy(update={"trusted_proxies": ("127.0.0.1/32",)})})
    monkeypatch.setitem(app.extensions, "portal.tenant", trusting)
    header = tenant.auth.client_cert_header
    before = stable(row_counts(platform, app))
    for cert in GARBAGE_CERTS + ["%ZZ%00%", quote(GARBAGE_CERTS[1]), "(null)", " "]:
        response = client.get("/login/uzi/tls", headers={header: cert.replace("\n", " ")},
                              environ_base={"REMOTE_ADDR": "127.0.0.1"})
        html = check_answer(response, cert[:20])
        assert response.status_code == 401 and "UZI-pas" in html
    assert not is_logged_in(client)
    assert stable(row_counts(platform, app)) == before


def test_inzagelog_api_with_malformed_json(client, app, monkeypatch):
    env = app.extensions["portal.tenant"].audit.api_token_env
    if env is None:  # this tenant offers no inzagelog API: the endpoint does not exist
        for body in MALFORMED_JSON:
            assert client.post("/api/inzagelog", data=body, content_type="application/json").status_code == 404
        return
    token = strong_token()
    api_access(monkeypatch, app, token=token)
    for body in MALFORMED_JSON + [json.dumps({"bsn": v, "from": v, "to": v}).encode() for v in HOSTILE]:
        response = client.post("/api/inzagelog", data=body, content_type="application/json",
                               headers={"Authorization": "Bearer " + token})
        check_answer(response, body[:20])
        assert response.status_code == 400 and response.get_json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("host", ["evil.example", "zgt.localhost.evil.example", "", "a" * 300, "[::1]:80"])
def test_hostile_host_headers(platform, host):
    from werkzeug.test import Client

    answer = Client(platform.dispatcher).get("/", headers={"Host": host})
    assert answer.status_code in (400, 404) and b"Traceback" not in answer.data
