"""Error pages: Dutch, in the tenant's layout, without internals; JSON for API clients."""
import logging

import pytest
from werkzeug.exceptions import Forbidden, ServiceUnavailable

from support.hardening import INTERNALS

SECRET = "geheime-interne-fout 999999999"


def assert_dutch_page(response, status: int, title: str, tenant) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html" and '<html lang="nl">' in html
    assert title in html and tenant.display_name in html
    assert not INTERNALS.search(html), INTERNALS.search(html).group(0)
    assert response.headers["Cache-Control"] == "no-store"
    return html


def test_not_found(client, app):
    assert_dutch_page(client.get("/bestaat/niet"), 404, "Niet gevonden", app.extensions["portal.tenant"])


def test_method_not_allowed_keeps_the_allow_header(client, app):
    response = client.delete("/login")
    assert_dutch_page(response, 405, "Niet toegestaan", app.extensions["portal.tenant"])
    assert "GET" in response.headers["Allow"]


def test_too_large(selected, app):
    response = selected.client.post("/patient/kiezen", data={"patient": "x" * (300 * 1024)})
    assert_dutch_page(response, 413, "Te groot", app.extensions["portal.tenant"])


def test_bad_request_from_an_expired_form(selected, app):
    response = selected.client.post("/patient/kiezen", data={"patient": "x"})
    assert_dutch_page(response, 400, "Formulier verlopen", app.extensions["portal.tenant"])


@pytest.mark.parametrize("error, status, title", [
    (Forbidden(), 403, "Geen toegang"),
    (ServiceUnavailable(), 503, "Tijdelijk niet beschikbaar"),
    (RuntimeError(SECRET), 500, "Er is iets misgegaan"),
])
def test_errors_raised_by_a_view(selected, app, monkeypatch, caplog, error, status, title):
    def failing_view(*args, **kwargs):
        raise error

    # As in production: unhandled exceptions become the 500 page instead of propagating.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    monkeypatch.setitem(app.view_functions, "core.login_help", failing_view)
    with caplog.at_level(logging.ERROR):
        response = selected.client.get("/problemen-met-inloggen")
    html = assert_dutch_page(response, status, title, app.extensions["portal.tenant"])
    assert SECRET not in html and "RuntimeError" not in html
    # The full layout: the provider and the selected patient's banner are still there.
    assert selected.account.name in html
    if status == 500:
        logged = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)
        assert "geheime-interne-fout" in logged  # the log has the cause ...
        assert "999999999" not in logged           # ... without BSN-like numbers


def test_api_clients_get_json(client):
    response = client.get("/api/bestaat-niet")
    assert response.status_code == 404 and response.get_json() == {
        "code": "not_found",
        "message": "Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina."}
    assert response.headers["Cache-Control"] == "no-store"


def test_unknown_host_gets_a_plain_404(platform):
    response = platform.dispatcher  # the dispatcher answers hosts of no tenant itself
    from werkzeug.test import Client

    answer = Client(response).get("/", headers={"Host": "evil.example"})
    assert answer.status_code == 404 and b"Traceback" not in answer.data
