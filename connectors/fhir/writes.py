"""Aanvragen and Melden overlijden patiënt as FHIR resources.

- The order catalogue: active ActivityDefinitions (kind ServiceRequest); ``topic`` is the
  category shown, ``code`` the test.
- An order: one ServiceRequest per test, sharing one ``requisition`` identifier (the order's
  reference), sent in one transaction so an order is stored whole or not at all. The GP is
  the requester as a logical reference (AGB identifier + name): the hospital need not know
  them as a Practitioner.
- A death notification: a Task (status requested) focused on the Patient, with the date
  and place of death as inputs, for the hospital's staff to verify; the Patient itself is
  not changed.
"""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from portal.epd.models import (
    DeathNotification,
    Order,
    OrderableTest,
    OrderRequest,
    OrderStatus,
)

from .patients import Unmappable
from .settings import AGB_SYSTEM, SNOMED
from .values import concept_text, dicts, display, first_code, first_text, get, notes, parse_date, parse_datetime, text

#: Identifier system of the requisition the portal gives each order (an RFC 3986 URN: urn:uuid:...).
REQUISITION_SYSTEM = "urn:ietf:rfc:3986"
UZI_SYSTEM = "http://fhir.nl/fhir/NamingSystem/uzi-nr-pers"
PORTAL_TAG = {"system": "urn:zorgverlenersportaal:source", "code": "portal"}
_DEATH = {"system": SNOMED, "code": "419620001", "display": "Overlijden"}
_ORDER_STATUS = {"active": OrderStatus.SUBMITTED, "on-hold": OrderStatus.SUBMITTED, "completed": OrderStatus.COMPLETED,
                 "revoked": OrderStatus.CANCELLED}


def orderable(definition: dict) -> OrderableTest | None:
    if definition.get("status") != "active" or definition.get("kind") not in (None, "ServiceRequest"):
        return None
    code, _ = first_code(definition.get("code"))
    name = text(definition.get("title")) or concept_text(definition.get("code"))
    if code is None or name is None:
        raise Unmappable("orderable test without a code or name")
    return OrderableTest(code=code, name=name, category=first_text(definition.get("topic")) or "")


def _requester(name: str, agb: str, uzi: str | None) -> dict:
    ref: dict[str, Any] = {"identifier": {"system": AGB_SYSTEM, "value": agb}, "display": name}
    if uzi:
        ref["extension"] = [{"url": "urn:zorgverlenersportaal:requester-uzi",
                             "valueIdentifier": {"system": UZI_SYSTEM, "value": uzi}}]
    return ref


def order_bundle(patient_id: str, order: OrderRequest, tests: list[OrderableTest], codings: dict[str, dict],
                 performer: str | None, now: datetime) -> tuple[str, dict]:
    """(order reference, transaction Bundle) for an order of ``tests``."""
    requisition = f"urn:uuid:{uuid.uuid4()}"
    entries = []
    for test in tests:
        request = {
            "resourceType": "ServiceRequest", "meta": {"tag": [PORTAL_TAG]},
            "requisition": {"system": REQUISITION_SYSTEM, "value": requisition},
            "status": "active", "intent": "order", "priority": "urgent" if order.urgent else "routine",
            "code": {"coding": [codings[test.code]], "text": test.name},
            "category": [{"text": test.category}] if test.category else [],
            "subject": {"reference": f"Patient/{patient_id}"},
            "authoredOn": now.isoformat(timespec="seconds"),
            "requester": _requester(order.requester_name, order.requester_agb, order.requester_uzi),
            "reasonCode": [{"text": order.clinical_question}],
        }
        if order.requested_date:
            request["occurrenceDateTime"] = order.requested_date.isoformat()
        if order.note:
            request["note"] = [{"text": order.note}]
        if performer:
            request["performer"] = [{"reference": performer}]
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": request,
                        "request": {"method": "POST", "url": "ServiceRequest"}})
    return requisition, {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def requisition_of(request: dict) -> str | None:
    value = get(request, "requisition", "value")
    return value if get(request, "requisition", "system") == REQUISITION_SYSTEM and isinstance(value, str) else None


def order_groups(requests: list[dict]) -> list[list[dict]]:
    """The portal's ServiceRequests grouped by requisition: one group per order."""
    groups: dict[str, list[dict]] = {}
    for request in requests:
        key = requisition_of(request)
        if key and request.get("status") in _ORDER_STATUS and PORTAL_TAG in list(dicts(get(request, "meta", "tag"))):
            groups.setdefault(key, []).append(request)
    return list(groups.values())


def order(members: list[dict], catalogue: dict[str, OrderableTest]) -> Order:
    """The Order of one group of ``order_groups``; raises ``Unmappable`` without a date."""
    first = members[0]
    submitted = parse_datetime(first.get("authoredOn"))
    if submitted is None:
        raise Unmappable("order without a submission date")
    states = {_ORDER_STATUS[m["status"]] for m in members}
    if states == {OrderStatus.CANCELLED}:
        status = OrderStatus.CANCELLED
    elif states <= {OrderStatus.COMPLETED, OrderStatus.CANCELLED}:
        status = OrderStatus.COMPLETED
    elif any(m.get("occurrencePeriod") for m in members if m["status"] == "active"):
        # The portal sends a desired date (occurrenceDateTime); the hospital books a slot
        # by setting occurrencePeriod.
        status = OrderStatus.SCHEDULED
    else:
        status = OrderStatus.SUBMITTED
    tests = []
    for member in members:
        code, _ = first_code(member.get("code"))
        tests.append(catalogue.get(code or "")
                     or OrderableTest(code=code or "", name=concept_text(member.get("code")) or "",
                                      category=first_text(member.get("category")) or ""))
    requester = first.get("requester")
    agb = get(requester, "identifier", "value") if get(requester, "identifier", "system") == AGB_SYSTEM else None
    return Order(id=requisition_of(first) or "", submitted_at=submitted, status=status, tests=tuple(tests),
                 clinical_question=first_text(first.get("reasonCode")) or "",
                 requester_name=display(requester) or "",
                 requester_agb=agb, urgent=first.get("priority") in ("urgent", "asap", "stat"),
                 requested_date=parse_date(first.get("occurrenceDateTime")), note=notes(first))


def death_task(patient_id: str, notification: DeathNotification, now: datetime) -> dict:
    inputs = [{"type": {"text": "Datum overlijden"}, "valueDate": notification.date_of_death.isoformat()}]
    if notification.place_of_death:
        inputs.append({"type": {"text": "Plaats overlijden"}, "valueString": notification.place_of_death})
    task = {
        "resourceType": "Task", "meta": {"tag": [PORTAL_TAG]}, "status": "requested", "intent": "order",
        "priority": "routine", "code": {"coding": [_DEATH], "text": "Melding overlijden patiënt"},
        "focus": {"reference": f"Patient/{patient_id}"}, "for": {"reference": f"Patient/{patient_id}"},
        "authoredOn": (notification.reported_at or now).isoformat(timespec="seconds"),
        "requester": _requester(notification.reporter_name, notification.reporter_agb, notification.reporter_uzi),
        "input": inputs,
    }
    if notification.note:
        task["note"] = [{"text": notification.note}]
    return task


def death_date_problem(notification: DeathNotification, birth_date: date, today: date) -> str | None:
    if notification.date_of_death > today:
        return "date of death lies in the future"
    if notification.date_of_death < birth_date:
        return "date of death lies before the date of birth"
    if not notification.reporter_agb or not notification.reporter_name:
        return "reporter name and AGB code are required"
    return None


def utcnow() -> datetime:
    return datetime.now(timezone.utc)
