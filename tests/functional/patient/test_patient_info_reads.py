"""Patiëntinformatie reads the patient from the EPD once: the guard decides on the summary
inside the details it reads, and the view shows those details."""
from __future__ import annotations

from support.screens import epd_down, open_patient, text


def _count(monkeypatch, connector, *names: str) -> dict[str, int]:
    calls = dict.fromkeys(names, 0)
    for name in names:
        real = getattr(connector, name)

        def counted(*args, _real=real, _name=name, **kwargs):
            calls[_name] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(connector, name, counted)
    return calls


def test_one_epd_read_for_the_page(gp, demo, app, monkeypatch):
    open_patient(gp, demo.patient)
    connector = app.extensions["portal.connector"]
    calls = _count(monkeypatch, connector, "get_patient", "get_patient_summary")
    html = text(gp.get("/patientinformatie"))
    assert demo.patient.display_name in html and "Huisartsgegevens" in html
    assert calls == {"get_patient": 1, "get_patient_summary": 0}


def test_details_unavailable_falls_back_to_the_summary_for_the_decision(gp, demo, app, monkeypatch):
    open_patient(gp, demo.patient)
    connector = app.extensions["portal.connector"]
    epd_down(monkeypatch, connector, "get_patient")
    calls = _count(monkeypatch, connector, "get_patient_summary")
    response = gp.get("/patientinformatie")
    assert response.status_code == 200
    assert demo.patient.display_name in text(response)  # the summary still shows, as before
    assert calls == {"get_patient_summary": 1}
