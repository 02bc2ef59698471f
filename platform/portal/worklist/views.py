"""Mijn patiënten in het ziekenhuis: the provider's own patients in the hospital, as a list.

Like every patient list (Klinische patiënten, SEH overzicht): access is decided once per
patient (``events.collect``), only patients the provider may open as their own are shown,
every patient on the page is audited ("Getoond in lijst", ``guard.audit_list``) and each row
chooses its patient with an opaque token (``guard.offer``), never an identifier in the URL.
A letter or report of a row opens through ``open_item``: the patient is chosen, access is
decided and logged, and the item page (itself a guarded patient route) follows.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import context
from ..access import facts, guard
from ..access.decision import Outcome
from ..audit import Action
from ..audit.request import request_event
from ..core import sections
from ..core.paging import paginate, requested_page
from ..db import get_session
from ..epd.errors import EpdError, PatientNotFound
from ..epd.models import NewDocumentKind
from . import events as ev
from .models import WorklistView

log = logging.getLogger(__name__)

bp = Blueprint("worklist", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/worklist")

NAME = "Mijn patiënten in het ziekenhuis"
#: A provider coming back within this time is in the same sitting: the same items stay "new".
SITTING = timedelta(minutes=30)
#: Session key: token -> the item a row's link opens (patient id, endpoint, arguments).
TARGETS = "worklist_targets"
#: Item links kept per session (the newest lists').
MAX_TARGETS = 300
#: Where an item of a row opens, by the kind of item.
_ITEM_ENDPOINTS = {NewDocumentKind.LETTER: ("record.letter", "letter_id"),
                   NewDocumentKind.IMAGING_REPORT: ("results.imaging_report", "report_id")}


@dataclass(frozen=True)
class Row:
    """One line: the event, the token choosing its patient and, when the line has a letter
    or report, the token opening it."""

    event: ev.Event
    token: str
    item_token: str | None
    letter_overdue: bool = False


@bp.get("/patient-zoeken/mijn-patienten")
def worklist():
    """The list, newest first; ``?soort=`` filters one kind, ``?afdrukken=1`` is the whole
    list on one printable page."""
    kind = _kind(request.args.get("soort"))
    printing = request.args.get("afdrukken") == "1"
    clock = context.clock()
    since = _new_since(peek=True)
    try:
        events = ev.collect(context.connector(), facts.provider_facts(), clock, since)
    except EpdError as error:
        return _unavailable(error, kind)
    _new_since(peek=False)
    counts = {k: sum(1 for e in events if e.kind is k) for k in ev.EventKind}
    shown = [e for e in events if kind is None or e.kind is kind]
    page = paginate(shown, 1 if printing else requested_page(), per_page=max(len(shown), 1) if printing else 25)
    patients = list({e.patient.patient_id: (e.patient, e.decision) for e in page.items}.values())
    details = {"list": NAME, "results": str(len(shown)), "page": str(page.page), "filter": kind.value if kind else "",
               "print": "yes" if printing else "no"}
    failed = guard.audit_list(NAME, details, patients)
    if failed:
        return failed
    tokens = {p.patient_id: token for token, p, _ in guard.offer(patients)}
    now = clock.now()
    rows = [Row(e, tokens[e.patient.patient_id], _item_token(e),
                e.kind is ev.EventKind.DISCHARGED and ev.letter_overdue(e.entry, now, clock))
            for e in page.items if e.patient.patient_id in tokens]
    return render_template("worklist/worklist.html", page=page, rows=rows, kind=kind, kinds=ev.KIND_LABELS,
                           counts=counts, total=len(events), since=clock.to_local(since), printing=printing,
                           printed_at=clock.local_now(), name=NAME,
                           meldingen="notifications.settings" in current_app.view_functions)


def _kind(value: str | None) -> ev.EventKind | None:
    try:
        return ev.EventKind(value) if value else None
    except ValueError:
        return None


def _new_since(peek: bool) -> datetime:
    """Since when letters and reports count as new for this provider: their previous
    sitting's last look (a first look: ``FIRST_LOOK_DAYS``). ``peek=False`` records this
    look (after the EPD answered: a failed page is no look)."""
    clock = context.clock()
    now = clock.utcnow()
    db = get_session()
    row = db.get(WorklistView, current_user.account_id)
    if row is None:
        since = now - timedelta(days=ev.FIRST_LOOK_DAYS)
        if not peek:
            db.add(WorklistView(account_id=current_user.account_id, tenant_id=context.tenant().id, looked_at=now,
                                new_since=since))
            db.commit()
        return since
    looked_at, since = _aware(row.looked_at), _aware(row.new_since)
    if now - looked_at > SITTING:
        since = looked_at
    if not peek:
        row.looked_at, row.new_since = now, since
        db.commit()
    return since


def _aware(moment: datetime) -> datetime:
    # SQLite hands back the stored UTC time without its zone.
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _item_token(event: ev.Event) -> str | None:
    """A token opening the row's letter or report, remembered in the session with its patient."""
    if event.kind is ev.EventKind.DISCHARGED and event.entry.discharge_letter is not None:
        kind, item_id = NewDocumentKind.LETTER, event.entry.discharge_letter.id
    elif event.kind is ev.EventKind.DOCUMENT:
        kind, item_id = event.entry.kind, event.entry.id
    else:
        return None
    endpoint, argument = _ITEM_ENDPOINTS[kind]
    if endpoint not in current_app.view_functions:
        return None
    token = secrets.token_urlsafe(12)
    targets = {**(session.get(TARGETS) or {}),
               token: {"patient": event.patient.patient_id, "endpoint": endpoint, "argument": argument,
                       "item": item_id}}
    while len(targets) > MAX_TARGETS:
        targets.pop(next(iter(targets)))
    session[TARGETS] = targets
    return token


@bp.post("/patient-zoeken/mijn-patienten/openen")
def open_item():
    """A row's letter or report: the row's patient is decided on now and, when this provider
    may open them, selected (logged like "Ga verder met deze patiënt"); then the item page."""
    target = (session.get(TARGETS) or {}).get(request.form.get("item", ""))
    patient_id = guard.take_offer(request.form.get("patient", ""))
    if not isinstance(target, dict) or patient_id is None or target.get("patient") != patient_id:
        flash("Deze keuze is verlopen. Open de lijst opnieuw.", "error")
        return redirect(url_for("worklist.worklist"))
    try:
        patient = context.connector().get_patient_summary(patient_id)
    except PatientNotFound:
        return guard.deny(None, None, "Patiëntselectie")
    except EpdError as error:
        return guard.epd_failure(error, "Patiëntselectie")
    [(patient, decision)] = guard.decide_for([patient])
    if decision.outcome is Outcome.EMERGENCY_AVAILABLE:
        session[guard.CANDIDATE] = patient.patient_id
        return redirect(url_for("access.confirm"))
    if decision.outcome is not Outcome.ALLOWED:
        return guard.deny(patient, decision, "Patiëntselectie")
    failed = guard.audit_or_refuse(request_event(Action.VIEW, "success", patient=patient, data="Patiëntselectie",
                                                 grounds=decision.grounds, details={"list": NAME}))
    if failed:
        return failed
    guard.select_patient(patient)
    context_token = (guard.banner() or {}).get("context")
    arguments = {target["argument"]: target["item"], "patient_context": context_token}
    return redirect(url_for(target["endpoint"], **arguments))


def _unavailable(error: EpdError, kind: ev.EventKind | None):
    """The EPD could not answer: the attempt is audited, the page says so in Dutch."""
    log.warning("EPD error in the worklist: %s", type(error).__name__)
    cause = "epd_unreachable" if sections.note_problem(error) == "unreachable" else "unusable_data"
    failed = guard.audit_or_refuse(request_event(Action.SEARCH, "failure", data=NAME, details={
        "list": NAME, "error": type(error).__name__, "cause": cause}))
    return failed or render_template("worklist/worklist.html", page=None, rows=None, kind=kind, kinds=ev.KIND_LABELS,
                                     counts={}, total=0, since=None, printing=False, printed_at=None, name=NAME,
                                     meldingen="notifications.settings" in current_app.view_functions)
