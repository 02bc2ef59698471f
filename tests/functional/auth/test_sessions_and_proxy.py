"""Server-side sessions (logout, timeouts, cookies) and the TLS client certificate path."""
import datetime as dt
import re
from urllib.parse import quote

import pytest
from sqlalchemy import select, update

from portal.audit.models import AuditRecord
from portal.auth.models import SessionRecord
from support.access import PRIVATE_PAGE, is_logged_in


@pytest.fixture
def logged_in(tst_app, card, client_for, exchange):
    client = client_for(tst_app)
    assert exchange(client).respond(card).status_code == 200
    return client


def cookie(client):
    return client.get_cookie(client.application.config["SESSION_COOKIE_NAME"])


def test_cookie_is_httponly_samesite_and_holds_only_a_random_id(tst_app, card, client_for, exchange):
    client = client_for(tst_app)
    exchange(client).respond(card)
    jar = cookie(client)
    assert jar.http_only and jar.same_site == "Lax"
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", jar.value)  # 256 random bits, no data


def test_production_cookie_is_secure_and_host_prefixed(platform, monkeypatch, tmp_path):
    from portal.auth import init_portal_app
    from portal.settings import Settings, SettingsError

    app = platform.apps["zgt"]
    tenant = app.extensions["portal.tenant"]
    production = Settings(environment="production", database_url="postgresql://x/y", instance_dir=tmp_path,
                          tenants_dir=tmp_path, themes_dir=tmp_path)
    from flask import Flask

    probe = Flask("probe")
    probe.config["SESSION_COOKIE_NAME"] = "portal_tst"
    probe.extensions.update({"portal.tenant": tenant.model_copy(update={"auth": tenant.auth.model_copy(
        update={"demo_login": False})}), "portal.platform": type("P", (), {"settings": production})()})
    init_portal_app(probe)
    assert probe.config["SESSION_COOKIE_NAME"] == "__Host-portal_tst" and probe.config["SESSION_COOKIE_SECURE"]
    demo = Flask("demo")
    demo.extensions.update({"portal.tenant": tenant, "portal.platform": type("P", (), {"settings": production})()})
    with pytest.raises(SettingsError, match="demo_login"):
        init_portal_app(demo)


def test_logout_ends_the_session_everywhere(logged_in, tst_app, client_for, uzi_platform):
    token = cookie(logged_in).value
    html = logged_in.get("/").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)[1]
    # A second "process": another client holding a copy of the same cookie.
    copy = client_for(tst_app)
    copy.set_cookie(tst_app.config["SESSION_COOKIE_NAME"], token)
    assert is_logged_in(copy)
    response = logged_in.post("/logout", data={"csrf_token": csrf})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not is_logged_in(copy)
    with uzi_platform.database.session() as session:
        entry = session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "tst")
                                .order_by(AuditRecord.seq.desc())).first()
        assert (entry.action, entry.outcome) == ("logout", "success")


@pytest.mark.parametrize("column, age", [("last_seen_at", dt.timedelta(minutes=16)),
                                         ("created_at", dt.timedelta(hours=12, minutes=1))])
def test_idle_timeout_and_absolute_lifetime(logged_in, uzi_platform, column, age):
    """Rewind the stored times as if that much time had passed, then touch the session."""
    now = dt.datetime.now(dt.timezone.utc)
    with uzi_platform.database.session() as session:
        # The next request recomputes expires_at from last_seen/created, which we age here.
        session.execute(update(SessionRecord).where(SessionRecord.tenant_id == "tst")
                        .values(**{column: now - age}, expires_at=now + dt.timedelta(minutes=15)))
    assert is_logged_in(logged_in)  # this request computes the new expiry
    with uzi_platform.database.session() as session:
        row = session.scalars(select(SessionRecord).where(SessionRecord.tenant_id == "tst")).first()
        session.execute(update(SessionRecord).where(SessionRecord.id_hash == row.id_hash)
                        .values(expires_at=now - dt.timedelta(seconds=1)))
    assert not is_logged_in(logged_in)


def test_activity_extends_the_idle_timeout(logged_in, uzi_platform):
    now = dt.datetime.now(dt.timezone.utc)
    with uzi_platform.database.session() as session:
        session.execute(update(SessionRecord).where(SessionRecord.tenant_id == "tst")
                        .values(last_seen_at=now - dt.timedelta(minutes=10),
                                expires_at=now + dt.timedelta(minutes=5)))
    assert is_logged_in(logged_in)
    with uzi_platform.database.session() as session:
        row = session.scalars(select(SessionRecord).where(SessionRecord.tenant_id == "tst")).first()
        expires = row.expires_at.replace(tzinfo=dt.timezone.utc) if row.expires_at.tzinfo is None else row.expires_at
        assert expires > now + dt.timedelta(minutes=14)


def test_anonymous_pages_redirect_and_return_after_login(tst_app, card, client_for, exchange):
    client = client_for(tst_app)
    assert client.get(PRIVATE_PAGE).headers["Location"].endswith("/login")
    assert client.post("/logout").headers["Location"].endswith("/login")
    ex = exchange(client)
    assert ex.respond(card).get_json() == {"next": PRIVATE_PAGE}


def header_for(card):
    return quote(card.certificate_pem)  # nginx $ssl_client_escaped_cert


def test_proxy_forwarded_certificate_logs_in(tst_app, card, gp, client_for):
    client = client_for(tst_app)
    response = client.get("/login/uzi/tls", headers={"X-SSL-Client-Cert": header_for(card)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert gp.name in client.get("/").get_data(as_text=True)


def test_proxy_header_from_an_untrusted_address_is_refused(tst_app, card, client_for):
    client = client_for(tst_app)
    response = client.get("/login/uzi/tls", headers={"X-SSL-Client-Cert": header_for(card)},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 401
    assert "niet via de beveiligde verbinding" in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_proxy_without_certificate(tst_app, client_for):
    response = client_for(tst_app).get("/login/uzi/tls")
    assert response.status_code == 401 and "Er is geen UZI-pas aangeboden" in response.get_data(as_text=True)


def test_proxy_path_runs_the_same_checks(tst_app, uzi_authority, card_key, gp, client_for):
    signing = uzi_authority.issue(gp.uzi_number, role="01.015", kind="signature", key=card_key)
    response = client_for(tst_app).get("/login/uzi/tls", headers={"X-SSL-Client-Cert": header_for(signing)})
    assert response.status_code == 401 and "Authenticiteit" in response.get_data(as_text=True)
