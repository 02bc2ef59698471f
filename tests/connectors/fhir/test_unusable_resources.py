"""One unusable resource never blanks a list (docs/fhir-mapping.md, "Tolerance").

A FHIR server of its own holds the portal's test patients plus ``pt-odd``, a copy of
pt-jansen's record. Every list method is asked for pt-odd before and after an unusable
resource of its kind is added (a copy of a good one lacking what the screen needs): the
good items stay listed, and the log names the bad one by type and id, never its content.
"""
from __future__ import annotations

import copy
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest

from portal.epd import models as m
from portal.epd.contract import PATIENT_LIST_METHODS
from portal.epd.errors import EpdBadData, ItemNotFound, ItemUnusable
from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.testing import (
    PORTAL_PATIENTS_DIR,
    FhirTestServer,
    connector_settings,
    node_problem,
    read_resources,
    recent_resources,
)

#: Text only the unusable resources contain: it must never reach the log.
SECRET = "ONBRUIKBAAR-GEHEIM"
_EMER = {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"}


def _odd_copy(resources: list[dict]) -> list[dict]:
    """pt-jansen's resources as pt-odd's ("-jansen" -> "-odd" in ids and references)."""
    jansen = [r for r in resources if "jansen" in r["id"] and r["resourceType"] != "Practitioner"]
    return json.loads(json.dumps(jansen).replace("-jansen", "-odd"))


def _bad(by_id: dict[str, dict], source: str, new_id: str, *drop: str, **set_: object) -> dict:
    """A copy of ``source`` as ``new_id`` without the elements ``drop`` (dotted paths)."""
    resource = copy.deepcopy(by_id[source])
    resource["id"] = new_id
    for path in drop:
        *parents, leaf = path.split(".")
        node = resource
        for key in parents:
            node = node[key]
        node.pop(leaf, None)
    resource.update(set_)
    resource.setdefault("meta", {})["tag"] = [{"system": "urn:test", "code": SECRET}]
    return resource


def _unusable(odd: dict[str, dict], now: datetime) -> dict[str, list[dict]]:
    """Per list method, the resource(s) making one unusable item of that list; the last is
    the one the log must name."""
    arrived = (now - timedelta(days=1)).isoformat(timespec="seconds")
    no_birth = _bad(odd, "pt-odd", "pt-odd-unusable", "birthDate")
    return {
        "search_patients": [no_birth],
        "list_admitted_patients": [_bad(odd, "enc-odd-current", "enc-unusable-current", "period")],
        "list_emergency_visits": [{"resourceType": "Encounter", "id": "enc-unusable-seh", "status": "finished",
                                   "class": _EMER, "subject": {"reference": "Patient/pt-odd"},
                                   "reasonCode": [{"text": SECRET}], "period": {"end": arrived}}],
        "list_appointments": [_bad(odd, "appt-odd-past", "appt-unusable", "start", "end")],
        "list_operations": [
            _bad(odd, "appt-odd-operation", "appt-unusable-operation", "created",
                 basedOn=[{"reference": "ServiceRequest/sr-unusable-operation"}]),
            _bad(odd, "sr-odd-operation", "sr-unusable-operation")],
        "list_admissions": [_bad(odd, "enc-odd-admission", "enc-unusable-admission", "period")],
        "list_emergency_registrations": [_bad(odd, "enc-odd-seh", "enc-unusable-seh-old", "period")],
        "list_referrals": [_bad(odd, "sr-odd-referral", "sr-unusable-referral", "authoredOn")],
        "list_allergies": [_bad(odd, "allergy-odd-penicillin", "allergy-unusable", "code", "reaction")],
        "list_conditions": [_bad(odd, "cond-odd-hypertension", "cond-unusable", "code")],
        "list_diagnoses": [_bad(odd, "cond-odd-diabetes", "diag-unusable", "code")],
        "list_substance_use": [_bad(odd, "obs-odd-tobacco", "obs-unusable-tobacco", "valueCodeableConcept")],
        "list_state_observations": [_bad(odd, "obs-odd-mobility", "obs-unusable-mobility", "effectiveDateTime")],
        # A Device known by an identifier only: nothing to call it on the screen.
        "list_medical_aids": [
            {"resourceType": "Device", "id": "dev-unusable", "identifier": [{"system": "urn:test", "value": "x1"}]},
            _bad(odd, "dus-odd-rollator", "dus-unusable", device={"reference": "Device/dev-unusable"})],
        "list_medication": [_bad(odd, "mr-odd-metformine", "mr-unusable", "medicationCodeableConcept",
                                 medicationReference={"reference": "Medication/med-does-not-exist"})],
        "list_treatment_reports": [_bad(odd, "comp-odd-consult", "comp-unusable-consult", "date")],
        "list_nursing_reports": [_bad(odd, "comp-odd-nursing", "comp-unusable-nursing", "date")],
        "list_mdo_reports": [_bad(odd, "comp-odd-mdo", "comp-unusable-mdo", "date")],
        "list_letters": [_bad(odd, "doc-odd-letter", "doc-unusable", "date")],
        "list_alerts": [_bad(odd, "flag-odd-mrsa", "flag-unusable", "code")],
        "list_procedures": [_bad(odd, "proc-odd-pacemaker", "proc-unusable", "performedDateTime")],
        "list_nursing_problems": [_bad(odd, "np-odd-fall", "np-unusable", "recordedDate")],
        "list_nursing_care_plan": [_bad(odd, "cp-odd-nursing", "cp-unusable",
                                        activity=[{"detail": {"status": "in-progress"}}])],
        "list_nutrition": [_bad(odd, "no-odd-advice", "no-unusable", "oralDiet")],
        "list_treatment_restrictions": [_bad(odd, "td-odd-reanimatie", "td-unusable", "dateTime")],
        "list_lab_results": [_bad(odd, "lab-odd-glucose", "lab-unusable", "effectiveDateTime", "issued")],
        "list_measurements": [_bad(odd, "vs-odd-weight", "vs-unusable", "effectiveDateTime")],
        "list_microbiology": [_bad(odd, "dr-odd-urinekweek", "dr-unusable-mb", "effectiveDateTime", "issued")],
        "list_pathology": [_bad(odd, "dr-odd-pa", "dr-unusable-pa", "effectiveDateTime", "issued")],
        "list_imaging": [_bad(odd, "dr-odd-thorax", "dr-unusable-rad", "effectiveDateTime", "issued",
                              imagingStudy=[])],
        "list_orders": [_portal_order("sr-unusable-order", authored=None)],
        "order_catalogue": [{"resourceType": "ActivityDefinition", "id": "ad-unusable", "status": "active",
                             "kind": "ServiceRequest", "title": SECRET}],
    }


def _portal_order(resource_id: str, authored: str | None) -> dict:
    order = {"resourceType": "ServiceRequest", "id": resource_id, "status": "active", "intent": "order",
             "meta": {"tag": [{"system": "urn:zorgverlenersportaal:source", "code": "portal"}]},
             "requisition": {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{resource_id}"},
             "code": {"coding": [{"system": "urn:test", "code": "HB"}]}, "subject": {"reference": "Patient/pt-odd"},
             "reasonCode": [{"text": SECRET if authored is None else "Anemie?"}]}
    if authored:
        order["authoredOn"] = authored
    return order


LIST_METHODS = frozenset({*PATIENT_LIST_METHODS, "search_patients", "list_admitted_patients",
                          "list_emergency_visits", "list_orders", "order_catalogue"})
#: Lists where no realistic resource of the kind can be unusable: the kind is chosen by
#: Device.type, whose coding always names the device. Their mapper is the one of medical
#: aids, tested there.
DEVICE_KINDS_BY_TYPE = {"list_implants", "list_inserted_materials"}


def _read(connector: FhirConnector, method: str, now: datetime):
    if method == "search_patients":
        return connector.search_patients(m.SearchCriteria.by_address("7513ER", 55))
    if method == "list_admitted_patients":
        return connector.list_admitted_patients()
    if method == "list_emergency_visits":
        return connector.list_emergency_visits(now.replace(tzinfo=None) - timedelta(days=7))
    if method == "order_catalogue":
        return connector.order_catalogue()
    return getattr(connector, method)("pt-odd")


def _key(item) -> str:
    """What must not change: the item, but of a patient only who it is (the unusable
    resources of other lists add a referral relation to pt-odd's summary)."""
    if isinstance(item, m.PatientSummary):
        return item.patient_id
    patient = getattr(item, "patient", None)
    if isinstance(patient, m.PatientSummary):
        return f"{patient.patient_id} {item!r}".replace(repr(patient), "")
    return repr(item)


@pytest.fixture(scope="module")
def odd_world(tmp_path_factory):
    """(connector, unusable resources per method, what each method listed before they came)."""
    problem = node_problem()
    if problem:
        pytest.skip(problem)
    now = datetime.now(timezone.utc)
    base = read_resources(PORTAL_PATIENTS_DIR)
    odd = _odd_copy(base)
    good_order = _portal_order("sr-good-order", authored="2025-01-02T10:00:00+01:00")
    with FhirTestServer.start() as server:
        server.load(base + odd + recent_resources(now) + [good_order])
        connector = FhirConnector(connector_settings(server), tmp_path_factory.mktemp("odd"))
        try:
            unusable = _unusable({r["id"]: r for r in odd}, now)
            before = {method: _read(connector, method, now) for method in LIST_METHODS}
            server.load([r for resources in unusable.values() for r in resources] + _images(odd))
            yield connector, unusable, before, now
        finally:
            connector.close()


def test_every_list_method_has_an_unusable_case(odd_world):
    _, unusable, _, _ = odd_world
    assert set(unusable) == LIST_METHODS - DEVICE_KINDS_BY_TYPE


@pytest.mark.parametrize("method", sorted(LIST_METHODS - DEVICE_KINDS_BY_TYPE))
def test_one_unusable_resource_leaves_the_good_ones_listed(odd_world, method, caplog):
    connector, unusable, before, now = odd_world
    assert before[method], f"{method}: the test data gives pt-odd nothing to list"
    caplog.set_level(logging.WARNING, logger="portal_connectors.fhir")
    after = _read(connector, method, now)
    assert set(map(_key, before[method])) <= set(map(_key, after)), method
    assert SECRET not in repr(after)
    bad = unusable[method][-1]
    label = bad["resourceType"] if bad["resourceType"] == "Patient" else f"{bad['resourceType']}/{bad['id']}"
    lines = [r.getMessage() for r in caplog.records if "left out" in r.getMessage()]
    assert any(label in line for line in lines), (method, lines)
    assert SECRET not in caplog.text
    assert "pt-odd-unusable" not in caplog.text and "999999096" not in caplog.text  # no patient identifiers


def test_a_list_of_only_unusable_resources_fails(odd_world):
    connector, _, _, _ = odd_world
    # pt-odd-unusable's own record: its one usable fact (the Patient) lacks a birth date.
    with pytest.raises(EpdBadData):
        connector.get_patient_summary("pt-odd-unusable")


# --------------------------------------------------------------------------- images that can never be shown


def _images(odd: list[dict]) -> list[dict]:
    """A radiology report with a PNG on the server, a DICOM file and a PNG on another host."""
    by_id = {r["id"]: r for r in odd}
    subject = {"reference": "Patient/pt-odd"}
    dicom = {"resourceType": "Media", "id": "media-odd-dicom", "status": "completed", "subject": subject,
             "content": {"contentType": "application/dicom", "data": "RElDTQ==", "title": "CT slice"}}
    elsewhere = {"resourceType": "Media", "id": "media-odd-elsewhere", "status": "completed", "subject": subject,
                 "content": {"contentType": "image/png", "url": "https://pacs.example.org/images/1.png"}}
    report = copy.deepcopy(by_id["dr-odd-thorax"])
    report.update(id="dr-odd-images", media=[{"link": {"reference": f"Media/{m}"}}
                                             for m in ("media-odd-thorax", "media-odd-dicom", "media-odd-elsewhere")])
    return [dicom, elsewhere, report]


def test_a_file_no_browser_shows_is_not_offered(odd_world):
    connector = odd_world[0]
    report = next(r for r in connector.list_imaging("pt-odd") if r.id == "dr-odd-images")
    assert [(i.id, i.content_type) for i in report.images] == [
        ("media-odd-thorax", "image/png"), ("media-odd-elsewhere", "image/png")]
    with pytest.raises(ItemNotFound):  # never linked, so not an image of the report
        connector.get_image("pt-odd", "media-odd-dicom")


def test_an_image_outside_the_fhir_server_is_unusable_not_unreachable(odd_world):
    connector = odd_world[0]
    assert connector.get_image("pt-odd", "media-odd-thorax").data.startswith(b"\x89PNG")
    with pytest.raises(ItemUnusable):
        connector.get_image("pt-odd", "media-odd-elsewhere")
