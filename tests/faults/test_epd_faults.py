"""The EPD slow, down or answering garbage: a Dutch message where the data would be, the
rest of the page still shown, never a 500, the attempt in the audit log.

Walks every GET page of each tenant app with a patient selected; for each connector
method a page calls, that method alone fails twice: once unreachable (slow or down, in
turn), once with unusable data (garbage). The two classes read differently: unreachable
says to try again later, unusable data says it cannot be shown and never suggests trying
again (errors.py). The item pages (letter, image, radiology report) answer 503 and 422.
"""
import itertools
import re

from sqlalchemy import text

from support.access import selected_context
from support.faults import KINDS, FaultyConnector
from support.hardening import INTERNALS, page_urls

UNAVAILABLE = "niet beschikbaar"
TRY_AGAIN = "opnieuw"
CANNOT_SHOW = "niet worden getoond"  # "kan/kunnen niet worden getoond"
OUTAGES = ("slow", "down")
#: Called by the access helper before any view; its failure is tested separately below.
HELPER_METHODS = {"get_patient_summary", "check_available"}
_MESSAGES = re.compile(r'data-testid="unavailable">(.*?)</p>', re.S)


def messages(html: str) -> list[str]:
    """The texts of the "section unavailable" messages of a page."""
    return [" ".join(m.split()) for m in _MESSAGES.findall(html)]


def assert_says(kind: str, html: str, where) -> None:
    """The error-class rule on one page: an outage says try again, unusable data says it
    cannot be shown and never try again."""
    found = messages(html)
    assert found, (where, kind)
    if kind == "garbage":
        assert all(CANNOT_SHOW in m.lower() and TRY_AGAIN not in m for m in found), (where, found)
    else:
        assert all(UNAVAILABLE in m and TRY_AGAIN in m for m in found), (where, found)


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
    outages = itertools.cycle(OUTAGES)
    checked = 0
    for url, methods in calls.items():
        for method in methods:
            for kind in (next(outages), "garbage"):
                faulty = FaultyConnector(real, {method: kind})
                monkeypatch.setitem(app.extensions, "portal.connector", faulty)
                before = audit_count(platform, tenant_id, selected.account.uzi_number)
                response = client.get(url)
                html = response.get_data(as_text=True)
                assert response.status_code == 200, (url, method, kind, response.status_code)
                assert_says(kind, html, (url, method))
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
    """The read the access decision needs fails (get_patient_summary; Patiëntinformatie decides
    on the summary inside get_patient, its one read): no data at all, a Dutch 503 (outage) or
    422 (unusable) page with the layout, and the attempt audited."""
    real = app.extensions["portal.connector"]
    guarded = [(url, app.view_functions[endpoint].patient_route.source) for endpoint, url in page_urls(app)
               if getattr(app.view_functions[endpoint], "patient_route", None) is not None]
    assert guarded
    for kind, (url, source) in zip(itertools.cycle(KINDS), guarded):
        with selected.client.session_transaction() as session:
            session[source] = selected.patient.patient_id  # the candidate page reads its own key
        monkeypatch.setitem(app.extensions, "portal.connector", FaultyConnector(real, {"get_patient_summary": kind,
                                                                                      "get_patient": kind}))
        before = audit_count(platform, tenant_id, selected.account.uzi_number)
        # As the patient's pages link to it (item routes need their context).
        response = selected.client.get(url, query_string=selected_context(selected.client))
        html = response.get_data(as_text=True)
        if kind == "garbage":
            assert response.status_code == 422, (url, kind)
            assert "Gegevens kunnen niet worden getoond" in html and TRY_AGAIN not in html
        else:
            assert response.status_code == 503, (url, kind)
            assert "Gegevens niet beschikbaar" in html and TRY_AGAIN in html
        assert selected.account.name in html
        assert not INTERNALS.search(html)
        assert audit_count(platform, tenant_id, selected.account.uzi_number) == before + 1
    with platform.database.engine.connect() as conn:
        last = conn.execute(text("SELECT action, outcome, details FROM audit_log WHERE tenant_id = :t "
                                 "AND user_uzi = :u ORDER BY seq DESC"),
                            {"t": tenant_id, "u": selected.account.uzi_number}).first()
    assert last.action == "view" and last.outcome == "failure" and "Epd" in str(last.details)
    assert "epd_unreachable" in str(last.details) or "unusable_data" in str(last.details)


def _items(connector, patient_id):
    """(endpoint, URL arguments, the connector method that fills it) of each item page."""
    letter = next(iter(connector.list_letters(patient_id)))
    report = next(r for r in connector.list_imaging(patient_id) if r.images)
    return [("record.letter", {"letter_id": letter.id}, "get_letter"),
            ("record.letter_file", {"letter_id": letter.id}, "get_letter"),
            ("results.imaging_report", {"report_id": report.id}, "list_imaging"),
            ("results.image", {"image_id": report.images[0].id}, "get_image")]


def test_item_pages_tell_unreachable_from_unusable(selected, app, platform, tenant_id, monkeypatch):
    """A letter, image or radiology report: unreachable is 503 "probeer het ... opnieuw",
    unusable data 422 "kan niet worden getoond" without suggesting to try again; each
    failure is one audit record naming its cause."""
    from flask import url_for

    real = app.extensions["portal.connector"]
    for endpoint, arguments, method in _items(real, selected.patient.patient_id):
        with app.test_request_context():
            url = url_for(endpoint, **arguments)
        for kind, status, cause in (("slow", 503, "epd_unreachable"), ("down", 503, "epd_unreachable"),
                                    ("garbage", 422, "unusable_data")):
            monkeypatch.setitem(app.extensions, "portal.connector", FaultyConnector(real, {method: kind}))
            before = audit_count(platform, tenant_id, selected.account.uzi_number)
            response = selected.client.get(url, query_string=selected_context(selected.client))
            html = response.get_data(as_text=True)
            assert response.status_code == status, (endpoint, kind, response.status_code)
            assert (CANNOT_SHOW in html) is (kind == "garbage") and (TRY_AGAIN in html) is (kind != "garbage"), (
                endpoint, kind)
            assert not INTERNALS.search(html)
            assert audit_count(platform, tenant_id, selected.account.uzi_number) == before + 1, (endpoint, kind)
            with platform.database.engine.connect() as conn:
                details = conn.execute(text("SELECT details FROM audit_log WHERE tenant_id = :t AND user_uzi = :u "
                                            "ORDER BY seq DESC"),
                                       {"t": tenant_id, "u": selected.account.uzi_number}).scalar()
            assert cause in str(details), (endpoint, kind, details)
    monkeypatch.setitem(app.extensions, "portal.connector", real)
