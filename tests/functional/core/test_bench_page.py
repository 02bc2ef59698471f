"""The page-sized baseline of ``make bench`` (``portal.web.bench_page``): absent unless the
deployment asks for it, and then the portal's own page but for the CSRF token."""
from __future__ import annotations

import dataclasses
import re

import pytest

from portal.access import guard
from portal.platform import create_platform
from portal.settings import Settings, SettingsError
from portal.web import bench_page
from support.access import context_of_page

_CSRF = re.compile(r'((?:name="csrf_token" value|name="csrf-token" content)=")[^"]+(")')


def _without_csrf(html: str) -> str:
    return _CSRF.sub(r"\1TOKEN\2", html)


def test_absent_by_default(client):
    assert bench_page.ENDPOINT not in client.application.view_functions
    assert client.get("/bench/page/GET/patient.info").status_code == 404


def test_absent_in_production_without_the_setting(monkeypatch):
    monkeypatch.delenv("PORTAL_BENCH_PAGE", raising=False)
    assert Settings.from_env(environment="production", database_url="postgresql://x/y").bench_page is False


@pytest.mark.parametrize("value, expected", [("1", True), ("0", False), ("", False)])
def test_read_from_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("PORTAL_BENCH_PAGE", value)
    assert Settings.from_env(environment="testing").bench_page is expected


def test_a_wrong_value_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("PORTAL_BENCH_PAGE", "maybe")
    with pytest.raises(SettingsError, match="PORTAL_BENCH_PAGE"):
        Settings.from_env(environment="testing")


@pytest.fixture
def bench_platform(settings, demo_epd):
    platform = create_platform(dataclasses.replace(settings, bench_page=True))
    yield platform
    platform.database.dispose()


@pytest.fixture
def new_client(client, bench_platform, tenant_id):
    """``new_client()``: a fresh client (no cookies) of the baseline-serving app."""
    app = bench_platform.apps[tenant_id]

    def make():
        made = type(client)(app, app.response_class, use_cookies=True)
        made.host = client.host
        return made

    return make


def _select(client, login_as, csrf_token, patient):
    login_as(client, {"agb_code": patient.gp_agb, "practice_agb": patient.practice_agb})
    with client.session_transaction() as session:
        session[guard.CANDIDATE] = patient.patient_id
    page = client.get("/patient/bevestigen").get_data(as_text=True)
    response = client.post("/patient/bevestigen", data={"csrf_token": csrf_token(client, "/"),
                                                         "patient_context": context_of_page(page)})
    assert response.status_code == 302


def test_a_page_kind_not_served_yet_answers_409(new_client):
    anonymous = new_client()
    response = anonymous.get("/bench/page/GET/results.lab")
    assert response.status_code == 409


@pytest.mark.parametrize("endpoint", ["patient.info", "results.lab", "record.letters", "care_events.index"])
def test_the_baseline_is_the_page_but_for_the_csrf_token(bench_platform, tenant_id, new_client, login_as, csrf_token,
                                                         demo_patient, endpoint):
    app = bench_platform.apps[tenant_id]
    if endpoint not in app.view_functions:
        pytest.skip(f"{endpoint} is not a page of this tenant")
    rule = next(r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    gp, anonymous = new_client(), new_client()
    _select(gp, login_as, csrf_token, demo_patient)
    page = gp.get(rule)
    assert page.status_code == 200
    baseline = anonymous.get(f"/bench/page/GET/{endpoint}")
    assert baseline.status_code == 200
    assert "Set-Cookie" not in baseline.headers  # no session was made or read
    real, copy = page.get_data(as_text=True), baseline.get_data(as_text=True)
    assert "Uitloggen" in copy and 'data-testid="patient-banner"' in copy  # as the GP saw it
    assert _CSRF.search(real) and _CSRF.search(copy)
    assert _CSRF.search(real)[0] != _CSRF.search(copy)[0]  # the GP's token is not handed out
    assert _without_csrf(copy) == _without_csrf(real)


def test_a_redirect_is_answered_with_the_same_redirect(new_client, login_as, csrf_token, demo_patient):
    gp, anonymous = new_client(), new_client()
    _select(gp, login_as, csrf_token, demo_patient)  # "Ga verder met deze patiënt" answers 302
    baseline = anonymous.get("/bench/page/POST/access.proceed")
    assert baseline.status_code == 302
    assert baseline.headers["Location"].endswith("/patientinformatie")
