"""POST /launch: a HIS's signed context opens the patient for the logged-in GP, by the
portal's own rules; every refusal is a Dutch page and an audit record naming the launch."""
from __future__ import annotations

import threading

import pytest

from portal.access import guard
from support.access import HAP_ADDRESS
from support.launch import ISSUER_NAME, UNKNOWN_BSN, claims, client_of, last_launch_record, post_launch
from support.screens import text


@pytest.fixture
def gp_account(make_account, demo):
    return make_account(**demo.account())


def _open(client, response):
    """Follow the launch's 302 to /launch/openen."""
    assert response.status_code == 302, text(response)[-300:]
    assert response.headers["Location"].endswith("/launch/openen")
    return client.get("/launch/openen")


def _refused(response, status: int, title: str, platform, code: str, **details) -> dict:
    assert response.status_code == status, text(response)[-400:]
    assert title in text(response)
    record, found = last_launch_record(platform, "zgt")
    assert record is not None and found.get("refusal") == code, found
    assert record.action == "access_denied" and record.outcome == "denied"
    for key, value in details.items():
        assert found.get(key) == value, (key, found)
    return found


def test_a_logged_in_gp_lands_on_the_patient(his_client, login_as, gp_account, his_keys, demo, launch_platform):
    login_as(his_client, gp_account)
    patient = demo.patient
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=patient.bsn))
    response = _open(his_client, post_launch(his_client, token))
    assert response.status_code == 302 and response.headers["Location"].endswith("/patientinformatie")
    page = his_client.get("/patientinformatie")
    assert page.status_code == 200 and patient.display_name in text(page)
    with his_client.session_transaction() as session:
        assert session[guard.SELECTED] == patient.patient_id
    record, details = last_launch_record(launch_platform, "zgt")
    assert record.action == "view" and record.outcome == "success" and record.user_uzi == gp_account.uzi_number
    assert record.patient_number == patient.patient_number and record.grounds
    assert details["issuer"] == ISSUER_NAME and details["launch"] == "signed"
    assert details["jti"] and details["destination"] == "patientinformatie"
    assert patient.bsn not in str(details)


def test_the_launch_survives_the_login(his_client, login_as, gp_account, his_keys, demo):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn), alg="RS512")
    response = _open(his_client, post_launch(his_client, token))
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    login_as(his_client, gp_account)  # the login rotates the session and carries nothing over
    with his_client.session_transaction() as session:
        assert session.get("login_next") is None
    response = his_client.get("/launch/openen")
    assert response.status_code == 302 and response.headers["Location"].endswith("/patientinformatie")
    assert demo.patient.display_name in text(his_client.get("/patientinformatie"))


def test_login_sends_the_gp_back_to_the_launch(his_client, csrf_token, gp_account, his_keys, demo):
    _open(his_client, post_launch(his_client, his_keys.sign(claims(uzi=gp_account.uzi_number,
                                                                   bsn=demo.patient.bsn))))
    token = csrf_token(his_client)
    response = his_client.post("/login/demo", data={"account_id": gp_account.id, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/launch/openen")
    assert his_client.get("/launch/openen").headers["Location"].endswith("/patientinformatie")


def test_an_ec_key_and_a_destination(his_client, login_as, gp_account, his_keys, demo):
    login_as(his_client, gp_account)
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn, dest="labuitslagen"),
                          alg="ES256", kid="his-ec-1")
    response = _open(his_client, post_launch(his_client, token))
    assert response.status_code == 302 and response.headers["Location"].endswith("/uitslagen/lab")
    assert demo.patient.bsn not in response.headers["Location"]


def test_without_a_kid_each_key_is_tried(his_client, login_as, gp_account, his_keys, demo):
    login_as(his_client, gp_account)
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn), kid=None)
    assert _open(his_client, post_launch(his_client, token)).headers["Location"].endswith("/patientinformatie")


def test_an_agb_code_alone_names_the_provider(his_client, login_as, gp_account, his_keys, demo):
    login_as(his_client, gp_account)
    token = his_keys.sign(claims(uzi=None, bsn=demo.patient.bsn, **{"user-agb": gp_account.agb_code}))
    assert _open(his_client, post_launch(his_client, token)).headers["Location"].endswith("/patientinformatie")


# --- refused before anything is stored ------------------------------------------------------

def test_expired(his_client, his_keys, gp_account, demo, launch_platform):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn, lifetime=-120))
    _refused(post_launch(his_client, token), 400, "Link verlopen", launch_platform, "expired", issuer=ISSUER_NAME)


def test_exp_too_far_ahead(his_client, his_keys, gp_account, demo, launch_platform):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn, lifetime=3600))
    _refused(post_launch(his_client, token), 400, "Link niet geldig", launch_platform, "lifetime_too_long")


def test_unknown_issuer(his_client, his_keys, gp_account, demo, launch_platform):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn, iss="urn:elsewhere"))
    _refused(post_launch(his_client, token), 403, "Onbekend systeem", launch_platform, "unknown_issuer",
             claimed_issuer="urn:elsewhere")


def test_unknown_kid(his_client, his_keys, gp_account, demo, launch_platform):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn), kid="rotated-away")
    _refused(post_launch(his_client, token), 403, "Onbekend systeem", launch_platform, "unknown_key",
             kid="rotated-away")


def test_bad_signature(his_client, his_keys, gp_account, demo, launch_platform):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn), key=his_keys.stranger)
    _refused(post_launch(his_client, token), 403, "Onbekend systeem", launch_platform, "bad_signature")
    tampered = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
    head, body, signature = tampered.split(".")
    _refused(post_launch(his_client, f"{head}.{body}.{signature[::-1]}"), 403, "Onbekend systeem", launch_platform,
             "bad_signature")


def test_no_unsigned_or_hmac_tokens(his_client, his_keys, gp_account, demo, launch_platform):
    import base64
    import json

    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    body = part(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
    _refused(post_launch(his_client, f"{part({'alg': 'none'})}.{body}."), 403, "Onbekend systeem", launch_platform,
             "bad_signature")
    _refused(post_launch(his_client, f"{part({'alg': 'HS256', 'kid': 'his-rsa-1'})}.{body}.AAAA"), 403,
             "Onbekend systeem", launch_platform, "bad_signature")


def test_wrong_audience(his_client, his_keys, gp_account, demo, launch_platform):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn,
                                 audience="https://zorgverlener.mst.nl"))
    _refused(post_launch(his_client, token), 403, "ander zorgverlenersportaal", launch_platform, "wrong_audience")


@pytest.mark.parametrize("change, problem", [
    ({"patient-bsn": "123456789"}, "patient BSN missing or failing the 11-proef"),
    ({"patient-bsn": None}, "patient BSN missing or failing the 11-proef"),
    ({"dest": "https://evil.example/"}, "unknown destination"),
    ({"dest": "instellingen"}, "unknown destination"),
    ({"user-uzi": None}, "no provider UZI number or AGB code"),
    ({"jti": None}, "jti missing or too long"),
])
def test_invalid_claims(his_client, his_keys, gp_account, demo, launch_platform, change, problem):
    values = claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn)
    values.update(change)
    token = his_keys.sign({k: v for k, v in values.items() if v is not None})
    details = _refused(post_launch(his_client, token), 400, "Link onvolledig", launch_platform, "invalid",
                       problem=problem)
    assert "123456789" not in str(details) and demo.patient.bsn not in str(details)


def test_no_jwt_at_all(his_client, launch_platform):
    _refused(post_launch(his_client, "not-a-token"), 400, "Link onvolledig", launch_platform, "invalid")


# --- replays ------------------------------------------------------------------------------

def test_a_replayed_jti_is_refused(his_client, login_as, gp_account, his_keys, demo, launch_platform):
    login_as(his_client, gp_account)
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
    assert post_launch(his_client, token).status_code == 302
    _refused(post_launch(his_client, token), 400, "Link al gebruikt", launch_platform, "replayed")
    # The first launch itself still opens once, and only once.
    assert his_client.get("/launch/openen").headers["Location"].endswith("/patientinformatie")
    _refused(his_client.get("/launch/openen"), 400, "Link verlopen of al gebruikt", launch_platform, "no_launch")


def test_a_jti_used_on_one_node_is_refused_on_another(his_client, second_node, his_keys, gp_account, demo,
                                                       launch_platform):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
    assert post_launch(his_client, token).status_code == 302
    other = client_of(second_node)
    _refused(post_launch(other, token), 400, "Link al gebruikt", launch_platform, "replayed")


def test_two_nodes_racing_cannot_both_accept(his_client, second_node, his_keys, gp_account, demo):
    """The same jti at the same moment on two app instances: the database's unique
    constraint lets exactly one through."""
    for _ in range(3):
        token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
        clients = [client_of(his_client.application.extensions["portal.platform"]), client_of(second_node)]
        barrier = threading.Barrier(2)
        statuses: list[int] = []

        def post(client):
            barrier.wait()
            statuses.append(post_launch(client, token).status_code)

        threads = [threading.Thread(target=post, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [302, 400]


def test_a_launch_cookie_of_another_browser_opens_nothing(his_client, launch_platform, login_as, gp_account,
                                                          his_keys, demo):
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
    assert post_launch(his_client, token).status_code == 302
    other = client_of(launch_platform)
    login_as(other, gp_account)
    _refused(other.get("/launch/openen"), 400, "Link verlopen of al gebruikt", launch_platform, "no_launch")


# --- the portal's own rules after the launch -------------------------------------------------

def test_another_provider_is_refused(his_client, login_as, gp_account, make_account, his_keys, demo,
                                     launch_platform):
    login_as(his_client, make_account(**demo.account()))
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
    details = _refused(_open(his_client, post_launch(his_client, token)), 403, "Andere zorgverlener",
                       launch_platform, "other_provider", provider_uzi=gp_account.uzi_number)
    assert details["jti"]
    with his_client.session_transaction() as session:
        assert guard.SELECTED not in session


def test_a_patient_not_in_the_epd(his_client, login_as, gp_account, his_keys, launch_platform):
    login_as(his_client, gp_account)
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=UNKNOWN_BSN))
    details = _refused(_open(his_client, post_launch(his_client, token)), 403, "Patiënt niet gevonden of geen toegang",
                       launch_platform, "patient_unavailable", problem="not found")
    assert UNKNOWN_BSN not in str(details)


def test_no_access_without_a_relation(his_client, login_as, gp_account, his_keys, demo, launch_platform):
    login_as(his_client, gp_account)
    stranger = demo.strangers[0]
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=stranger.bsn))
    response = _open(his_client, post_launch(his_client, token))
    _refused(response, 403, "Patiënt niet gevonden of geen toegang", launch_platform, "patient_unavailable",
             problem="no_treatment_relation")
    assert stranger.display_name not in text(response)
    record, _ = last_launch_record(launch_platform, "zgt")
    assert record.patient_number == stranger.patient_number  # in that patient's inzagelog


def test_no_access_without_consent(his_client, login_as, gp_account, his_keys, demo, launch_platform):
    login_as(his_client, gp_account)
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.without_consent.bsn))
    _refused(_open(his_client, post_launch(his_client, token)), 403, "Patiënt niet gevonden of geen toegang",
             launch_platform, "patient_unavailable", problem="no_consent")


def test_at_a_hap_the_noodprocedure_appears(his_client, login_as, gp_account, his_keys, demo, launch_platform):
    his_client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS["zgt"]
    login_as(his_client, gp_account)
    stranger = demo.strangers[0]
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=stranger.bsn))
    response = _open(his_client, post_launch(his_client, token))
    assert response.status_code == 302 and response.headers["Location"].endswith("/patient/bevestigen")
    page = his_client.get("/patient/bevestigen")
    assert page.status_code == 200 and "Waarom wilt u dit dossier bekijken?" in text(page)
    with his_client.session_transaction() as session:
        assert guard.SELECTED not in session and session[guard.CANDIDATE] == stranger.patient_id
    assert his_client.get("/patientinformatie").status_code != 200 or stranger.display_name not in text(
        his_client.get("/patientinformatie"))


# --- the CSRF and origin exemption is this endpoint's alone -----------------------------------

def test_the_exemption_is_narrow(his_client, login_as, gp_account):
    login_as(his_client, gp_account)
    response = his_client.post("/patient/kiezen", data={"patient": "x"},
                               headers={"Origin": "https://his.example", "Sec-Fetch-Site": "cross-site"})
    assert response.status_code in (302, 400) and "/patient/bevestigen" not in response.headers.get("Location", "")
    # Same-origin but without a token: refused by CSRFProtect as before.
    response = his_client.post("/patient/kiezen", data={"patient": "x"})
    assert "/patient/bevestigen" not in response.headers.get("Location", "")


def test_a_launch_post_does_not_touch_the_session(his_client, login_as, gp_account, his_keys, demo):
    """The HIS's POST changes nothing of the browser's session: no new session cookie that
    would log the GP out, only the launch's own cookie."""
    login_as(his_client, gp_account)
    token = his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn))
    response = post_launch(his_client, token)
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("portal_zgt_launch=")
    assert "HttpOnly" in cookies[0] and "SameSite=Lax" in cookies[0]


def test_an_unreadable_jwks_file_stops_the_start(settings, his_keys, tmp_path):
    import dataclasses

    from portal.platform import create_platform
    from portal.settings import SettingsError
    from support.launch import JWKS_FILE, launch_tenants

    target = launch_tenants(tmp_path / "tenants", his_keys)
    (target / "zgt" / JWKS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(SettingsError, match=f"launch.signed '{ISSUER_NAME}': jwks_file {JWKS_FILE}"):
        create_platform(dataclasses.replace(settings, tenants_dir=target))


def test_keys_from_a_jwks_url(settings, demo_epd, his_keys, make_account, demo, login_as, tmp_path):
    """An issuer publishing its JWKS at a URL: fetched, and fetched again for a new kid."""
    import dataclasses
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from portal.launch import keys as launch_keys
    from portal.platform import create_platform
    from support.browser import copy_tenants
    from support.launch import ISSUER, HisKeys

    published = {"jwks": {"keys": []}, "fetches": 0}

    class Jwks(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            published["fetches"] += 1
            body = json.dumps(published["jwks"]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Jwks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    platform = None
    try:
        url = f"http://127.0.0.1:{server.server_port}/jwks.json"
        target = copy_tenants(tmp_path / "tenants", {"launch": {"signed": [
            {"name": "Netwerk met URL", "issuer": ISSUER, "jwks_url": url}]}})
        platform = create_platform(dataclasses.replace(settings, tenants_dir=target))
        published["jwks"] = his_keys.jwks
        client = client_of(platform)
        account = make_account(**demo.account())
        login_as(client, account)
        token = his_keys.sign(claims(uzi=account.uzi_number, bsn=demo.patient.bsn))
        assert post_launch(client, token).status_code == 302
        # The network rotates to a new key: an unknown kid asks the URL again (after URL_RETRY).
        rotated = HisKeys()
        published["jwks"] = rotated.jwks
        launch_keys._cache[("zgt", "Netwerk met URL")] = (launch_keys._cache[("zgt", "Netwerk met URL")][0], 0.0,
                                                          None)  # as if fetched long ago
        new = rotated.sign(claims(uzi=account.uzi_number, bsn=demo.patient.bsn), kid="his-ec-1", alg="ES256")
        before = published["fetches"]
        assert post_launch(client, new).status_code == 302
        assert published["fetches"] == before + 1
    finally:
        server.shutdown()
        server.server_close()
        if platform is not None:
            platform.close()


def test_launches_are_rate_limited_per_address(his_client, login_as, gp_account, his_keys, demo, launch_platform,
                                               monkeypatch):
    from support.hardening import with_limits

    app = launch_platform.apps["zgt"]
    with_limits(monkeypatch, app, launch_per_address=(2, 300))
    login_as(his_client, gp_account)
    his_client.environ_base["REMOTE_ADDR"] = "198.51.100.30"
    statuses = [post_launch(his_client, his_keys.sign(claims(uzi=gp_account.uzi_number, bsn=demo.patient.bsn)))
                .status_code for _ in range(3)]
    assert statuses == [302, 302, 429]
    his_client.environ_base["REMOTE_ADDR"] = "198.51.100.31"  # another practice is not affected
    assert post_launch(his_client, his_keys.sign(claims(uzi=gp_account.uzi_number,
                                                        bsn=demo.patient.bsn))).status_code == 302
