"""Radiologie en nucleaire onderzoeken: every study, the report, its images through the portal."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from support.access import selected_context
from support.demo_epd import add_record, last_audit_record


def _study(connector, patient_id: str, requester: str) -> str:
    moment = datetime.now().replace(second=0, microsecond=0) - timedelta(days=2)
    record_id = add_record(connector, patient_id, "imaging", {
        "discipline": "radiology", "modality": "X-thorax", "title": "X-thorax staand", "performed_at": moment,
        "reported_at": moment + timedelta(hours=3), "requester": requester,
        "text": "Geen afwijkingen aan hart en longen.",
        "conclusion": "Normale thoraxfoto.", "radiologist": "Dr. Test",
        "images": [{"n": 0, "title": "X-thorax PA", "content_type": "image/png"},
                   {"n": 1, "title": "X-thorax lateraal", "content_type": "image/png"}]}, moment)
    return record_id


def test_all_studies_are_listed_also_those_a_gp_requested(patient_client, connector, demo_patient):
    _study(connector, demo_patient.patient_id, "Huisarts J. Jansen")
    studies = connector.list_imaging(demo_patient.patient_id)
    html = patient_client.get("/uitslagen/radiologie").get_data(as_text=True)
    links = re.findall(r'href="/uitslagen/radiologie/([^"?]+)\?patient_context=[^"]+"', html)
    assert links == [s.id for s in studies[:25]]
    assert "Huisarts J. Jansen" in html


def test_the_report_shows_its_images_in_order_and_a_way_back(patient_client, connector, demo_patient, platform, app):
    record_id = _study(connector, demo_patient.patient_id, "Dr. Specialist")
    response = patient_client.get(f"/uitslagen/radiologie/{record_id}", query_string=selected_context(patient_client))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Geen afwijkingen aan hart en longen." in html and "Normale thoraxfoto." in html
    # The images of the study in order, each in the page (served by the portal, bound to the
    # page's patient), with "Vergroten" and the way back to the list.
    images = re.findall(r'<img src="(/uitslagen/beelden/[^"?]+)\?patient_context=[^"]+" alt="([^"]+)"', html)
    assert images == [(f"/uitslagen/beelden/{record_id}.0", "X-thorax PA"),
                      (f"/uitslagen/beelden/{record_id}.1", "X-thorax lateraal")]
    assert "Beeld 1 van 2: X-thorax PA" in html and "Beeld 2 van 2: X-thorax lateraal" in html
    assert html.count('class="zoom-label">Vergroten</label>') == 2
    assert html.count('<a href="/uitslagen/radiologie">Terug naar Radiologie</a>') == 2
    thumbnails = [(src, src, alt) for src, alt in images]
    # Every image of the report is served by the portal itself.
    content = html.split('<main', 1)[1]
    assert all(src.startswith("/uitslagen/beelden/") for src in re.findall(r'<img src="([^"]+)"', content))
    image = patient_client.get(thumbnails[0][0], query_string=selected_context(patient_client))
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    assert image.headers["Content-Type"] == "image/png"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.headers["Cache-Control"] == "no-store"
    last = last_audit_record(platform, app.extensions["portal.tenant"].id)
    assert (last.action, last.data) == ("view", f"Beeld {record_id}.0")


def test_images_and_reports_of_another_patient_are_refused(patient_client, connector, demo_patient):
    record_id = _study(connector, demo_patient.other_patient_id, "Dr. Ander")
    mine = selected_context(patient_client)  # asked from a page of the selected patient
    assert patient_client.get(f"/uitslagen/beelden/{record_id}.0", query_string=mine).status_code == 404
    response = patient_client.get(f"/uitslagen/radiologie/{record_id}", query_string=mine)
    assert response.status_code == 404 and "Niet gevonden" in response.get_data(as_text=True)
    assert patient_client.get("/uitslagen/beelden/niets", query_string=mine).status_code == 404
