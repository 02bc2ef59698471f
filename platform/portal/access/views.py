"""Choosing a patient from a list, and the noodprocedure ("Ga verder met deze patiënt")."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from markupsafe import Markup

from .. import context
from ..audit import Action
from ..audit.request import request_event
from ..context import selection
from ..core.freetext import normalise
from ..db import get_session
from ..epd.models import PatientSummary
from . import facts, guard
from .decision import Outcome
from .models import EmergencyAccess, PatientNotification

bp = Blueprint("access", __name__, template_folder="templates")

#: Longest reason stored; a GP between two consultations writes a sentence, not a letter.
MAX_REASON = 1000


@bp.app_context_processor
def _banner() -> dict:
    return {"selected_patient": guard.banner(), "patient_context_field": patient_context_field,
            "patient_url": patient_url, "formatted_bsn": selection.formatted_bsn}


def _page_context() -> str:
    """The context token of the patient the page being rendered was made for."""
    token = g.get("patient_context")
    if not token:
        raise RuntimeError("patient_url/patient_context_field used outside a patient page")
    return token


def patient_context_field() -> Markup:
    """The hidden field binding a form to the patient of its page (every form on a patient page)."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(selection.CONTEXT_FIELD, _page_context())


def patient_url(endpoint: str, **values) -> str:
    """``url_for`` of an item or action of the page's patient (a letter, an image, a graph,
    a form), carrying the page's context token: opened after another patient was selected
    in another tab, it shows the conflict instead of the other patient's data."""
    values[selection.CONTEXT_FIELD] = _page_context()
    return url_for(endpoint, **values)


def _next_page() -> str:
    """Patiëntinformatie once that screen exists, else home."""
    endpoint = "patient.info" if "patient.info" in current_app.view_functions else "core.home"
    return url_for(endpoint)


@bp.post("/patient/kiezen")
def choose():
    """"Kies deze patiënt": a token of the last list shown, never a patient identifier."""
    patient_id = guard.take_offer(request.form.get("patient", ""))
    if patient_id is None:
        flash("Deze keuze is verlopen. Zoek de patiënt opnieuw.", "error")
        return redirect(url_for("core.home"))
    session[guard.CANDIDATE] = patient_id
    return redirect(url_for("access.confirm"))


@bp.post("/patient/hervatten")
def resume():
    """ "Verder met <patiënt>" on the conflict page: that page's patient becomes the chosen
    one again, through "Ga verder met deze patiënt" (so access is decided and logged anew)."""
    came_from = selection.context(request.form.get(selection.CONTEXT_FIELD))
    if came_from is None:
        flash("Deze keuze is verlopen. Zoek de patiënt opnieuw.", "error")
        return redirect(url_for("search.search") if "search.search" in current_app.view_functions
                        else url_for("core.home"))
    session[guard.CANDIDATE] = came_from.patient_id
    return redirect(url_for("access.confirm"))


@bp.get("/patient/bevestigen")
@guard.patient_view("Patiëntselectie", source=guard.CANDIDATE, pending_emergency=True)
def confirm(patient: PatientSummary):
    """Shows the chosen patient with "Ga verder met deze patiënt" — and, without a
    treatment relationship at a HAP, the noodprocedure's text and reason field."""
    return render_template("access/confirm.html", patient=patient,
                           emergency=g.access_decision.outcome is Outcome.EMERGENCY_AVAILABLE,
                           min_reason=context.tenant().access.min_reason_length, reason="", error=None)


@bp.post("/patient/bevestigen")
@guard.patient_view("Patiëntselectie", source=guard.CANDIDATE, pending_emergency=True)
def proceed(patient: PatientSummary):
    decision = g.access_decision
    if decision.outcome is Outcome.ALLOWED:
        guard.select_patient(patient)
        return redirect(_next_page())
    # Normalised before its length is checked: invisible characters are no reason.
    reason = normalise(request.form.get("reason", ""))
    minimum = context.tenant().access.min_reason_length
    error = None
    if len(reason) < minimum:
        error = f"Vul de reden in waarom u dit dossier wilt bekijken (minimaal {minimum} tekens)."
    elif len(reason) > MAX_REASON:
        error = f"De reden is te lang (maximaal {MAX_REASON} tekens)."
    if error:
        return render_template("access/confirm.html", patient=patient, emergency=True, min_reason=minimum,
                               reason=reason[:MAX_REASON], error=error), 400
    return _grant_emergency_access(patient, reason)


def _grant_emergency_access(patient: PatientSummary, reason: str):
    """Log first, then grant: an emergency access that cannot be logged is not granted.
    (Logging first also keeps SQLite's single writer free: the audit log commits on its
    own connection before the grant is written.)"""
    failed = guard.audit_or_refuse(request_event(
        Action.EMERGENCY_ACCESS, "success", patient=patient, data="Noodprocedure",
        grounds=f"emergency_access: {reason}"))
    if failed:
        return failed
    db = get_session()
    db.add(EmergencyAccess(tenant_id=context.tenant().id, account_id=current_user.account_id,
                           patient_id=patient.patient_id, reason=reason, network_address=request.remote_addr,
                           expires_at=facts.emergency_expiry()))
    db.add(PatientNotification(tenant_id=context.tenant().id, kind="emergency_access", patient_id=patient.patient_id,
                               patient_number=patient.patient_number, patient_name=patient.display_name,
                               provider_name=current_user.name, provider_practice=current_user.practice_name,
                               reason=reason))
    db.commit()
    guard.select_patient(patient)
    return redirect(_next_page())
