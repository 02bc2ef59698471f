"""The one helper every patient route goes through: decide, audit, then render.

``patient_view(label)`` wraps a view showing data of the selected patient. Per request it
reads the patient's consent and relations from the EPD (real time; within one selection,
at most ``access.decision_cache_seconds`` old, see ``inputs``), applies
``decision.decide``, writes the audit record and only then calls the view with the
patient's ``PatientSummary``. When the decision refuses, the view is never called; when the
audit record cannot be written, the view is never called either (fail closed).

The selected patient lives in the server-side session under ``SELECTED`` (the connector's
opaque key), never in URLs.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, g, make_response, redirect, render_template, request, session, url_for
from werkzeug.exceptions import NotFound

from .. import context
from ..audit import Action, AuditEvent, AuditWriteError, record, record_all
from ..audit.request import request_event
from ..audit.writer import record_with
from ..context import selection
from ..context.selection import BANNER, CANDIDATE, OFFERED, SELECTED  # noqa: F401 (re-exported)
from ..core import sections
from ..epd.errors import EpdError, EpdUnavailable, PatientNotFound
from ..epd.models import PatientDetails, PatientSummary
from . import facts, inputs
from .decision import Decision, Outcome, decide
from .network import in_ranges

log = logging.getLogger(__name__)

#: Attribute set on every wrapped view (a ``PatientRoute``); the url_map test relies on it.
MARK = "patient_route"


@dataclass(frozen=True)
class PatientRoute:
    """How a view was wrapped by ``patient_view`` (read by tests walking the url_map)."""

    label: str | Callable[..., str]
    source: str
    pending_emergency: bool
    item: bool = False
    action: Action = Action.VIEW
    details: bool = False


def at_hap() -> bool:
    """Does this request come from one of the tenant's huisartsenposten?"""
    return in_ranges(request.remote_addr, context.tenant().access.hap_ip_ranges)


def decide_for(patients: Iterable[PatientSummary]) -> list[tuple[PatientSummary, Decision]]:
    """The decision for each patient, for the current provider and request (one DB query)."""
    patients = list(patients)
    provider, hap, day = facts.provider_facts(), at_hap(), context.clock().today()
    granted = facts.emergency_grants(p.patient_id for p in patients) if hap else set()
    return [(p, decide(provider, consent=p.consent, relations=p.relations, at_hap=hap,
                       emergency_granted=p.patient_id in granted, today=day)) for p in patients]


def visible(patients: Iterable[PatientSummary]) -> list[tuple[PatientSummary, Decision]]:
    """Only the patients this provider may open, now or through the noodprocedure: a result
    list never shows a stranger's name or birth date."""
    return [(p, d) for p, d in decide_for(patients) if d.listable]


def audit_or_refuse(event: AuditEvent, along: tuple[Any, dict] | None = None):
    """Write ``event`` (with ``along``, a statement and its parameters, in the same
    transaction: ``audit.writer.record_with``); None when written, else the 503 response to
    send instead (fail closed: then ``along`` is not written either)."""
    try:
        if along is None:
            record(event)
        else:
            record_with(event, along[0], along[1])
    except AuditWriteError:
        log.error("audit record could not be written; refusing the %s request", event.action)
        return render_template("access/audit_unavailable.html"), 503
    return None


def audit_list(name: str, details: dict[str, str], shown: Iterable[tuple[PatientSummary, Decision]]):
    """Log a search or patient list *and every patient it shows*: one ``Action.SEARCH``
    record with the criteria, and one ``Action.LISTED`` record per row, so that each patient
    finds "Getoond in lijst ..." in their inzagelog (NEN 7513). All are appended at once;
    None when written, else the 503 response to send instead of the list (fail closed)."""
    events = [request_event(Action.SEARCH, "success", data=name, details=details)]
    events += [request_event(Action.LISTED, "success", patient=p, data=name, grounds=d.grounds) for p, d in shown]
    try:
        record_all(events)
    except AuditWriteError:
        log.error("audit records of a patient list could not be written; the list is not shown")
        return render_template("access/audit_unavailable.html"), 503
    return None


def deny(patient: PatientSummary | None, decision: Decision | None, data: str):
    """Log the refusal and answer with the Dutch refusal page (403)."""
    refusal = (decision.refusal if decision else None) or "no_selection"
    failed = audit_or_refuse(request_event(Action.ACCESS_DENIED, "denied", patient=patient, data=data,
                                         grounds=decision.grounds if decision else None,
                                         details={"refusal": refusal}))
    if failed:
        return failed
    return render_template("access/denied.html", refusal=refusal), 403


#: The status of data the EPD delivered but that can never be shown. Not 502/503: asking
#: again cannot help, and the proxy retries 502/503 on another upstream (config/nginx), which
#: would read the EPD and write an audit record again for nothing.
UNUSABLE_DATA_STATUS = 422


def epd_failure(error: EpdError, data: str):
    """The EPD failed: a Dutch message, logged without patient data; the attempt is in the
    audit log (the patient is unknown to the portal at this point). Unreachable (timeout,
    connection, 5xx: ``EpdUnavailable``) is 503 and says to try again later; anything else
    is data that can never be shown (``EpdBadData``): 422, and it never says to try again."""
    unreachable = isinstance(error, EpdUnavailable)
    cause = "epd_unreachable" if unreachable else "unusable_data"
    log.warning("EPD error while opening %s: %s (%s)", data, type(error).__name__, cause)
    failed = audit_or_refuse(request_event(Action.VIEW, "failure", data=data,
                                         details={"error": type(error).__name__, "cause": cause}))
    if failed:
        return failed
    if unreachable:
        return render_template("access/epd_unavailable.html", error=error), 503
    return render_template("access/epd_unusable.html", error=error), UNUSABLE_DATA_STATUS


def _request_context() -> str | None:
    """The patient context token the request came with: the form field of a POST (or the
    key of a JSON body), the query parameter of a GET."""
    field = selection.CONTEXT_FIELD
    if request.method in ("GET", "HEAD"):
        return request.args.get(field)
    if request.is_json:
        body = request.get_json(silent=True)
        return body.get(field) if isinstance(body, dict) else None
    return request.form.get(field)


def context_conflict(patient_id: str | None, source: str):
    """None when the request belongs to the patient it would act on (``patient_id``, read
    from ``source``); else the 409 page naming the patient of the page the request came from
    and the one selected meanwhile, with a way on with either. Nothing has been done yet."""
    came_from = selection.context(_request_context())
    if came_from is not None and came_from.patient_id == patient_id:
        return None
    if came_from is None and patient_id is None:
        return no_patient()
    log.warning("request for %s refused: made on a page of another patient", request.endpoint)
    if patient_id is None:
        current = None
    elif source == SELECTED and (bar := selection.banner()):
        current = selection.PatientContext(bar["context"], patient_id, bar["display_name"], bar["birth_date"])
    else:
        current = selection.context_of(patient_id)
    current_url = url_for("access.confirm") if source == CANDIDATE else first_url("patient.info", "core.home")
    return render_template("access/conflict.html", came_from=came_from, current=current, current_url=current_url,
                           other_selected=patient_id is not None, search_url=first_url("search.search")), 409


def first_url(*endpoints: str) -> str | None:
    """The URL of the first of ``endpoints`` this tenant has (menus can be switched off)."""
    for endpoint in endpoints:
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return None


def no_patient():
    """The page of a patient route opened while no patient is selected: says so, with the
    ways to choose one (instead of silently landing on Home)."""
    return render_template("access/no_patient.html", search_url=first_url("search.search"),
                           recent_url=first_url("search.recent_patients"))


def _read_patient(patient_id: str, details: bool, source: str) -> tuple[PatientSummary, PatientDetails | None]:
    """The patient's summary for the access decision; with ``details``, read as part of the
    patient's details in one EPD read (the view then needs no second one). When the details
    cannot be read, the summary alone, as the view would have fallen back to. Without
    ``details``, for the selected patient, the summary the last decision of this selection
    used while it is young enough (``inputs``); every read for the selected patient is kept
    for the next pages. A candidate (a new selection) is always read fresh."""
    connector = context.connector()
    if details:
        try:
            found = connector.get_patient(patient_id)
        except PatientNotFound:
            raise
        except EpdError as error:
            log.warning("EPD error while reading a patient's details: %s", type(error).__name__)
            sections.note_problem(error)  # the page's message tells an outage from unusable data
        else:
            if source == SELECTED:
                inputs.keep(found.summary)
            return found.summary, found
    elif source == SELECTED and (summary := inputs.cached(patient_id)) is not None:
        return summary, None
    summary = connector.get_patient_summary(patient_id)
    if source == SELECTED:
        inputs.keep(summary)
    return summary, None


def patient_view(label: str | Callable[..., str], *, source: str = SELECTED, pending_emergency: bool = False,
                 item: bool = False, action: Action = Action.VIEW, details: bool = False):
    """Decorator for a view showing a patient's data.

    ``label`` names the data for the audit log ("Labuitslagen"), or is a function of the
    view's keyword arguments for item pages (``lambda letter_id: f"Brief {letter_id}"``).
    ``source`` is the session key holding the patient (the selected one by default; the
    candidate for the "Ga verder met deze patiënt" page, which alone sets
    ``pending_emergency`` so that it can offer the noodprocedure). The view is called as
    ``view(patient, **kwargs)`` with ``g.access_decision`` and ``g.patient_context`` (the
    page's context token, see ``selection``) set. ``action`` is what the success record
    says was done (``Action.VIEW``; ``Action.PRINT`` for the Afdrukken route). With
    ``details`` the patient is read with their details in one EPD read, and the view is
    called with ``details=`` the ``PatientDetails`` (None when the EPD could give only the
    summary); nothing of them reaches the page before the decision and the audit record.
    A POST for the candidate ("Ga verder met deze patiënt") that is allowed selects the
    patient: its record is written together with the patient's Recente entry, in one
    transaction (one statement on PostgreSQL), and the view's ``select_patient`` does not
    write that entry again.

    Every POST, and a GET of an ``item`` route (a letter, image, graph, report, or a form
    opened from a patient's page), must carry the context token of the patient it acts on:
    a request made on a page of another patient changes and shows nothing (409, see
    ``context_conflict``) before the EPD is even asked.
    """
    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            data = label(**kwargs) if callable(label) else label
            patient_id = session.get(source)
            if request.method not in ("GET", "HEAD") or item:
                conflict = context_conflict(patient_id, source)
                if conflict is not None:
                    return conflict
            if not patient_id:
                return no_patient()
            try:
                patient, found = _read_patient(patient_id, details, source)
            except PatientNotFound:
                session.pop(SELECTED, None)
                return deny(None, None, data)
            except EpdError as error:
                return epd_failure(error, data)
            [(patient, decision)] = decide_for([patient])
            if decision.outcome is not Outcome.ALLOWED:
                inputs.forget(patient_id)  # asked again, it is decided on a fresh read
            if decision.outcome is Outcome.EMERGENCY_AVAILABLE and not pending_emergency:
                # An emergency access expired (or the GP left the HAP network): ask again.
                clear_selection()
                session[CANDIDATE] = patient_id
                return redirect(url_for("access.confirm"))
            if decision.outcome is Outcome.DENIED:
                session.pop(source, None)
                if source == SELECTED:
                    clear_selection()
                return deny(patient, decision, data)
            g.access_decision = decision
            g.patient_context = selection.bind(patient)
            if details:
                kwargs["details"] = found
            if item:
                return _item_answer(view, patient, decision, data, kwargs)
            along = None
            if source == CANDIDATE and request.method == "POST" and decision.allowed:
                along = facts.recent_write(patient_id)
                g.recent_written = patient_id
            failed = audit_or_refuse(request_event(action, "success", patient=patient, data=data,
                                                 grounds=decision.grounds), along)
            if failed:
                return failed
            return view(patient, **kwargs)

        setattr(wrapper, MARK, PatientRoute(label, source, pending_emergency, item, action, details))
        return wrapper

    return decorate


def _item_answer(view, patient: PatientSummary, decision: Decision, data: str, kwargs: dict):
    """An item route's answer and its audit record. The item is looked up first, so that a
    request for an item that does not exist, or is not this patient's, is logged as a
    refused request and never as a view of the selected patient; what the view made leaves
    only once its record is written (fail closed, as for every patient route)."""
    try:
        response = make_response(view(patient, **kwargs))
    except NotFound:
        response = None
    if response is None or response.status_code == 404:
        failed = audit_or_refuse(request_event(Action.ACCESS_DENIED, "denied", patient=patient, data=data,
                                             grounds=decision.grounds, details={"refusal": "unknown_item"}))
        if failed:
            return failed
        if response is None:
            raise NotFound()
        return response
    if response.status_code >= 500 or response.status_code == UNUSABLE_DATA_STATUS:  # epd_failure logged it
        return response
    failed = audit_or_refuse(request_event(Action.VIEW, "success", patient=patient, data=data,
                                           grounds=decision.grounds))
    return failed or response


def offer(shown: Iterable[tuple[PatientSummary, Decision]]) -> list[tuple[str, PatientSummary, Decision]]:
    """A random token per listed patient for its "Kies deze patiënt" button. ``shown`` are
    (patient, decision) pairs the list already decided (``visible``/``decide_for``): a list
    decides access once; an unlistable pair here is a bug and is left out."""
    shown = [(p, d) for p, d in shown if d.listable]
    by_id = selection.remember_offer([p.patient_id for p, _ in shown])
    return [(by_id[p.patient_id], p, d) for p, d in shown]


take_offer = selection.take_offer
banner = selection.banner
clear_selection = selection.clear


def select_patient(patient: PatientSummary) -> None:
    """Make ``patient`` the selected patient (after an allowing decision), remembered in
    Recente (unless this request's audit record already wrote that, see ``patient_view``)."""
    selection.select(patient)
    if g.get("recent_written") != patient.patient_id:
        facts.remember_recent(patient.patient_id)
