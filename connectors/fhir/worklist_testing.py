"""Test resources of "Mijn patiënten in het ziekenhuis", dated relative to now (loaded with
the other test resources by ``testing.shared_server``): for pt-devries (GP AGB 01456789) a
stay that ended yesterday with its discharge letter, a CT report of two days ago, and an
Encounter without a discharge moment (unusable: it must leave out that line only); for
pt-jansen a discharge of another practice, without a letter."""
from __future__ import annotations

import base64
from datetime import datetime, timedelta

LOINC = "http://loinc.org"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
SECTION = "http://terminology.hl7.org/CodeSystem/v2-0074"


def _at(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _stay(encounter_id: str, patient: str, start: datetime, end: datetime | None, specialty: str) -> dict:
    period = {"start": _at(start), **({"end": _at(end)} if end else {})}
    return {"resourceType": "Encounter", "id": encounter_id, "status": "finished",
            "class": {"system": ACT_CODE, "code": "IMP"}, "subject": {"reference": f"Patient/{patient}"},
            "serviceType": {"text": specialty}, "period": period,
            "location": [{"location": {"display": f"Verpleegafdeling {specialty}"}}],
            "hospitalization": {"dischargeDisposition": {"text": "Naar huis"}}}


def worklist_resources(now: datetime) -> list[dict]:
    discharged = now - timedelta(days=1)
    letter = "Geachte collega, uw patiënte werd ontslagen na een opname wegens pneumonie."
    return [
        _stay("enc-wl-devries", "pt-devries", now - timedelta(days=4), discharged, "Longgeneeskunde"),
        {"resourceType": "DocumentReference", "id": "doc-wl-devries-ontslag", "status": "current",
         "docStatus": "final", "subject": {"reference": "Patient/pt-devries"},
         "type": {"coding": [{"system": LOINC, "code": "18842-5", "display": "Ontslagbrief"}]},
         "date": _at(discharged + timedelta(hours=4)), "description": "Ontslagbrief longgeneeskunde",
         "context": {"encounter": [{"reference": "Encounter/enc-wl-devries"}],
                     "practiceSetting": {"text": "Longgeneeskunde"}},
         "content": [{"attachment": {"contentType": "text/plain",
                                     "data": base64.b64encode(letter.encode()).decode()}}]},
        {"resourceType": "DiagnosticReport", "id": "dr-wl-devries-ct", "status": "final",
         "category": [{"coding": [{"system": SECTION, "code": "RAD", "display": "Radiologie"}]}],
         "code": {"text": "CT thorax"}, "subject": {"reference": "Patient/pt-devries"},
         "effectiveDateTime": _at(now - timedelta(days=2, hours=3)), "issued": _at(now - timedelta(days=2)),
         "conclusion": "Consolidatie rechter onderkwab, passend bij pneumonie."},
        _stay("enc-wl-devries-unusable", "pt-devries", now - timedelta(days=9), None, "Interne geneeskunde"),
        _stay("enc-wl-smit", "pt-smit", now - timedelta(days=6), now - timedelta(days=3), "Cardiologie"),
    ]
