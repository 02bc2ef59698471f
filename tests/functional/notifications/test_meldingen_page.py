"""Meldingen: a new address is used only after its single-use link; the form needs CSRF;
the address ZorgNetOost registered is trusted as confirmed."""
from __future__ import annotations

import re

import pytest

from portal.notifications.models import NotificationSubscription
from support.screens import text
from support.smtp import TestSmtpServer


@pytest.fixture
def smtp(monkeypatch):
    with TestSmtpServer() as server:
        monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(server.port))
        yield server


def _token(client, path="/meldingen") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def _subscription(platform, account_id):
    with platform.database.session() as db:
        row = db.get(NotificationSubscription, account_id)
        db.expunge_all()
        return row


def test_a_new_address_is_confirmed_once_through_its_link(client, login_as, smtp, platform):
    account = login_as(client)
    response = client.post("/meldingen", data={"csrf_token": _token(client), "email": "praktijk@example.org",
                                               "frequency": "daily"})
    assert response.status_code == 302
    row = _subscription(platform, account.id)
    assert row.email is None and row.pending_email == "praktijk@example.org"
    [message] = smtp.messages
    assert message["To"] == "praktijk@example.org"
    link = re.search(r"https?://\S+/meldingen/bevestigen\?token=\S+", message.get_content())[0]
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "praktijk@example.org" in text(page)
    assert _subscription(platform, account.id).email is None  # opening the link confirms nothing
    token = re.search(r'name="token" value="([^"]+)"', page.get_data(as_text=True))[1]
    confirmed = client.post("/meldingen/bevestigen", data={"csrf_token": _token(client), "token": token})
    assert confirmed.status_code == 302
    row = _subscription(platform, account.id)
    assert (row.email, row.frequency, row.pending_email, row.confirm_nonce) == ("praktijk@example.org", "daily",
                                                                                 None, None)
    again = client.post("/meldingen/bevestigen", data={"csrf_token": _token(client), "token": token})
    assert again.status_code == 400  # single use


def test_the_form_needs_its_csrf_token(client, login_as, smtp, platform):
    account = login_as(client)
    response = client.post("/meldingen", data={"email": "x@example.org", "frequency": "daily"})
    assert response.status_code == 400
    assert _subscription(platform, account.id) is None and smtp.messages == []


def test_the_registered_address_needs_no_link(client, login_as, smtp, platform):
    account = login_as(client, {"email": "geregistreerd@example.org"})
    assert "geregistreerd@example.org" in text(client.get("/meldingen"))
    client.post("/meldingen", data={"csrf_token": _token(client), "email": "geregistreerd@example.org",
                                    "frequency": "hourly"})
    row = _subscription(platform, account.id)
    assert (row.email, row.frequency) == ("geregistreerd@example.org", "hourly") and smtp.messages == []


def test_another_providers_link_confirms_nothing(client, login_as, smtp, platform, app, make_account):
    login_as(client)
    client.post("/meldingen", data={"csrf_token": _token(client), "email": "een@example.org", "frequency": "daily"})
    link = re.search(r"/meldingen/bevestigen\?token=\S+", smtp.messages[0].get_content())[0]
    other = app.test_client()
    other.__class__ = client.__class__
    other.host = client.host
    login_as(other)
    assert other.get(link).status_code == 400
