"""``POST /afdrukken``: the "Afdrukken" button of every patient page records the print.

The button (``static/print.js``) posts here first and opens the browser's print dialog only
when the answer is 204: a print that cannot be logged is not offered (fail closed, like every
patient page). The request goes through ``guard.patient_view`` like every patient route, so
access is decided for the selected patient now; it carries the page's patient context
(``selection.CONTEXT_FIELD``), so a page of patient X printed after patient Y was selected in
another tab is refused by the guard (409) rather than logged as a print of Y.

Ctrl+P (or the browser's menu) prints without asking the portal; that print cannot be
recorded. The printed page still carries the patient bar, the printing provider and the time.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, current_app, g, request

from ..access import guard
from ..audit import Action
from ..core.formatting import nl_datetime
from ..epd.models import PatientSummary

bp = Blueprint("printing", __name__)

#: Longest page title kept in the audit record; titles are a few words.
MAX_TITLE = 200


def page_title() -> str:
    """The printed page's title as the button sent it: one line of printable text, cut to
    ``MAX_TITLE`` characters (it goes into the audit record)."""
    text = "".join(ch for ch in request.form.get("title", "") if ch.isprintable() or ch.isspace())
    return " ".join(text.split())[:MAX_TITLE]


def audit_data() -> str:
    """"Afdrukken: <page title>", the audit record's description of the data printed."""
    title = page_title()
    return f"Afdrukken: {title}" if title else "Afdrukken"


def is_patient_page() -> bool:
    """Is the page being rendered a patient page: a view of the selected patient
    (``guard.patient_view`` with the default source) that the guard let through? Not the
    "Ga verder met deze patiënt" page, which shows a candidate rather than the selected
    patient, and not the refusal pages the guard renders instead of the view."""
    if g.get("access_decision") is None:
        return False
    route = getattr(current_app.view_functions.get(request.endpoint or ""), guard.MARK, None)
    return route is not None and route.source == guard.SELECTED


@bp.app_context_processor
def _print_context() -> dict:
    """``patient_page`` for the layout (the Afdrukken button, the printed bar), and on those
    pages ``print_context``, the patient context token the page was made for (the button
    posts it), and ``printed_at``: the time the page was made, in hospital time, which the
    page shows as the print time until ``print.js`` puts in the moment of printing."""
    if not is_patient_page():
        return {"patient_page": False}
    return {"patient_page": True, "print_context": g.get("patient_context"),
            "printed_at": nl_datetime(datetime.now(timezone.utc))}


@bp.post("/afdrukken")
@guard.patient_view(audit_data, action=Action.PRINT)
def record_print(patient: PatientSummary):
    """The print of a page of ``patient`` is recorded: 204. The guard writes the one PRINT
    record (``action``) and answers before this view runs when it cannot (503), when the
    page's patient context is not the selected patient's (409), when no patient is selected
    or access is refused: whatever is not 204 means "do not print" (static/print.js)."""
    return "", 204
