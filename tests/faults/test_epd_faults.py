"""The EPD slow, down or answering garbage: a Dutch message where the data would be, the
rest of the page still shown, never a 500, the attempt in the audit log.

Walks every GET page of each tenant app with a patient selected; for each connector
method a page calls, that method alone fails (the kinds rotate over slow/down/garbage).
"""
import itertools

from sqlalchemy import text

from support.access import selected_context
from support.faults import KINDS, FaultyConnector
from support.hardening import INTERNALS, page_urls

UNAVAILABLE = "niet beschikbaar"
#: Called by the access helper before any view; its failure is tested separately below.
HELPER_METHODS = {"get_patient_summary", "check_available"}


def audit_count(platform, tenant_id, uzi) -> int:
    with platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE tenant_id = :t AND user_uzi = :u"),
                            {"t": tenant_id, "u": uzi}).scalar()


def test_each_failing_section_degrades_alone(selected, app, platform, tenant_id, monkeypatch):
    client, real = selected.client, app.extensions["portal.connector"]
    recorder = FaultyConnector(real)
    monkeypatch.setitem(app.extensions, "portal.connector", recorder)
    calls = {}
    for endpoint, url in page_urls(app):
        recorder.calls.clear()
        if client.get(url).status_code == 200:
            used = [m for m in dict.fromkeys(recorder.calls) if m not in HELPER_METHODS]
            if used:
                calls[url] = used
    kinds = itertools.cycle(KINDS)
    checked = 0
    for url, methods in calls.items():
        for method in methods:
            kind = next(kinds)
            faulty = FaultyConnector(real, {method: kind})
            monkeypatch.setitem(app.extensions, "portal.connector", faulty)
            before = audit_count(platform, tenant_id, selected.account.uzi_number)
            response = client.get(url)
            html = response.get_data(as_text=True)
            assert response.status_code == 200, (url, method, kind, response.status_code)
            assert UNAVAILABLE in html, (url, method, kind)
            assert not INTERNALS.search(html), (url, method)
            # The rest of the page: layout, provider, the selected patient's banner.
            assert selected.account.name in html and selected.patient.display_name in html, (url, method)
            assert audit_count(platform, tenant_id, selected.account.uzi_number) > before, (url, method)
            checked += 1
    monkeypatch.setitem(app.extensions, "portal.connector", real)
    # Every page that reads the EPD beyond the access helper was checked (none yet is fine
    # only while no screen reads the EPD; the walk finds them as they are merged).
    assert checked == sum(len(m) for m in calls.values())


def test_the_helper_itself_failing(selected, app, platform, tenant_id, monkeypatch):
    """get_patient_summary fails: the access decision cannot be made, so no data at all,
    a Dutch 503 page with the layout, and the attempt audited."""
    real = app.extensions["portal.connector"]
    guarded = [(url, app.view_functions[endpoint].patient_route.source) for endpoint, url in page_urls(app)
               if getattr(app.view_functions[endpoint], "patient_route", None) is not None]
    assert guarded
    for kind, (url, source) in zip(itertools.cycle(KINDS), guarded):
        with selected.client.session_transaction() as session:
            session[source] = selected.patient.patient_id  # the candidate page reads its own key
        monkeypatch.setitem(app.extensions, "portal.connector", FaultyConnector(real, {"get_patient_summary": kind}))
        before = audit_count(platform, tenant_id, selected.account.uzi_number)
        # As the patient's pages link to it (item routes need their context).
        response = selected.client.get(url, query_string=selected_context(selected.client))
        html = response.get_data(as_text=True)
        assert response.status_code == 503, (url, kind)
        assert "Gegevens niet beschikbaar" in html and selected.account.name in html
        assert not INTERNALS.search(html)
        assert audit_count(platform, tenant_id, selected.account.uzi_number) == before + 1
    with platform.database.engine.connect() as conn:
        last = conn.execute(text("SELECT action, outcome, details FROM audit_log WHERE tenant_id = :t "
                                 "AND user_uzi = :u ORDER BY seq DESC"),
                            {"t": tenant_id, "u": selected.account.uzi_number}).first()
    assert last.action == "view" and last.outcome == "failure" and "Epd" in str(last.details)
