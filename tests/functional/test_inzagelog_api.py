"""POST /api/inzagelog: the inzagelog as FHIR AuditEvents for the hospital's patient portal."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal.audit import Action, AuditEvent, record
from portal.audit.models import AuditRecord
from portal.core.security import is_public
from support.identifiers import make_bsn
from support.inzagelog_api import api_access, strong_token

TOKEN = strong_token()
TODAY = datetime.now(timezone.utc).date()
BODY_PERIOD = {"from": (TODAY - timedelta(days=1)).isoformat(), "to": (TODAY + timedelta(days=1)).isoformat()}


@pytest.fixture
def token(monkeypatch, app):
    api_access(monkeypatch, app, token=TOKEN)
    return TOKEN


def _post(client, body, token=TOKEN, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/inzagelog", json=body, headers=headers)


def _last(platform, bsn):
    with platform.database.session() as session:
        return session.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt", AuditRecord.patient_bsn == bsn)
                               .order_by(AuditRecord.seq.desc())).first()


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_returns_a_fhir_searchset_and_logs_the_retrieval(client, platform, token):
    bsn = make_bsn()
    reason = "Dienstdoende huisarts, patiënt benauwd"
    record(AuditEvent(Action.VIEW, "success", "zgt", user_uzi="900000021", user_role="01.015",
                      user_organisation="Praktijk Oost", patient_bsn=bsn, data="Labuitslagen"), platform.database)
    record(AuditEvent(Action.EMERGENCY_ACCESS, "success", "zgt", user_uzi="900000022", user_role="01.015",
                      user_organisation="HAP Enschede", patient_bsn=bsn, data="Dossier",
                      grounds=f"emergency_access: {reason}"), platform.database)
    response = _post(client, {"bsn": bsn, **BODY_PERIOD})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    bundle = response.get_json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset" and bundle["total"] == 2
    view, emergency = (e["resource"] for e in bundle["entry"])
    assert view["resourceType"] == "AuditEvent" and view["action"] == "R"
    assert view["agent"][0]["who"]["display"] == "Praktijk Oost"
    assert view["agent"][0]["role"][0]["coding"][0] == {
        "system": "urn:oid:2.16.840.1.113883.2.4.15.111", "code": "01.015", "display": "huisarts"}
    assert view["entity"][0]["what"]["identifier"] == {"system": "http://fhir.nl/fhir/NamingSystem/bsn", "value": bsn}
    assert view["entity"][1]["name"] == "Labuitslagen"
    assert view["purposeOfEvent"][0]["coding"][0]["code"] == "TREAT"
    assert emergency["purposeOfEvent"][0]["coding"][0]["code"] == "ETREAT"
    assert reason in emergency["purposeOfEvent"][0]["text"]
    assert datetime.fromisoformat(view["recorded"]).tzinfo is not None
    logged = _last(platform, bsn)
    assert logged.action == "export" and logged.data == "Inzagelog" and '"format":"fhir"' in logged.details


@pytest.mark.parametrize("tenant_id", ["zgt"])
@pytest.mark.parametrize("auth", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer "])
def test_refuses_without_the_right_token(client, platform, token, auth):
    bsn = make_bsn()
    while _last(platform, bsn) is not None:  # other tests log views of demo patients' BSNs
        bsn = make_bsn()
    headers = {"Authorization": auth} if auth else {}
    response = client.post("/api/inzagelog", json={"bsn": bsn, **BODY_PERIOD}, headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert _last(platform, bsn) is None


@pytest.mark.parametrize("tenant_id", ["zgt"])
@pytest.mark.parametrize("body, message", [
    ({"bsn": "123456789", **BODY_PERIOD}, "not a valid BSN"),
    ({**BODY_PERIOD}, "not a valid BSN"),
    ({"bsn": "999990019", "from": "gisteren", "to": "2026-01-01"}, "YYYY-MM-DD"),
    ({"bsn": "999990019", "from": "2026-02-01", "to": "2026-01-01"}, "after it ends"),
    (["999990019"], "JSON object"),
])
def test_bad_requests_get_an_operation_outcome(client, token, body, message):
    response = _post(client, body)
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome" and message in outcome["issue"][0]["diagnostics"]


@pytest.mark.parametrize("tenant_id", ["zgt", "mst"])
def test_without_a_configured_token_the_endpoint_does_not_exist(client, app, monkeypatch, tenant_id):
    # ZGT names the variable but it is unset; MST names none.
    monkeypatch.delenv("PORTAL_ZGT_INZAGELOG_TOKEN", raising=False)
    from portal.audit import api

    api.configure(app)  # as create_app does
    assert _post(client, {"bsn": "999990019", **BODY_PERIOD}, token="anything").status_code == 404


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_is_exempt_from_csrf_and_login_but_nothing_else(app, client, token, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)  # as in production; the JSON POST carries no CSRF token
    assert _post(client, {"bsn": make_bsn(), **BODY_PERIOD}).status_code == 200
    assert is_public(app, "audit_api.inzagelog_api")
    assert not is_public(app, "search.search")
    assert client.get("/api/inzagelog").status_code == 405  # no identifiers in URLs: POST only


@pytest.mark.parametrize("tenant_id", ["zgt"])
def test_fails_closed_when_the_retrieval_cannot_be_logged(app, client, token, monkeypatch):
    from portal.audit import AuditWriteError, api

    # Fault injection at the one place the API writes: the real failure modes (database
    # down, lock timeout) all surface as AuditWriteError, tested in test_record.py.
    def broken(*_args, **_kwargs):
        raise AuditWriteError("database down")

    monkeypatch.setattr(api, "record", broken)
    response = _post(client, {"bsn": make_bsn(), **BODY_PERIOD})
    assert response.status_code == 503 and "entry" not in response.get_json()
