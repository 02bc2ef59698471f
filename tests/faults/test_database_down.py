"""The portal database down: every page answers 503 in Dutch, without patient data, never 500.

The outage is injected by pointing the shared ``Database`` at a database that cannot be
reached (PostgreSQL: a closed port on loopback; SQLite: a file in a folder that does not
exist), after a GP logged in and selected a patient — the session cookie is still sent.
"""
import pytest
from sqlalchemy.orm import sessionmaker

from portal.db import make_engine
from support.hardening import INTERNALS, page_urls, post_rules, token_on

STATIC = {"static", "core.theme_file"}


@pytest.fixture
def database_down(platform, monkeypatch, tmp_path):
    if platform.database.dialect == "postgresql":
        url = "postgresql://postgres@127.0.0.1:9/portal"  # discard port: nothing listens
    else:
        url = f"sqlite:///{tmp_path}/does-not-exist/portal.sqlite"
    dead = make_engine(url)
    monkeypatch.setattr(platform.database, "engine", dead)
    monkeypatch.setattr(platform.database, "sessionmaker", sessionmaker(dead, expire_on_commit=False))
    yield
    dead.dispose()


def leaks(html: str, patient) -> list[str]:
    return [v for v in (patient.display_name, patient.bsn, patient.patient_number) if v and v in html]


def test_every_page_is_503_without_patient_data(selected, app, monkeypatch, request):
    token = token_on(selected.client, "/")
    # As in production: errors are answered, not propagated to the test.
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    request.getfixturevalue("database_down")
    walked = 0
    for endpoint, url in page_urls(app) + [(e, u) for e, u in post_rules(app)]:
        is_post = (endpoint, url) in post_rules(app)
        response = (selected.client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
                    if is_post else selected.client.get(url))
        html = response.get_data(as_text=True)
        assert response.status_code != 500, (url, html[-300:])
        assert not leaks(html, selected.patient), url
        assert not INTERNALS.search(html), url
        if endpoint not in STATIC and endpoint != "health.check":
            assert response.status_code == 503, (url, response.status_code)
            assert "Tijdelijk niet beschikbaar" in html or response.is_json, url
            walked += 1
    assert walked >= 5


def test_health_says_so(client, database_down):
    assert client.get("/gezondheid").status_code == 503


def test_the_page_is_in_the_tenant_theme(selected, app, monkeypatch, database_down):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = selected.client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and '<html lang="nl">' in html
    assert app.extensions["portal.tenant"].display_name in html and "/thema/theme.css" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
