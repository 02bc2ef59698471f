"""The origin check of every unsafe request (``portal.web.origin``): what a browser says about
where a POST comes from must be this portal; clients that say nothing rely on the token."""
import logging

import pytest

from support.access import PRIVATE_PAGE

REFUSED = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "none"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://{host}:8443"},   # another port of the same host
    {"Origin": "https://{host}"},       # the request itself came over plain HTTP
    {"Origin": "http://evil.{host}"},
]
ACCEPTED = [
    {},                                                        # not a browser: the token decides
    {"Origin": "http://{host}"},
    {"Origin": "http://{host}", "Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "same-origin"},
]


def _headers(client, headers: dict) -> dict:
    return {name: value.format(host=client.host) for name, value in headers.items()}


def _challenge(client, headers: dict, token: str | None):
    extra = {"X-CSRFToken": token} if token else {}
    return client.post("/login/uzi/challenge", headers={**_headers(client, headers), **extra})


@pytest.mark.parametrize("headers", REFUSED)
def test_the_login_api_refuses_another_origin(client, csrf_token, headers):
    answer = _challenge(client, headers, csrf_token(client))
    assert answer.status_code == 401 and answer.get_json()["code"] == "request_invalid"


@pytest.mark.parametrize("headers", ACCEPTED)
def test_the_login_api_accepts_its_own_origin_with_the_token(client, csrf_token, headers):
    assert _challenge(client, headers, csrf_token(client)).status_code == 200
    # ... and never without the token.
    assert _challenge(client, headers, None).status_code == 401


@pytest.mark.parametrize("headers", REFUSED[:2] + REFUSED[4:6])
def test_a_form_from_another_origin_gets_the_expired_form_page(client, login_as, csrf_token, headers):
    login_as(client)
    token = csrf_token(client, "/patient-zoeken")
    answer = client.post("/patient-zoeken", data={"csrf_token": token, "bsn": "999999990"},
                         headers=_headers(client, headers))
    assert answer.status_code == 400 and "Formulier verlopen" in answer.get_data(as_text=True)
    same = client.post("/patient-zoeken", data={"csrf_token": token, "bsn": "999999990"},
                       headers=_headers(client, {"Origin": "http://{host}", "Sec-Fetch-Site": "same-origin"}))
    assert same.status_code == 200


def test_behind_the_proxy_the_origin_is_https(client, csrf_token):
    """Behind the trusted proxy the portal's origin is https://<host>, as the browser sees it."""
    from portal.core.security import TrustedProxyFix

    app = client.application
    original = app.wsgi_app
    app.wsgi_app = TrustedProxyFix(original.app, ["127.0.0.1/32"])  # the test client's peer as the proxy
    try:
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}
        token = csrf_token(client)
        assert _challenge(client, {**proxied, "Origin": "https://{host}"}, token).status_code == 200
        assert _challenge(client, {**proxied, "Origin": "http://{host}"}, token).status_code == 401
    finally:
        app.wsgi_app = original


def test_a_logout_from_another_origin_ends_the_session_all_the_same(client, login_as, csrf_token):
    login_as(client)
    answer = client.post("/logout", data={"csrf_token": csrf_token(client, "/")},
                         headers=_headers(client, {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}))
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/login")
    assert "U bent uitgelogd." in client.get("/login").get_data(as_text=True)
    private = client.get(PRIVATE_PAGE)
    assert private.status_code == 302 and private.headers["Location"].endswith("/login")


def test_reading_is_not_affected(client):
    response = client.get("/login", headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
    assert response.status_code == 200


def test_the_refusal_is_logged_without_what_the_client_sent(client, csrf_token, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.web.origin"):
        _challenge(client, {"Origin": "https://evil-999999990.example", "Sec-Fetch-Site": "cross-site"},
                   csrf_token(client))
    (line,) = [r.getMessage() for r in caplog.records if r.name == "portal.web.origin"]
    assert "refused" in line and "auth.challenge" in line and "cross-site" in line
    assert "evil" not in line and "999999990" not in line and "127.0.0.1" not in line
