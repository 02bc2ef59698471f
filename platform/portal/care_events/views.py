"""Zorgmomenten: one page per kind of care event, each behind the access helper."""
from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, render_template

from ..access import guard
from ..core import sections
from ..core.paging import paginate, requested_page
from ..epd.contract import PatientListMethod
from ..epd.models import AdmissionStatus, AppointmentStatus, OperationStatus, PatientSummary
from .services import hospital_now, local, split_by_time

log = logging.getLogger(__name__)

bp = Blueprint("care_events", __name__, template_folder="templates")

#: The pages of Zorgmomenten with the manual's explanatory sentence (2.3).
PAGES = (
    ("care_events.appointments", "Afspraken", "Hieronder vindt u een overzicht en informatie over toekomstige "
     "afspraken en afspraken die hebben plaatsgevonden."),
    ("care_events.operations", "Operatieoverzicht", "Hieronder vindt u een overzicht en informatie over toekomstige "
     "operaties en operaties die hebben plaatsgevonden. Het operatieoverzicht is een weergave van de wachtlijst, "
     "geplande en postoperatieve operaties van de betreffende patiënt op de context. Pas als de patiënt is "
     "opgeroepen, wordt deze getoond."),
    ("care_events.admissions", "Opnameoverzicht", "Hieronder vindt u een overzicht en informatie over toekomstige "
     "opnames en opnames die hebben plaatsgevonden."),
    ("care_events.emergency_department", "SEH-registraties", "Hieronder vindt u een overzicht van de SEH-bezoek(en) "
     "en de registratie."),
    ("care_events.referrals", "Verwijzingen", "Hieronder vindt u een overzicht en informatie over openstaande "
     "verwijzingen."),
)
EXPLANATION = {endpoint: text for endpoint, _, text in PAGES}
TITLE = {endpoint: title for endpoint, title, _ in PAGES}

APPOINTMENT_STATUS = {AppointmentStatus.PLANNED: "Gepland", AppointmentStatus.COMPLETED: "Heeft plaatsgevonden",
                      AppointmentStatus.CANCELLED: "Geannuleerd", AppointmentStatus.NO_SHOW: "Niet verschenen"}
OPERATION_STATUS = {OperationStatus.WAITING_LIST: "Wachtlijst", OperationStatus.PLANNED: "Gepland",
                    OperationStatus.POST_OPERATIVE: "Postoperatief"}
ADMISSION_STATUS = {AdmissionStatus.PLANNED: "Gepland", AdmissionStatus.CURRENT: "Opgenomen",
                    AdmissionStatus.DISCHARGED: "Ontslagen"}


@bp.app_template_filter("nl_status")
def nl_status(value) -> str:
    """Dutch label of an appointment, operation or admission status."""
    for labels in (APPOINTMENT_STATUS, OPERATION_STATUS, ADMISSION_STATUS):
        if value in labels:
            return labels[value]
    return str(value)


@bp.get("/zorgmomenten")
def index():
    """"Naar welke pagina bent u op zoek?" — a menu, no patient data."""
    return render_template("care_events/index.html", pages=PAGES, selected=guard.banner() is not None)


def _load(patient: PatientSummary, method: PatientListMethod):
    """The connector's list, or None when the EPD cannot answer (the page says so)."""
    section = sections.patient_list(method, patient.patient_id)
    return None if section.unavailable else list(section.items)


def _two_lists(items, when: Callable, is_future: Callable):
    """Future (soonest first) and past (newest first), each paged by its own parameter."""
    if items is None:
        return None, None
    future, past = split_by_time(items, when, is_future)
    return paginate(future, requested_page("toekomst"), per_page=10), paginate(past, requested_page("pagina"))


def _render(name: str, **context):
    """Render care_events/<name>.html with the page's title and the manual's explanation."""
    endpoint = f"care_events.{name}"
    return render_template(f"care_events/{name}.html", title=TITLE[endpoint], explanation=EXPLANATION[endpoint],
                           **context)


@bp.get("/zorgmomenten/afspraken")
@guard.patient_view("Afspraken")
def appointments(patient: PatientSummary):
    now = hospital_now()
    future, past = _two_lists(_load(patient, "list_appointments"), lambda a: a.start,
                              lambda a: local(a.start) >= now)
    return _render("appointments", future=future, past=past)


@bp.get("/zorgmomenten/operaties")
@guard.patient_view("Operatieoverzicht")
def operations(patient: PatientSummary):
    # Waiting list and planned operations are still to come; a waiting-list operation has
    # no date yet and sorts by the day it was listed, after the dated ones.
    def when(op):
        return op.performed_at or op.planned_at or op.listed_on

    def upcoming(op):
        return op.status is not OperationStatus.POST_OPERATIVE

    items = _load(patient, "list_operations")
    future = past = None
    if items is not None:
        coming, done = split_by_time(items, when, upcoming)
        coming.sort(key=lambda op: (op.planned_at is None, local(when(op))))
        future, past = paginate(coming, requested_page("toekomst"), per_page=10), paginate(done, requested_page())
    return _render("operations", future=future, past=past)


@bp.get("/zorgmomenten/opnames")
@guard.patient_view("Opnameoverzicht")
def admissions(patient: PatientSummary):
    future, past = _two_lists(_load(patient, "list_admissions"), lambda a: a.admitted_at,
                              lambda a: a.status is AdmissionStatus.PLANNED)
    return _render("admissions", future=future, past=past)


@bp.get("/zorgmomenten/seh-registraties")
@guard.patient_view("SEH-registraties")
def emergency_department(patient: PatientSummary):
    items = _load(patient, "list_emergency_registrations")
    page = None if items is None else paginate(sorted(items, key=lambda v: local(v.arrived_at), reverse=True),
                                                 requested_page())
    return _render("emergency_department", page=page)


@bp.get("/zorgmomenten/verwijzingen")
@guard.patient_view("Verwijzingen")
def referrals(patient: PatientSummary):
    items = _load(patient, "list_referrals")
    page = None if items is None else paginate(sorted(items, key=lambda r: r.referred_on, reverse=True),
                                                 requested_page())
    return _render("referrals", page=page)
