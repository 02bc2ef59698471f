"""CSRF: every POST route refuses a request without a valid token and changes nothing.

Walks the url_map, so each form added later is covered. The only exemptions authenticate
the request themselves and use no session cookie: the token-authenticated inzagelog API
(server to server) and a HIS's signed launch (POST /launch: signature, audience, exp and a
jti used once; every refusal there is audited, tests/functional/launch).
"""
import pytest

from support.access import PRIVATE_PAGE
from support.hardening import INTERNALS, post_rules, row_counts

EXEMPT = {"audit_api.inzagelog_api", "launch.signed_launch"}


def test_only_the_server_to_server_api_is_exempt(app):
    csrf = app.extensions["csrf"]
    exempt = {view.split(".")[-1] for view in csrf._exempt_views}
    assert exempt == {endpoint.split(".")[-1] for endpoint in EXEMPT}
    assert not csrf._exempt_blueprints
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)


def test_every_post_without_a_token_is_refused(selected, app, platform):
    client = selected.client
    walked = []
    for endpoint, url in post_rules(app):
        if endpoint in EXEMPT or endpoint == "auth.logout":  # ends the session even so: below
            continue
        for token in (None, "forged-token", "ImFiYyI.Zm9v.YmFy"):
            before = row_counts(platform, app)
            headers = {"X-CSRFToken": token} if token else {}
            data = {"csrf_token": token} if token else {}
            response = client.post(url, data=data, headers=headers)
            assert response.status_code in (302, 400, 401), (url, token, response.status_code)
            if response.status_code == 302:  # the login blueprint sends the form back with a message
                assert response.headers["Location"].endswith("/login"), url
            assert not INTERNALS.search(response.get_data(as_text=True)), url
            assert row_counts(platform, app) == before, url
        walked.append(endpoint)
    assert {"access.choose", "access.proceed"} <= set(walked)
    # Still logged in with the patient selected: nothing refused changed the session.
    page = client.get("/")
    assert page.status_code == 200 and "Geen patiënt geselecteerd" not in page.get_data(as_text=True)


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_logout_without_a_valid_token_still_ends_the_session(selected, token):
    """Logging out never leaves a session alive: the refused token does not keep it, and the
    page says the provider is logged out (not that the session had expired)."""
    client = selected.client
    response = client.post("/logout", data={"csrf_token": token} if token else {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    login_page = client.get("/login").get_data(as_text=True)
    assert "U bent uitgelogd." in login_page and "sessie was verlopen" not in login_page
    private = client.get(PRIVATE_PAGE)
    assert private.status_code == 302 and private.headers["Location"].endswith("/login")


def test_a_json_post_without_token_is_refused_too(client):
    response = client.post("/login/uzi/challenge", json={})
    assert response.status_code in (400, 401) and response.get_json()["code"] == "request_invalid"
