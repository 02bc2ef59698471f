"""Views of Patiënt zoeken. Searches are POSTed: criteria never reach a URL or ordinary log."""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from .. import context
from ..access import facts, guard
from ..access.decision import Decision, Outcome
from ..access.models import RecentPatient
from ..audit import Action
from ..audit.request import request_event
from ..core import sections
from ..core.paging import paginate, requested_page
from ..db import get_session
from ..epd.errors import EpdError, PatientNotFound
from ..epd.models import PatientSummary
from .forms import LABELS, SEX_CHOICES, SearchForm, parse_search

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__, template_folder="templates")

#: Most results one search shows; more means the provider should fill in more fields.
RESULT_LIMIT = 50
#: Most matches asked of the EPD: the result limit applies after the access filter, so
#: the EPD is asked for far more (criteria are specific: a BSN, or a name with a birth date).
EPD_SEARCH_LIMIT = 1000
#: How many recently opened patients "Recente" shows.
RECENT_LIMIT = 50
#: The SEH overzicht shows the visits of the last 7 days (manual 2.1.3).
EMERGENCY_DAYS = 7


@bp.app_context_processor
def _form_labels() -> dict:
    return {"search_labels": LABELS, "sex_choices": SEX_CHOICES}


@bp.route("/patient-zoeken", methods=["GET", "POST"])
def search():
    """The form; a POST searches (GET only shows the empty form — "Wissen" links here)."""
    if request.method == "GET":
        return render_template("search/search.html", form=SearchForm(values={}), rows=None)
    form = parse_search(request.form, context.clock().today())
    if not form.valid:
        return render_template("search/search.html", form=form, rows=None), 400
    try:
        shown, truncated = _matches(form, context.connector().search_patients(form.criteria, limit=EPD_SEARCH_LIMIT))
    except EpdError as error:
        return _unavailable(error, "Patiënt zoeken", "search/search.html", form.audit_details(), form=form, rows=None,
                            unavailable=True)
    details = {**form.audit_details(), "results": str(len(shown))}
    failed = guard.audit_list("Patiënt zoeken", details, shown)
    if failed:
        return failed
    rows = [Row(token, p, None, d) for token, p, d in guard.offer(shown)]
    return render_template("search/search.html", form=form, rows=rows, truncated=truncated)


def _matches(form: SearchForm, found) -> tuple[list[tuple[PatientSummary, Decision]], bool]:
    """The first ``RESULT_LIMIT`` patients this provider may open that match every field,
    and whether more such patients match. The limit counts only patients the provider may
    see, after the access filter: "meer patiënten gevonden" never tells of others."""
    found = list(found)
    if len(found) >= EPD_SEARCH_LIMIT:
        log.warning("search reached the EPD's limit of %d matches", EPD_SEARCH_LIMIT)
    shown: list[tuple[PatientSummary, Decision]] = []
    for patient, decision in guard.decide_for(found):
        if not decision.listable or not form.refinements.match_summary(patient):
            continue
        if form.refinements.needs_address and not _address_matches(form, patient):
            continue
        if len(shown) == RESULT_LIMIT:
            return shown, True
        shown.append((patient, decision))
    return shown, False


def _unavailable(error: EpdError, name: str, template: str, criteria: dict[str, str] | None = None, **context):
    """The EPD could not answer a search or list: the attempt is audited (with its
    criteria), the page says so in Dutch where the results would be."""
    log.warning("EPD error in %s: %s", name, type(error).__name__)
    cause = "epd_unreachable" if sections.note_problem(error) == "unreachable" else "unusable_data"
    details = {**(criteria or {"list": name}), "error": type(error).__name__, "cause": cause}
    failed = guard.audit_or_refuse(request_event(Action.SEARCH, "failure", data=name, details=details))
    return failed or render_template(template, **context)


def _address_matches(form: SearchForm, patient: PatientSummary) -> bool:
    address = context.connector().get_patient(patient.patient_id).address
    return address is not None and form.refinements.match_address(address.postcode, address.house_number,
                                                                  address.house_number_addition)


@bp.get("/patient-zoeken/klinische-patienten")
def admitted_patients():
    """Klinische patiënten (2.1.2): patients admitted now whom this provider may see."""
    return _patient_list("search/admitted_patients.html", "Klinische patiënten",
                         lambda agbs: [(e.patient, e.admission)
                                       for e in context.connector().list_admitted_patients(agb_codes=agbs)])


@bp.get("/patient-zoeken/seh-overzicht")
def emergency_department():
    """SEH overzicht (2.1.3): emergency department visits of the last 7 days."""
    since = datetime.now(timezone.utc) - timedelta(days=EMERGENCY_DAYS)
    return _patient_list("search/emergency_department.html", "SEH overzicht",
                         lambda agbs: [(e.patient, e.visit)
                                       for e in context.connector().list_emergency_visits(since, agb_codes=agbs)])


@bp.get("/patient-zoeken/recente")
def recent_patients():
    """Recente: the patients this provider opened lately at this hospital, newest first."""
    return _patient_list("search/recent_patients.html", "Recente", lambda agbs: _recent())


def _recent() -> list[tuple[PatientSummary, datetime]]:
    opened = get_session().execute(
        select(RecentPatient.patient_id, RecentPatient.opened_at)
        .where(RecentPatient.account_id == current_user.account_id)
        .order_by(RecentPatient.opened_at.desc()).limit(RECENT_LIMIT)).all()
    entries = []
    for patient_id, opened_at in opened:
        try:
            summary = context.connector().get_patient_summary(patient_id)
            # SQLite hands back the stored UTC time without its zone.
            entries.append((summary, opened_at if opened_at.tzinfo else opened_at.replace(tzinfo=timezone.utc)))
        except PatientNotFound:
            continue  # no longer in the EPD (merged or removed): nothing to open
    return entries


def _prefilter_agbs() -> set[str] | None:
    """AGB codes the EPD may pre-filter an overview on; None at a HAP, where patients
    without a relation may still be opened through the noodprocedure."""
    if guard.at_hap():
        return None
    provider = facts.provider_facts()
    return {code for code in (provider.agb_code, provider.practice_agb, *provider.covered_practice_agbs) if code}


def _patient_list(template: str, name: str, load: Callable[[set[str] | None], Sequence[tuple[PatientSummary, object]]]):
    """An overview of patients: only those this provider may open, paged, audited, each
    row with a "Kies deze patiënt" token. ``load`` returns (patient, entry) pairs."""
    try:
        entries = load(_prefilter_agbs())
    except EpdError as error:
        return _unavailable(error, name, template, page=None, rows=None)
    decisions = {p.patient_id: d for p, d in guard.visible({e[0].patient_id: e[0] for e in entries}.values())}
    entries = [e for e in entries if e[0].patient_id in decisions]
    page = paginate(entries, requested_page())
    on_page = list({p.patient_id: (p, decisions[p.patient_id]) for p, _ in page.items}.values())
    failed = guard.audit_list(name, {"list": name, "results": str(len(entries)), "page": str(page.page)}, on_page)
    if failed:
        return failed
    tokens = {p.patient_id: token for token, p, _ in guard.offer(on_page)}
    rows = [Row(tokens[p.patient_id], p, entry, decisions[p.patient_id]) for p, entry in page.items
            if p.patient_id in tokens]
    return render_template(template, page=page, rows=rows)


@dataclass(frozen=True)
class Row:
    """One row of a patient list: the token to choose the patient, the patient, the list's
    own entry (admission, visit, time opened; None for search results) and the decision."""

    token: str
    patient: PatientSummary
    entry: object
    decision: Decision

    @property
    def emergency(self) -> bool:
        """Only through the noodprocedure: the row shows no clinical detail."""
        return self.decision.outcome is Outcome.EMERGENCY_AVAILABLE
