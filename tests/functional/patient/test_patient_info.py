"""Patiëntinformatie (manual 2.2) per tenant, against the demo EPD."""
from __future__ import annotations

from dataclasses import replace

from markupsafe import escape
from stdnum.nl import bsn as nl_bsn

from support.screens import epd_down, open_patient, text


def test_shows_every_field_of_the_manuals_example(gp, demo, app):
    open_patient(gp, demo.patient)
    details = app.extensions["portal.connector"].get_patient(demo.patient.patient_id)
    html = text(gp.get("/patientinformatie"))
    for heading in ("Patiëntgegevens", "Huisartsgegevens", "Tandartsgegevens", "Apotheekgegevens",
                    "Verzekeringsgegevens", "Melden overlijden patiënt"):
        assert heading in html
    p = details.summary
    expected = [p.display_name, p.patient_number, nl_bsn.format(p.bsn), p.birth_date.strftime("%d-%m-%Y"),
                {"male": "Man", "female": "Vrouw"}.get(p.sex.value, ""), details.address.street_line,
                details.address.postcode_display, details.address.city, details.phone_mobile or "", details.email or "",
                details.gp.name, details.insurance.company, details.insurance.policy_number,
                details.insurance.start_date.strftime("%d-%m-%Y")]
    if details.pharmacy:
        expected.append(details.pharmacy.name)
    for value in expected:
        assert str(escape(value)) in html, value
    for label in ("Naam", "Patiëntnummer", "BSN", "Geboortedatum", "Geslacht", "Adres", "Postcode", "Woonplaats",
                  "Mobiel telefoonnummer", "E-mailadres", "Huisarts", "Verzekeringsmaatschappij", "Polisnummer",
                  "Ingangsdatum"):
        assert f"<dt>{label}</dt>" in html


def test_unknown_dentist_in_the_manuals_words(gp, demo, app, monkeypatch):
    open_patient(gp, demo.patient)
    connector = app.extensions["portal.connector"]
    real = connector.get_patient
    monkeypatch.setattr(connector, "get_patient", lambda pid: replace(real(pid), dentist=None))
    assert "Wij weten niet welke tandarts u heeft" in text(gp.get("/patientinformatie"))


def test_known_dentist_is_shown(gp, demo, app):
    details = app.extensions["portal.connector"].get_patient(demo.patient.patient_id)
    open_patient(gp, demo.patient)
    html = text(gp.get("/patientinformatie"))
    if details.dentist:
        assert str(escape(details.dentist.name)) in html and "Wij weten niet welke tandarts" not in html
    else:
        assert "Wij weten niet welke tandarts u heeft" in html


def test_an_epd_outage_shows_a_dutch_message_not_an_error(gp, demo, app, monkeypatch):
    open_patient(gp, demo.patient)
    epd_down(monkeypatch, app.extensions["portal.connector"], "get_patient")
    response = gp.get("/patientinformatie")
    assert response.status_code == 200
    assert "Deze gegevens zijn op dit moment niet beschikbaar." in text(response)


def test_without_a_selected_patient_nothing_is_shown(gp):
    response = gp.get("/patientinformatie")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ("Geen patiënt geselecteerd" in html and 'href="/patient-zoeken"' in html
            and 'href="/patient-zoeken/recente"' in html)
