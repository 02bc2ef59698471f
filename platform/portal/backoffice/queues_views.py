"""The queues the application manager works through and the privacy officer reads: death
notifications reported by GPs (``portal death-notifications``), processed after the check in
the EPD (confirmed or rejected, with a remark), and the messages to patients queued after a
noodprocedure (``portal notifications``), marked sent with who and when.

Patient data is shown only where the task needs it: the death notification's patient (number
and name, from the EPD) on its own page, where it is checked; the message queue's patient
number and name, to address the letter. Every view is audited before it is shown, every
change before it is kept."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import context
from ..access import notifications
from ..access.models import PatientNotification
from ..audit.events import Action
from ..core.freetext import normalise
from ..epd.errors import EpdError
from ..patient.models import (
    OUTCOMES,
    DeathNotificationError,
    DeathNotificationRecord,
    check_processable,
    find_notification,
    process,
)
from ..patient.models import state as death_state
from . import staff, trail
from .staff import staff_view
from .trail import Concerning

bp = Blueprint("meldingen", __name__, template_folder="templates")
READ = ("privacy_officer", "application_manager")
MANAGE = ("application_manager",)
MIN_REMARK, MAX_REMARK = 5, 2000
LIST_SIZE = 200
STATES = {"open": "Te verwerken", "processed": "Verwerkt", "withdrawn": "Ingetrokken door de melder"}


def _local(moment) -> str:
    if moment is None:
        return ""
    if moment.tzinfo is None:  # SQLite hands stored UTC times back without a zone
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(context.clock().zone).strftime("%d-%m-%Y %H:%M")


def _only_open() -> bool:
    return request.args.get("status", "open") == "open"


@bp.get("/overlijdensmeldingen/")
@staff_view(*READ)
def deaths_index():
    """Oldest first, as the CLI lists them; no patient data (that is on each report's page)."""
    only_open = _only_open()
    query = select(DeathNotificationRecord).where(DeathNotificationRecord.tenant_id == context.tenant().id)
    if only_open:
        query = query.where(DeathNotificationRecord.processed_at.is_(None),
                            DeathNotificationRecord.withdrawn_at.is_(None))
    with context.database().session() as db:
        rows = list(db.scalars(query.order_by(DeathNotificationRecord.id).limit(LIST_SIZE)))
        db.expunge_all()
    trail.audit(staff.current(), Action.VIEW, "deaths.list", "overlijdensmeldingen getoond",
                details={"results": str(len(rows))})
    return render_template("backoffice/overlijdensmeldingen.html", rows=rows, only_open=only_open, local=_local,
                           state=death_state, states=STATES, outcomes=OUTCOMES)


def _row(db, row_id: int) -> DeathNotificationRecord:
    found = find_notification(db, context.tenant().id, row_id=row_id)
    if found is None:
        abort(404)
    return found


def _patient(row: DeathNotificationRecord):
    """The patient's summary from the EPD now, or None when the EPD does not answer."""
    try:
        return context.connector().get_patient_summary(row.patient_id)
    except EpdError:
        return None


@bp.get("/overlijdensmeldingen/<int:row_id>")
@staff_view(*READ)
def death_show(row_id: int):
    return _death_show(row_id)


def _death_show(row_id: int, error: str | None = None, form: dict | None = None, status: int = 200):
    with context.database().session() as db:
        row = _row(db, row_id)
        db.expunge(row)
    patient = _patient(row)
    trail.audit(staff.current(), Action.VIEW, "deaths.show", f"overlijdensmelding {row.reference} bekeken",
                concerning=Concerning(patient_number=patient.patient_number if patient else None),
                details={"reference": row.reference})
    return render_template("backoffice/overlijdensmelding.html", row=row, patient=patient, local=_local,
                           state=death_state(row), states=STATES, outcomes=OUTCOMES, error=error,
                           form=form or {}, min_remark=MIN_REMARK), status


@bp.post("/overlijdensmeldingen/<int:row_id>/verwerken")
@staff_view(*MANAGE)
def death_process(row_id: int):
    """Confirmed in the EPD or rejected; a rejection says why. The CLI's rules: a withdrawn or
    already processed report is refused (409)."""
    form = {"outcome": request.form.get("outcome", ""), "remark": normalise(request.form.get("remark", ""))}
    if form["outcome"] not in OUTCOMES:
        return _death_show(row_id, "Kies: bevestigd in het EPD of afgewezen.", form, 400)
    if len(form["remark"]) > MAX_REMARK or (form["outcome"] == "rejected" and len(form["remark"]) < MIN_REMARK):
        return _death_show(row_id, f"Licht een afwijzing toe (minimaal {MIN_REMARK}, maximaal {MAX_REMARK} tekens).",
                           form, 400)
    member = staff.current()
    assert member is not None
    tenant_id = context.tenant().id
    with context.database().session() as db:
        _row(db, row_id)
        try:
            row = check_processable(find_notification(db, tenant_id, row_id=row_id, for_update=True),
                                           str(row_id), tenant_id)
        except DeathNotificationError:
            db.rollback()
            return _death_show(row_id, "Deze melding is al verwerkt of door de melder ingetrokken.", form, 409)
        patient = _patient(row)
        # Audited first: a processing that cannot be logged is not kept.
        trail.audit(member, trail.CHANGE, "deaths.process",
                    f"overlijdensmelding {row.reference} verwerkt: {OUTCOMES[form['outcome']]}",
                    concerning=Concerning(patient_number=patient.patient_number if patient else None),
                    details={"reference": row.reference, "outcome": form["outcome"]})
        process(row, by=member.name, now=context.clock().now(), outcome=form["outcome"],
                       remark=form["remark"])
        db.commit()
    return redirect(url_for("meldingen.death_show", row_id=row_id))


@bp.get("/berichten/")
@staff_view(*READ)
def messages_index():
    """The messages to patients, oldest first; the patient's number and name address the letter."""
    only_open = _only_open()
    query = select(PatientNotification).where(PatientNotification.tenant_id == context.tenant().id)
    if only_open:
        query = query.where(PatientNotification.sent_at.is_(None))
    with context.database().session() as db:
        rows = list(db.scalars(query.order_by(PatientNotification.id).limit(LIST_SIZE)))
        db.expunge_all()
    member = staff.current()
    trail.write([trail.event(member, Action.LISTED, "messages.list", "berichten aan patiënten getoond",
                             concerning=Concerning(patient_number=n.patient_number),
                             details={"notification_id": str(n.id)}) for n in rows]
                or [trail.event(member, Action.VIEW, "messages.list", "berichten aan patiënten getoond")])
    return render_template("backoffice/berichten.html", rows=rows, only_open=only_open, local=_local,
                           error=request.args.get("fout"))


@bp.post("/berichten/verstuurd")
@staff_view(*MANAGE)
def messages_sent():
    """Mark the chosen messages sent, by the staff member, now. All of the tenant's or none."""
    try:
        ids = sorted({int(value) for value in request.form.getlist("notification")})
    except ValueError:
        abort(400)
    if not ids:
        return redirect(url_for("meldingen.messages_index", fout="kies"))
    member = staff.current()
    assert member is not None
    with context.database().session() as db:
        try:
            rows = notifications.of_tenant(db, context.tenant().id, ids)
        except notifications.UnknownNotification:
            abort(404)
        to_mark = [n for n in rows if n.sent_at is None]
        # Audited first: a message marked sent without a log line is not kept.
        trail.write([trail.event(member, trail.CHANGE, "messages.sent", f"bericht {n.id} aan patiënt verstuurd",
                                 concerning=Concerning(patient_number=n.patient_number),
                                 details={"notification_id": str(n.id)}) for n in to_mark])
        notifications.mark_sent(to_mark, now=context.clock().now(), by=member.name)
        db.commit()
    return redirect(url_for("meldingen.messages_index"))
