"""The worklist's events, for the page and for the notification e-mail alike.

``collect`` asks the connector for the provider's practices only (their own AGB, their
practice's, the practices they cover today: never patient identifiers) and keeps the
patients the access rule lets this provider open *as their own*: with consent and registered
with them, their practice or a practice they cover. A referral or the noodprocedure does not
put someone on "my patients".

Moments: an aware datetime is a moment; a naive one from the EPD is a hospital wall time
(``HospitalClock.localize``). "The last 14 days" start at the hospital's midnight.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access.decision import Decision, ProviderFacts, decide
from ..access.models import CoveringAuthorisation
from ..accounts.models import Account
from ..clock import HospitalClock
from ..epd.models import PatientSummary

#: Discharges shown: those of the last 14 days (and today).
DISCHARGE_DAYS = 14
#: SEH visits shown: those of the last 7 days (as the SEH overzicht).
EMERGENCY_DAYS = 7
#: A first look (no earlier one recorded): letters and reports of this many days are new.
FIRST_LOOK_DAYS = 14
#: The grounds that make a patient "mine" (``decision.relation_grounds``).
OWN_GROUNDS = frozenset({"consent+registered_gp", "consent+registered_gp_practice", "consent+covering_practice"})
#: The discharge letter is due within 24 hours of the discharge (the hospitals' agreement).
LETTER_DUE = timedelta(hours=24)


class EventKind(StrEnum):
    """A kind of worklist event; the value is the filter in the URL (``?soort=``)."""

    ADMITTED = "opgenomen"
    DISCHARGED = "ontslagen"
    EMERGENCY = "seh"
    DOCUMENT = "documenten"


#: The filter buttons' labels, in the page's order.
KIND_LABELS = {EventKind.ADMITTED: "Opgenomen", EventKind.DISCHARGED: "Ontslagen", EventKind.EMERGENCY: "SEH-bezoek",
               EventKind.DOCUMENT: "Nieuwe brieven en verslagen"}


@dataclass(frozen=True)
class Event:
    """One line of the worklist: ``entry`` is an ``Admission`` (admitted), a
    ``DischargeEntry`` (discharged), an ``EmergencyVisit`` or a ``NewDocumentEntry``; ``at``
    the moment it happened (aware), by which the list is ordered, newest first."""

    kind: EventKind
    patient: PatientSummary
    at: datetime
    entry: Any
    decision: Decision

    @property
    def key(self) -> str:
        """Stable identity of the event (kind and the EPD's id of the entry), never shown."""
        entry = self.entry
        item = getattr(entry, "admission", entry)
        return f"{self.kind.value}:{self.patient.patient_id}:{getattr(item, 'id', '')}"


def practice_codes(provider: ProviderFacts) -> set[str]:
    """The AGB codes the connector selects "my patients" by."""
    return {code for code in (provider.agb_code, provider.practice_agb, *provider.covered_practice_agbs) if code}


def day_start(clock: HospitalClock, days_back: int) -> datetime:
    """The hospital's midnight ``days_back`` days before today, as a moment."""
    return clock.localize(datetime.combine(clock.today() - timedelta(days=days_back), time.min))


def collect(connector, provider: ProviderFacts, clock: HospitalClock, documents_since: datetime) -> list[Event]:
    """Every event of the provider's own patients, newest first: admitted now, discharged
    since ``DISCHARGE_DAYS``, at the SEH since ``EMERGENCY_DAYS``, letters and imaging
    reports made available since ``documents_since``. EPD errors propagate."""
    codes = practice_codes(provider)
    if not codes:
        return []
    found: list[tuple[EventKind, PatientSummary, datetime, Any]] = []
    for admitted in connector.list_admitted_patients(agb_codes=codes):
        found.append((EventKind.ADMITTED, admitted.patient, admitted.admission.admitted_at, admitted.admission))
    for discharge in connector.list_discharges(day_start(clock, DISCHARGE_DAYS), codes):
        at = discharge.admission.discharged_at or discharge.admission.admitted_at
        found.append((EventKind.DISCHARGED, discharge.patient, at, discharge))
    for visit in connector.list_emergency_visits(day_start(clock, EMERGENCY_DAYS), agb_codes=codes):
        found.append((EventKind.EMERGENCY, visit.patient, visit.visit.arrived_at, visit.visit))
    for document in connector.list_new_documents(documents_since, codes):
        found.append((EventKind.DOCUMENT, document.patient, document.available_at, document))
    decisions = own_patients((patient for _, patient, _, _ in found), provider, clock.today())
    events = [Event(kind, patient, clock.localize(at), entry, decisions[patient.patient_id])
              for kind, patient, at, entry in found if patient.patient_id in decisions]
    events.sort(key=lambda e: (e.at, e.kind.value, e.key), reverse=True)
    return events


def own_patients(patients: Iterable[PatientSummary], provider: ProviderFacts, today: date) -> dict[str, Decision]:
    """patient_id -> decision, for the patients that are this provider's own (with consent)."""
    decisions = {}
    for patient in patients:
        if patient.patient_id in decisions:
            continue
        decision = decide(provider, consent=patient.consent, relations=patient.relations, at_hap=False,
                          emergency_granted=False, today=today)
        if decision.allowed and decision.grounds in OWN_GROUNDS:
            decisions[patient.patient_id] = decision
    return {pid: d for pid, d in decisions.items()}


def new_since(events: Iterable[Event], since: datetime) -> list[Event]:
    """The events that happened at or after ``since``: what a notification counts."""
    return [e for e in events if e.at >= since]


def letter_overdue(discharge, now: datetime, clock: HospitalClock) -> bool:
    """The discharge letter is not there and the discharge was more than 24 hours ago."""
    ended = discharge.admission.discharged_at
    return discharge.discharge_letter is None and ended is not None and now - clock.localize(ended) > LETTER_DUE


def facts_of(session: Session, account: Account, today: date) -> ProviderFacts:
    """The provider facts of ``account`` outside a request (the notification run): the
    practices the hospital authorised them to cover, up to and including the last day."""
    covered = frozenset(agb for agb, until in session.execute(
        select(CoveringAuthorisation.practice_agb, CoveringAuthorisation.valid_until)
        .where(CoveringAuthorisation.account_id == account.id)) if until is None or until >= today)
    return ProviderFacts(agb_code=account.agb_code, practice_agb=account.practice_agb, covered_practice_agbs=covered)


def count_new(connector, session: Session, account: Account, clock: HospitalClock, since: datetime) -> int:
    """How many events of ``account``'s own patients happened at or after ``since``: what
    the notification e-mail says (a number, nothing more). EPD errors propagate."""
    events = collect(connector, facts_of(session, account, clock.today()), clock, since)
    return len(new_since(events, since))
