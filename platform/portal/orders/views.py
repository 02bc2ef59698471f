"""Aanvragen routes: the list with status, the form, the confirmation and the sending."""
from __future__ import annotations

import logging

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import current_user

from .. import context
from ..access import guard
from ..audit import Action
from ..audit.request import request_event
from ..core import sections
from ..core.paging import paginate, requested_page
from ..epd.errors import EpdError, OrderRejected
from ..epd.models import OrderRequest, PatientSummary
from . import forms

log = logging.getLogger(__name__)

bp = Blueprint("orders", __name__, url_prefix="/aanvragen", template_folder="templates")


def _catalogue() -> sections.Section:
    return sections.load(lambda epd: epd.order_catalogue(), "order_catalogue")


@bp.get("/")
@guard.patient_view("Aanvragen")
def index(patient: PatientSummary):
    section = sections.load(lambda epd: epd.list_orders(patient.patient_id), "list_orders")
    return render_template("orders/index.html", section=section, listing=paginate(section.items, requested_page()))


@bp.get("/nieuw")
@guard.patient_view("Aanvraag invullen", item=True)
def new(patient: PatientSummary):
    return render_template("orders/form.html", catalogue=_catalogue(), form=forms.OrderForm())


@bp.post("/nieuw")
@guard.patient_view("Aanvraag controleren")
def review(patient: PatientSummary):
    """Checks the form; shows it again with messages, or the confirmation page."""
    catalogue = _catalogue()
    form = forms.parse(request.form, catalogue.items, context.clock().today())
    if request.form.get("action") == "change":
        form.errors.clear()  # back from the confirmation page to change the order
        return render_template("orders/form.html", catalogue=catalogue, form=form)
    if catalogue.unavailable or not form.valid:
        return render_template("orders/form.html", catalogue=catalogue, form=form), 400
    tests = [t for t in catalogue.items if t.code in form.test_codes]
    return render_template("orders/confirm.html", form=form, tests=tests, patient=patient)


@bp.post("/versturen")
@guard.patient_view("Aanvraag versturen")
def submit(patient: PatientSummary):
    """Validates again, sends the order through the connector and logs it (Action.ORDER)."""
    catalogue = _catalogue()
    form = forms.parse(request.form, catalogue.items, context.clock().today())
    if catalogue.unavailable or not form.valid:
        return render_template("orders/form.html", catalogue=catalogue, form=form), 400
    order = OrderRequest(test_codes=form.test_codes, clinical_question=form.clinical_question,
                         requester_name=current_user.name, requester_agb=current_user.agb_code,
                         requester_uzi=current_user.uzi_number, urgent=form.urgent,
                         requested_date=form.requested_date, note=form.note or None)
    details = {"tests": ",".join(form.test_codes), "urgent": "ja" if form.urgent else "nee"}
    try:
        reference = context.connector().submit_order(patient.patient_id, order)
    except OrderRejected as error:
        log.warning("order rejected by the EPD: %s", error)
        guard.audit_or_refuse(request_event(Action.ORDER, "failure", patient=patient, data="Aanvraag",
                                                grounds=_grounds(), details={**details, "error": str(error)}))
        form.errors["general"] = "Het ziekenhuis heeft de aanvraag niet aangenomen. Controleer de gegevens."
        return render_template("orders/form.html", catalogue=catalogue, form=form), 400
    except EpdError as error:
        log.warning("order could not be sent: %s", type(error).__name__)
        form.errors["general"] = "De aanvraag kon niet worden verstuurd. Probeer het later opnieuw."
        return render_template("orders/form.html", catalogue=catalogue, form=form), 503
    failed = guard.audit_or_refuse(request_event(Action.ORDER, "success", patient=patient,
                                                     data=f"Aanvraag {reference}", grounds=_grounds(),
                                                     details=details))
    if failed:
        # The access itself was logged before sending; this record names the reference.
        log.error("order %s was sent but its audit record could not be written", reference)
        return failed
    flash(f"Uw aanvraag is verstuurd (referentie {reference}).", "success")
    return redirect(url_for("orders.index"))



def _grounds() -> str | None:
    decision = getattr(g, "access_decision", None)
    return decision.grounds if decision else None
