"""Brieven open through the portal only; Signaleringen put infection risks first."""
from __future__ import annotations

import re
from datetime import date, datetime

from support.access import selected_context
from support.demo_epd import add_record, last_audit_record


def test_letters_list_links_to_the_portal_and_the_letter_opens(patient_client, connector, demo_patient, platform, app):
    letters = connector.list_letters(demo_patient.patient_id)
    assert letters
    html = patient_client.get("/dossier/brieven").get_data(as_text=True)
    links = re.findall(r'<a href="(/dossier/brieven/[^"]+)">', html)
    token = selected_context(patient_client)["patient_context"]
    assert links == [f"/dossier/brieven/{letter.id}?patient_context={token}" for letter in letters[:25]]
    response = patient_client.get(links[0])
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == connector.get_letter(demo_patient.patient_id, letters[0].id).data
    last = last_audit_record(platform, app.extensions["portal.tenant"].id)
    assert (last.action, last.data) == ("view", f"Brief {letters[0].id}")


def test_a_letter_of_another_patient_is_refused(patient_client, connector, demo_patient):
    theirs = connector.list_letters(demo_patient.other_patient_id)
    assert theirs
    mine = selected_context(patient_client)  # asked from a page of the selected patient
    response = patient_client.get(f"/dossier/brieven/{theirs[0].id}", query_string=mine)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Niet gevonden" in body and "Geachte collega" not in body
    assert patient_client.get("/dossier/brieven/geen-brief", query_string=mine).status_code == 404


def test_infection_risks_come_first_and_stand_out_in_words(patient_client, connector, demo_patient):
    add_record(connector, demo_patient.patient_id, "alert", {
        "kind": "infection_risk", "description": "MRSA-drager", "start": date(2020, 1, 1), "end": None, "note": None},
        datetime(2020, 1, 1))
    html = patient_client.get("/dossier/signaleringen").get_data(as_text=True)
    rows = re.findall(r'<tr class="alert-([a-z-]+)">', html)
    assert "infection-risk" in rows
    first_other = next((i for i, kind in enumerate(rows) if kind != "infection-risk"), len(rows))
    assert all(kind == "infection-risk" for kind in rows[:first_other])
    assert '<strong class="infection-risk">⚠ Besmettingsrisico</strong>' in html
    assert "MRSA-drager" in html
