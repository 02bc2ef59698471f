"""Zorgmomenten: Appointment, Encounter, ServiceRequest (+Appointment, Procedure) -> view models.

Each mapper takes one resource (and what it needs beside it) and returns a model, or None
when the resource is not to be shown (not approved, cancelled by mistake, another kind);
it raises ``Unmappable`` when the resource lacks what the model requires.
"""
from __future__ import annotations

from datetime import date, datetime

from portal.epd.models import (
    Admission,
    AdmissionStatus,
    Appointment,
    AppointmentStatus,
    EmergencyVisit,
    Operation,
    OperationStatus,
    Referral,
)

from .patients import Unmappable, is_open_referral, referral_valid_until
from .settings import AGB_SYSTEM, Settings
from .values import (
    concept_text,
    dicts,
    display,
    first_text,
    get,
    has_token,
    lookup,
    parse_date,
    parse_datetime,
    reference,
    text,
)

INPATIENT_CLASSES = {"IMP", "ACUTE", "NONAC"}
EMERGENCY_CLASSES = {"EMER"}
_APPOINTMENT_STATUS = {
    "proposed": AppointmentStatus.PLANNED, "pending": AppointmentStatus.PLANNED, "booked": AppointmentStatus.PLANNED,
    "arrived": AppointmentStatus.PLANNED, "checked-in": AppointmentStatus.PLANNED,
    "waitlist": AppointmentStatus.PLANNED, "fulfilled": AppointmentStatus.COMPLETED,
    "cancelled": AppointmentStatus.CANCELLED, "noshow": AppointmentStatus.NO_SHOW,
}
_NOT_SHOWN = {"entered-in-error", "draft", "unknown"}


def _participant(resource: dict, resource_type: str) -> dict | None:
    for participant in dicts(resource.get("participant")):
        actor = participant.get("actor") or participant.get("individual")
        ref = reference(actor) or ""
        if ref.startswith(resource_type + "/") or get(actor, "type") == resource_type:
            return actor
    return None


def appointment(resource: dict) -> Appointment | None:
    status = lookup(_APPOINTMENT_STATUS, resource.get("status"))
    if status is None:
        return None
    start = parse_datetime(resource.get("start"))
    if start is None:
        raise Unmappable("appointment without a start")
    practitioner = _participant(resource, "Practitioner") or _participant(resource, "PractitionerRole")
    location = _participant(resource, "Location")
    return Appointment(
        id=resource["id"], start=start, end=parse_datetime(resource.get("end")),
        specialty=first_text(resource.get("specialty")) or first_text(resource.get("serviceType")) or "",
        description=text(resource.get("description")) or concept_text(resource.get("appointmentType"))
        or first_text(resource.get("serviceType")) or "",
        practitioner=display(practitioner), location=display(location), status=status)


def encounter_class(resource: dict) -> str | None:
    return text(get(resource, "class", "code"))


def _hospital_stay(resource: dict, key: str) -> str | None:
    return concept_text(get(resource, "hospitalization", key))


def _main_practitioner(resource: dict) -> str | None:
    participants = list(dicts(resource.get("participant")))
    for participant in participants:
        if any(c in ("ATND", "PPRF") for t in dicts(participant.get("type")) for c in
               [x.get("code") for x in dicts(t.get("coding"))]):
            return display(participant.get("individual"))
    return display(participants[0].get("individual")) if participants else None


def admission(resource: dict, now: datetime) -> Admission | None:
    if encounter_class(resource) not in INPATIENT_CLASSES:
        return None
    state = resource.get("status")
    status = lookup({"planned": AdmissionStatus.PLANNED, "arrived": AdmissionStatus.CURRENT,
                     "in-progress": AdmissionStatus.CURRENT, "onleave": AdmissionStatus.CURRENT,
                     "triaged": AdmissionStatus.CURRENT, "finished": AdmissionStatus.DISCHARGED}, state)
    if status is None:
        return None
    admitted = parse_datetime(get(resource, "period", "start"))
    if admitted is None:
        raise Unmappable("admission without a start")
    location = next(dicts(resource.get("location")), {})
    return Admission(
        id=resource["id"], admitted_at=admitted, discharged_at=parse_datetime(get(resource, "period", "end")),
        status=status, specialty=concept_text(resource.get("serviceType")) or "",
        department=display(location.get("location")), practitioner=_main_practitioner(resource),
        reason=first_text(resource.get("reasonCode")) or _diagnosis_display(resource), room=None)


def _diagnosis_display(resource: dict) -> str | None:
    for item in dicts(resource.get("diagnosis")):
        if display(item.get("condition")):
            return display(item["condition"])
    return None


def emergency_visit(resource: dict) -> EmergencyVisit | None:
    if (encounter_class(resource) not in EMERGENCY_CLASSES
            or resource.get("status") in ("cancelled", "entered-in-error", "planned")):
        return None
    arrived = parse_datetime(get(resource, "period", "start"))
    if arrived is None:
        raise Unmappable("emergency visit without an arrival time")
    return EmergencyVisit(
        id=resource["id"], arrived_at=arrived, departed_at=parse_datetime(get(resource, "period", "end")),
        complaint=first_text(resource.get("reasonCode")) or "", triage=concept_text(resource.get("priority")),
        specialty=concept_text(resource.get("serviceType")), diagnosis=_diagnosis_display(resource),
        practitioner=_main_practitioner(resource), discharge=_hospital_stay(resource, "dischargeDisposition"),
        referred_by=_hospital_stay(resource, "admitSource"))


def referral(resource: dict, settings: Settings, today: date) -> Referral | None:
    if not is_open_referral(resource, settings, today):
        return None
    referred_on = parse_date(resource.get("authoredOn"))
    if referred_on is None:
        raise Unmappable("referral without a date")
    requester = resource.get("requester")
    logical = get(requester, "identifier")
    agb = text(logical.get("value")) if isinstance(logical, dict) and logical.get("system") == AGB_SYSTEM else None
    return Referral(
        id=resource["id"], referred_on=referred_on, referrer_name=display(requester) or "",
        referrer_agb=agb,
        specialty=concept_text(resource.get("performerType")) or concept_text(resource.get("code")) or "",
        reason=first_text(resource.get("reasonCode")), valid_until=referral_valid_until(resource))


def operation(request: dict, appointments: list[dict], procedures: list[dict], settings: Settings) -> Operation | None:
    """An operation: a ServiceRequest with ``codes.operation`` placed the patient on the list
    (authoredOn); an Appointment based on it means the patient was called (its ``created``),
    planned at its ``start`` (status waitlist: still on the waiting list); a completed or
    running Procedure based on it makes it post-operative. Never called: not shown."""
    if (request.get("status") not in ("active", "completed")
            or not has_token(request.get("category"), settings.codes.operation)):
        return None
    listed = parse_date(request.get("authoredOn"))
    ref = f"ServiceRequest/{request['id']}"
    booked = [a for a in appointments if ref in {reference(b) for b in dicts(a.get("basedOn"))}
              and a.get("status") not in ("cancelled", "entered-in-error", "noshow")]
    done = [p for p in procedures if ref in {reference(b) for b in dicts(p.get("basedOn"))}
            and p.get("status") in ("in-progress", "completed")]
    if not booked or listed is None:
        return None
    appointment_ = max(booked, key=lambda a: a.get("created") or "")
    called = parse_date(appointment_.get("created"))
    if called is None:
        raise Unmappable("operation appointment without a creation date")
    performed = None
    if done:
        procedure = done[0]
        performed = (parse_datetime(procedure.get("performedDateTime"))
                     or parse_datetime(get(procedure, "performedPeriod", "start")))
        status = OperationStatus.POST_OPERATIVE
    elif appointment_.get("status") == "waitlist":
        status = OperationStatus.WAITING_LIST
    else:
        status = OperationStatus.PLANNED
    surgeon = next((display(p) for p in dicts(request.get("performer")) if display(p)), None)
    return Operation(
        id=request["id"], procedure=concept_text(request.get("code")) or "",
        specialty=concept_text(request.get("performerType")) or first_text(appointment_.get("specialty")) or "",
        surgeon=surgeon or display(_participant(appointment_, "Practitioner")), status=status, listed_on=listed,
        called_on=called,
        planned_at=None if status == OperationStatus.WAITING_LIST else parse_datetime(appointment_.get("start")),
        performed_at=performed, location=display(_participant(appointment_, "Location")))
