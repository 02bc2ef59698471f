"""Patiëntinformatie and Melden overlijden patiënt, behind the access helper."""
from __future__ import annotations

import logging
from datetime import datetime, timezone

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import bindparam, select, update
from sqlalchemy.exc import IntegrityError

from .. import context
from ..access import guard
from ..audit import Action
from ..audit.request import request_event
from ..core.freetext import normalise
from ..db import get_database, get_session, table_of
from ..epd.errors import EpdError, OrderRejected
from ..epd.models import DeathNotification, PatientDetails, PatientSummary
from .forms import PLACES, parse_death_form
from .models import DeathNotificationRecord

log = logging.getLogger(__name__)

bp = Blueprint("patient", __name__, template_folder="templates")


@bp.context_processor
def _withdrawal() -> dict:
    return {"may_withdraw": may_withdraw}

DEATH = "Melden overlijden patiënt"


_notifications = table_of(DeathNotificationRecord)
_REPORTED = select(_notifications).where(_notifications.c.tenant_id == bindparam("tenant"),
                                         _notifications.c.patient_id == bindparam("patient"),
                                         _notifications.c.withdrawn_at.is_(None))
#: A reason to withdraw a report: a sentence for the hospital's staff.
MIN_WITHDRAW_REASON, MAX_WITHDRAW_REASON = 10, 1000


def reported_death(patient: PatientSummary):
    """The standing (not withdrawn) death notification reported through this portal for
    ``patient`` (a row with the columns of ``DeathNotificationRecord``), or None. Read on every
    Patiëntinformatie page: one autocommit statement, no transaction around it."""
    with get_database().autocommit() as conn:
        return conn.execute(_REPORTED, {"tenant": context.tenant().id, "patient": patient.patient_id}).first()


@bp.get("/patientinformatie")
@guard.patient_view("Patiëntinformatie", details=True)
def info(patient: PatientSummary, details: PatientDetails | None):
    """The patient with their details, read by the guard with the summary it decides on
    (one EPD read); None when the EPD could give only the summary (the guard noted why)."""
    return render_template("patient/info.html", patient=patient, details=details, reported=reported_death(patient))


@bp.get("/patientinformatie/overlijden")
@guard.patient_view(DEATH, item=True)
def death_notification(patient: PatientSummary):
    existing = reported_death(patient)
    if existing or patient.deceased:
        return render_template("patient/death_known.html", patient=patient, reported=existing)
    return render_template("patient/death_form.html", patient=patient, form=None, places=PLACES)


@bp.post("/patientinformatie/overlijden")
@guard.patient_view(DEATH)
def report_death(patient: PatientSummary):
    """Validate, log, pass on to the EPD, keep the portal's record. A second report of the
    same patient is recognised and shown, never passed on again."""
    existing = reported_death(patient)
    if existing or patient.deceased:
        failed = guard.audit_or_refuse(request_event(
            Action.DEATH_NOTIFICATION, "failure", patient=patient, data=DEATH,
            details={"refusal": "already_reported" if existing else "already_deceased"}))
        return failed or render_template("patient/death_known.html", patient=patient, reported=existing)
    form = parse_death_form(request.form, birth_date=patient.birth_date, today=context.clock().today())
    if not form.valid or form.date_of_death is None:
        return render_template("patient/death_form.html", patient=patient, form=form, places=PLACES), 400
    details = {"date_of_death": form.date_of_death.isoformat(), "place_of_death": form.place or ""}
    # Logged before it is passed on: nothing reaches the EPD that the audit log lacks.
    failed = guard.audit_or_refuse(request_event(Action.DEATH_NOTIFICATION, "success", patient=patient,
                                                     data=DEATH, details=details))
    if failed:
        return failed
    notification = DeathNotification(date_of_death=form.date_of_death, reporter_name=current_user.name,
                                     reporter_agb=current_user.agb_code, reporter_uzi=current_user.uzi_number,
                                     place_of_death=form.place, note=form.note)
    try:
        reference = context.connector().submit_death_notification(patient.patient_id, notification)
    except EpdError as error:
        log.warning("EPD refused or failed a death notification: %s", type(error).__name__)
        guard.audit_or_refuse(request_event(Action.DEATH_NOTIFICATION, "failure", patient=patient, data=DEATH,
                                                details={**details, "error": type(error).__name__}))
        rejected = isinstance(error, OrderRejected)  # refused by the EPD (400), not unreachable (503)
        return render_template("patient/death_form.html", patient=patient, form=form, places=PLACES,
                               rejected=rejected), 400 if rejected else 503
    db = get_session()
    db.add(DeathNotificationRecord(
        tenant_id=context.tenant().id, patient_id=patient.patient_id, account_id=current_user.account_id,
        reporter_name=current_user.name, reporter_agb=current_user.agb_code, reporter_uzi=current_user.uzi_number,
        date_of_death=form.date_of_death, place_of_death=form.place, note=form.note, reference=reference))
    try:
        db.commit()
    except IntegrityError:
        # Another provider reported this patient at the same moment: theirs is the record.
        db.rollback()
        log.warning("death notification reported twice at the same time; kept the first")
    # Bound like the form: the confirmation names the patient the report was made for.
    return redirect(url_for("patient.death_notification_done", patient_context=g.patient_context))


@bp.get("/patientinformatie/overlijden/gemeld")
@guard.patient_view(DEATH, item=True)
def death_notification_done(patient: PatientSummary):
    return render_template("patient/death_reported.html", patient=patient, reported=reported_death(patient))


def may_withdraw(reported) -> bool:
    """The provider who reported may withdraw, until the hospital has processed the report."""
    return reported is not None and reported.processed_at is None and reported.account_id == current_user.account_id


@bp.post("/patientinformatie/overlijden/intrekken")
@guard.patient_view(DEATH)
def withdraw_death(patient: PatientSummary):
    """Withdraw one's own report, with a reason; logged before the record changes."""
    reported = reported_death(patient)
    if not may_withdraw(reported):
        return render_template("patient/death_known.html", patient=patient, reported=reported,
                               withdraw_error="Deze melding kan niet (meer) door u worden ingetrokken."), 409
    reason = normalise(request.form.get("withdraw_reason", ""))
    error = None
    if len(reason) < MIN_WITHDRAW_REASON:
        error = f"Vul de reden in waarom u de melding intrekt (minimaal {MIN_WITHDRAW_REASON} tekens)."
    elif len(reason) > MAX_WITHDRAW_REASON:
        error = f"De reden is te lang (maximaal {MAX_WITHDRAW_REASON} tekens)."
    if error:
        return render_template("patient/death_known.html", patient=patient, reported=reported,
                               withdraw_error=error, withdraw_reason=reason[:MAX_WITHDRAW_REASON]), 400
    failed = guard.audit_or_refuse(request_event(
        Action.DEATH_NOTIFICATION, "success", patient=patient, data="Melding overlijden ingetrokken",
        details={"withdrawn": reported.reference, "reason": reason}))
    if failed:
        return failed
    with get_database().engine.begin() as conn:
        changed = conn.execute(update(_notifications).where(
            _notifications.c.id == reported.id, _notifications.c.withdrawn_at.is_(None),
            _notifications.c.processed_at.is_(None)).values(
            withdrawn_at=datetime.now(timezone.utc), withdrawn_reason=reason)).rowcount
    if not changed:  # processed by the hospital between the page and the click
        return render_template("patient/death_known.html", patient=patient, reported=reported_death(patient),
                               withdraw_error="Het ziekenhuis heeft de melding intussen verwerkt."), 409
    flash(f"Uw melding van het overlijden van {patient.display_name} is ingetrokken. Het ziekenhuis ziet de "
          "intrekking bij de meldingen.", "success")
    return redirect(url_for("patient.info"))
