"""The inzagelog as FHIR R4: one ``AuditEvent`` per access, in a ``searchset`` Bundle.

Mapping (what a patient portal can rely on):
- ``recorded``: the time of the access (ISO 8601 with the Dutch offset);
- ``type``: DICOM 110110 "Patient Record"; ``action``: R (read, print, export), E (search),
  C (death notification, order);
- ``agent[0]``: the requesting provider: ``role`` = UZI role code (system
  urn:oid:2.16.840.1.113883.2.4.15.111) with the Dutch function name as display/text,
  ``who.display`` = the organisation/practice (the person is not named, as in the PDF);
- ``purposeOfEvent``: v3-ActReason ETREAT with the reason as ``text`` for an emergency
  access (noodprocedure), TREAT otherwise;
- ``entity[0]``: the patient by BSN (http://fhir.nl/fhir/NamingSystem/bsn);
  ``entity[1]``: what was viewed (``name`` = the data, ``description`` = Dutch activity);
- ``source``: the hospital (``site``) and the portal (``observer``).
"""
from __future__ import annotations

from .events import Action
from .inzagelog import AccessLogEntry

BSN_SYSTEM = "http://fhir.nl/fhir/NamingSystem/bsn"
UZI_ROLE_SYSTEM = "urn:oid:2.16.840.1.113883.2.4.15.111"
ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
FHIR_ACTIONS = {Action.SEARCH: "E", Action.LISTED: "E", Action.DEATH_NOTIFICATION: "C", Action.ORDER: "C",
                Action.CHANGE: "U"}


def audit_event(entry: AccessLogEntry, bsn: str, hospital: str, system: str) -> dict:
    purpose = ({"coding": [{"system": ACT_REASON, "code": "ETREAT", "display": "Emergency Treatment"}],
                "text": f"Noodprocedure: {entry.emergency_reason or 'reden onbekend'}"}
               if entry.emergency else
               {"coding": [{"system": ACT_REASON, "code": "TREAT", "display": "Treatment"}]})
    role: dict[str, object] = {"text": entry.function}
    if entry.role_code:
        role["coding"] = [{"system": UZI_ROLE_SYSTEM, "code": entry.role_code, "display": entry.function}]
    what = entry.activity.split(": ", 1)
    return {
        "resourceType": "AuditEvent",
        "id": f"{entry.tenant_id}-{entry.seq}",
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110110",
                 "display": "Patient Record"},
        "action": FHIR_ACTIONS.get(entry.action, "R"),
        "recorded": entry.occurred_at.isoformat(timespec="seconds"),
        "outcome": "0",
        "purposeOfEvent": [purpose],
        "agent": [{
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type",
                                 "code": "humanuser", "display": "human user"}]},
            "role": [role],
            "who": {"type": "Organization", "display": entry.organisation},
            "requestor": True,
        }],
        "source": {
            "site": hospital,
            "observer": {"display": system},
            "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4",
                      "display": "Application Server"}],
        },
        "entity": [
            {"what": {"identifier": {"system": BSN_SYSTEM, "value": bsn}},
             "type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1",
                      "display": "Person"},
             "role": {"system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1",
                      "display": "Patient"}},
            {"type": {"system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2",
                      "display": "System Object"},
             "name": what[1] if len(what) == 2 else what[0],
             "description": entry.activity},
        ],
    }


def searchset(entries: list[AccessLogEntry], bsn: str, hospital: str, system: str) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(entries),
        "entry": [{"resource": audit_event(e, bsn, hospital, system), "search": {"mode": "match"}}
                  for e in entries],
    }


def operation_outcome(code: str, text: str) -> dict:
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": text}]}
