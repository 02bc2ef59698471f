"""CSRF: every POST route refuses a request without a valid token and changes nothing.

Walks the url_map, so each form added later is covered. The only exemption is the
token-authenticated inzagelog API (server to server, no cookies).
"""
from support.hardening import INTERNALS, post_rules, row_counts

EXEMPT = {"audit_api.inzagelog_api"}


def test_only_the_server_to_server_api_is_exempt(app):
    csrf = app.extensions["csrf"]
    exempt = {view.split(".")[-1] for view in csrf._exempt_views}
    assert exempt == {"inzagelog_api"}
    assert not csrf._exempt_blueprints
    assert app.config.get("WTF_CSRF_ENABLED", True) and app.config.get("WTF_CSRF_CHECK_DEFAULT", True)


def test_every_post_without_a_token_is_refused(selected, app, platform):
    client = selected.client
    walked = []
    for endpoint, url in post_rules(app):
        if endpoint in EXEMPT:
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
    assert {"auth.logout", "access.choose", "access.proceed"} <= set(walked)
    # Still logged in with the patient selected: the refused logout did not happen.
    page = client.get("/")
    assert page.status_code == 200 and "Geen patiënt geselecteerd" not in page.get_data(as_text=True)


def test_a_json_post_without_token_is_refused_too(client):
    response = client.post("/login/uzi/challenge", json={})
    assert response.status_code in (400, 401) and response.get_json()["code"] == "request_invalid"
