"""Brieven open through the portal only; Signaleringen put infection risks first."""
from __future__ import annotations

import re
from datetime import date, datetime

from markupsafe import escape

from portal.core.formatting import nl_date
from portal.epd.models import Document
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
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-src" not in response.headers["Content-Security-Policy"]  # a text letter frames nothing
    body = response.get_data(as_text=True)
    letter = letters[0]
    # Inside the portal: the patient bar, the letter's title, author and date, the way back.
    assert 'data-testid="patient-banner"' in body
    assert f"<h1>{escape(letter.title)}</h1>" in body
    assert escape(letter.author) in body and nl_date(letter.date) in body
    assert '<a href="/dossier/brieven">Terug naar Brieven</a>' in body
    text = connector.get_letter(demo_patient.patient_id, letter.id).data.decode()
    # The text in the page, escaped, its line breaks kept (the element keeps white space).
    assert f'<div class="letter-text" data-testid="letter-text">{escape(text)}</div>' in body
    last = last_audit_record(platform, app.extensions["portal.tenant"].id)
    assert (last.action, last.data) == ("view", f"Brief {letters[0].id}")


def _pdf_letter(connector, monkeypatch, patient_id: str, data: bytes = b"%PDF-1.4 <script>x</script>"):
    own = connector.get_letter

    def get_letter(asked_patient: str, letter_id: str) -> Document:
        document = own(asked_patient, letter_id)
        return Document(content_type="application/pdf", data=data, title=document.title)

    monkeypatch.setattr(connector, "get_letter", get_letter)
    return connector.list_letters(patient_id)[0]


def test_a_pdf_letter_is_shown_in_a_frame_of_the_portal_with_a_download(
        patient_client, connector, demo_patient, platform, app, monkeypatch):
    letter = _pdf_letter(connector, monkeypatch, demo_patient.patient_id)
    mine = selected_context(patient_client)
    token = mine["patient_context"]
    response = patient_client.get(f"/dossier/brieven/{letter.id}", query_string=mine)
    assert response.status_code == 200 and response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    assert "frame-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    body = response.get_data(as_text=True)
    file_url = f"/dossier/brieven/{letter.id}/bestand?patient_context={token}"
    assert f'<iframe class="letter-document" src="{file_url}"' in body
    assert f'href="{file_url}" download>Brief downloaden</a>' in body
    assert "%PDF" not in body

    pdf = patient_client.get(file_url)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("inline; filename=")
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.headers["Cache-Control"] == "no-store"
    # Framed by the portal's own page only, never by another site; it loads nothing itself.
    assert pdf.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'self'"
    assert pdf.headers["X-Frame-Options"] == "SAMEORIGIN"
    last = last_audit_record(platform, app.extensions["portal.tenant"].id)
    assert (last.action, last.data) == ("view", f"Brief {letter.id} (bestand)")


def test_the_letter_file_needs_the_patient_context_of_its_page(
        patient_client, connector, demo_patient, platform, app, monkeypatch):
    letter = _pdf_letter(connector, monkeypatch, demo_patient.patient_id)
    tenant_id = app.extensions["portal.tenant"].id
    before = last_audit_record(platform, tenant_id).seq
    for query in ({}, {"patient_context": "verlopen"}):
        response = patient_client.get(f"/dossier/brieven/{letter.id}/bestand", query_string=query)
        assert response.status_code == 409 and response.mimetype == "text/html"
        assert b"%PDF" not in response.data
    assert last_audit_record(platform, tenant_id, action="view").seq <= before
    # Another patient's letter through the file route: unknown here.
    theirs = connector.list_letters(demo_patient.other_patient_id)[0]
    mine = selected_context(patient_client)
    assert patient_client.get(f"/dossier/brieven/{theirs.id}/bestand", query_string=mine).status_code == 404


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
