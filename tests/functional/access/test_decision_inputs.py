"""The access decision's EPD inputs kept briefly per selection (``access.decision_cache_seconds``):
a consent withdrawn in the EPD is honoured once that time has passed in an open selection,
at once for a new selection, and on every page with the setting 0; every page is still
decided and logged."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from portal.access import inputs
from support.access import OFFICE_ADDRESS, confirm_fields, offer_and_choose

GP = {"agb_code": "01234580", "practice_agb": "07654380"}
REGISTERED = [{"kind": "registered_gp", "agb_code": GP["agb_code"]}]


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by the test (seconds)."""
    now = [1000.0]
    monkeypatch.setattr(inputs, "_now", lambda: now[0])
    return now


def dossier_url(app) -> str:
    return next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == "record.index")


def select(client, patient_id: str):
    assert offer_and_choose(client, patient_id).status_code == 302
    response = client.post("/patient/bevestigen", data=confirm_fields(client))
    assert response.status_code == 302, response.status_code


def dossier_views(platform, tenant_id, uzi) -> int:
    with platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE tenant_id = :t AND action = 'view' "
                                 "AND data = 'Dossier' AND outcome = 'success' AND user_uzi = :u"),
                            {"t": tenant_id, "u": uzi}).scalar()


def test_withdrawn_consent_is_honoured_after_the_cache_time(client, app, login_as, patient_facts, platform,
                                                            tenant_id, clock):
    assert app.extensions["portal.tenant"].access.decision_cache_seconds == 60  # the default
    account = login_as(client, GP)
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    patient_facts.set(consent=True, relations_=REGISTERED)
    select(client, str(patient_facts.patient_id))
    url = dossier_url(app)
    assert client.get(url).status_code == 200
    patient_facts.set(consent=False, relations_=REGISTERED)
    clock[0] += 59
    assert client.get(url).status_code == 200  # decided on the consent read 59 s ago
    assert dossier_views(platform, tenant_id, account.uzi_number) == 2  # each page decided and logged
    clock[0] += 1
    assert client.get(url).status_code == 403
    with client.session_transaction() as session:
        assert "selected_patient" not in session


def test_a_new_selection_reads_the_epd_at_once(client, app, login_as, patient_facts, clock):
    login_as(client, GP)
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    patient_facts.set(consent=True, relations_=REGISTERED)
    patient_id = str(patient_facts.patient_id)
    select(client, patient_id)
    assert client.get(dossier_url(app)).status_code == 200
    patient_facts.set(consent=False, relations_=REGISTERED)
    assert offer_and_choose(client, patient_id).status_code == 302
    assert client.get("/patient/bevestigen").status_code == 403
    # Chosen again after the consent is back: the open selection's old entry is not used.
    patient_facts.set(consent=True, relations_=REGISTERED)
    select(client, patient_id)
    patient_facts.set(consent=True, relations_=[])
    assert client.get(dossier_url(app)).status_code == 403  # no relation: read fresh, refused


def test_zero_reads_the_epd_before_every_page(client, app, login_as, patient_facts, monkeypatch, clock):
    tenant = app.extensions["portal.tenant"]
    monkeypatch.setitem(app.extensions, "portal.tenant", tenant.model_copy(
        update={"access": tenant.access.model_copy(update={"decision_cache_seconds": 0})}))
    login_as(client, GP)
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    patient_facts.set(consent=True, relations_=REGISTERED)
    select(client, str(patient_facts.patient_id))
    url = dossier_url(app)
    assert client.get(url).status_code == 200
    patient_facts.set(consent=False, relations_=REGISTERED)
    assert client.get(url).status_code == 403


def test_an_entry_serves_only_its_session(client, app, login_as, patient_facts, clock):
    """A second session of the same GP and patient reads the EPD for itself."""
    account = login_as(client, GP)
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    patient_facts.set(consent=True, relations_=REGISTERED)
    select(client, str(patient_facts.patient_id))
    assert client.get(dossier_url(app)).status_code == 200
    other = type(client)(app, app.response_class, use_cookies=True)
    other.host = client.host
    login_as(other, account)
    other.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    select(other, str(patient_facts.patient_id))
    patient_facts.set(consent=False, relations_=REGISTERED)
    assert client.get(dossier_url(app)).status_code == 200  # within its time
    assert other.get(dossier_url(app)).status_code == 403  # its own first page: read fresh
