"""The launch routes: in from a HIS or an EHR, then the portal's own rules.

- ``POST /launch`` (``signed_launch``): a HIS's signed context (form field ``jwt``). The one
  endpoint taking a POST from another site: exempt from the CSRF token and the origin
  check (``portal.web.origin.CROSS_SITE_ENDPOINTS``), protected by its own signature, a
  lifetime of at most five minutes and a ``jti`` accepted once. It changes nothing of the
  browser's session; it stores the launch and answers 302 to ``/launch/openen``.
- ``GET /launch/smart`` and ``GET /launch/smart/terug``: the SMART EHR launch (``smart.py``),
  ending at ``/launch/openen`` too.
- ``GET /launch/openen`` (``open_launch``): behind the UZI-pas login like any page (so a
  provider not yet logged in logs in first and comes back here). The launched provider must
  be the logged-in one; the patient is found by BSN through the connector; the ordinary
  access decision (``guard.decide_for``) decides: allowed opens the patient (the selection
  mechanism: no BSN in any URL), the noodprocedure goes to "Ga verder met deze patiënt" as a
  search would, refused is refused.

Every refusal is a Dutch page and an audit record naming the launch (issuer, jti or launch).
"""
from __future__ import annotations

import json
import logging
import secrets
from datetime import datetime, timedelta, timezone

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import context
from ..access import guard
from ..access.decision import Outcome
from ..audit import Action, AuditEvent
from ..audit.request import request_event
from ..core.security import public_endpoint
from ..epd.errors import EpdError
from ..epd.models import PatientSummary, SearchCriteria
from ..settings import SettingsError
from . import keys, signed, smart, store
from .claims import DESTINATIONS, LaunchContext
from .refusals import LaunchRefused

log = logging.getLogger(__name__)

bp = Blueprint("launch", __name__, template_folder="templates")
#: What the audit log names as the data of a launch.
DATA = "Openen vanuit eigen systeem"


def _audit(outcome: str, action: Action, details: dict[str, str], patient: PatientSummary | None = None,
           grounds: str | None = None):
    """Write the launch's audit record: the logged-in provider's, or (before login) nobody's,
    with what the launch claims in ``details``. None when written, else the 503 page."""
    if current_user.is_authenticated:
        event = request_event(action, outcome, patient=patient, data=DATA, grounds=grounds, details=details)
    else:
        event = AuditEvent(action=action, outcome=outcome, tenant_id=context.tenant().id,
                           network_address=request.remote_addr, data=DATA, details=details)
    return guard.audit_or_refuse(event)


def refuse(exc: LaunchRefused, details: dict[str, str] | None = None, patient: PatientSummary | None = None,
           grounds: str | None = None, spent: bool = False):
    """Audit the refusal and answer with its Dutch page; ``spent``: the browser's launch was
    used up by this request, so its cookie goes too (a refused new launch leaves a waiting
    one alone)."""
    audited = {"route": "launch", **(details or {}), **exc.details, "refusal": exc.code}
    log.warning("launch refused: %s (%s)", exc.code, audited.get("issuer", "unknown issuer"))
    failed = _audit("denied", Action.ACCESS_DENIED, audited, patient=patient, grounds=grounds)
    if failed:
        return failed
    response = current_app.make_response(
        (render_template("launch/refused.html", refusal=exc.refusal, code=exc.code,
                         search_url=guard.first_url("search.search")), exc.refusal.status))
    if spent:
        store.clear_cookie(response)
    return response


@bp.post("/launch")
@public_endpoint
def signed_launch():
    now = datetime.now(timezone.utc)
    try:
        launch, expires = signed.verify(request.form.get("jwt", ""), context.tenant(), now)
        handle = store.accept("signed", launch.issuer, launch.launch_id, store.READY, launch.to_json(),
                              keep_until=expires + signed.LEEWAY)
    except LaunchRefused as exc:
        return refuse(exc, {"launch": "signed"})
    log.info("signed launch accepted from %s", launch.issuer)
    response = redirect(url_for("launch.open_launch"), 302)
    store.set_cookie(response, handle)
    return response


@bp.get("/launch/smart")
@public_endpoint
def smart_launch():
    """The EHR opens this with ``iss`` and ``launch``; off to its authorization endpoint."""
    iss, launch_value = request.args.get("iss", ""), request.args.get("launch", "")
    issuer = smart.trusted_issuer(context.tenant(), iss)
    details = {"launch": "smart"}
    try:
        if issuer is None:
            raise LaunchRefused("unknown_issuer", claimed_issuer=iss[:100] or "none")
        details["issuer"] = issuer.name
        if not launch_value or len(launch_value) > 255:
            raise LaunchRefused("invalid", problem="launch parameter missing or too long")
        config = smart.discover(issuer)
        verifier, challenge = smart.pkce_pair()
        state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        pending = {"issuer": issuer.name, "state": state, "verifier": verifier, "nonce": nonce,
                   "config": config.__dict__}
        handle = store.accept("smart", issuer.name, launch_value, store.AUTHORISING, json.dumps(pending),
                              keep_until=datetime.now(timezone.utc) + timedelta(hours=1))
    except LaunchRefused as exc:
        return refuse(exc, {**details, "launch_id": launch_value[:255]})
    response = redirect(smart.authorize_url(config, issuer, redirect_uri=_redirect_uri(), iss=iss,
                                            launch=launch_value,
                                            state=state, challenge=challenge, nonce=nonce), 302)
    store.set_cookie(response, handle)
    return response


def _redirect_uri() -> str:
    return url_for("launch.smart_return", _external=True)


@bp.get("/launch/smart/terug")
@public_endpoint
def smart_return():
    """The EHR's answer: ``code`` and ``state`` (or ``error``). The state must be the one this
    browser's launch was sent with, and is used once."""
    taken = store.take(store.browser_handle(), store.AUTHORISING, store.EXCHANGING)
    if taken is None:
        return refuse(LaunchRefused("no_launch", problem="no SMART launch waiting in this browser"),
                      {"launch": "smart"})
    row_id, launch_value, pending_json = taken
    pending = json.loads(pending_json or "{}")
    state = request.args.get("state", "")
    details = {"launch": "smart", "launch_id": launch_value}
    try:
        config = smart.SmartConfiguration(**pending["config"])
        issuer = next(i for i in context.tenant().launch.smart if i.name == pending["issuer"])
        details["issuer"] = issuer.name
        if not secrets.compare_digest(state.encode(), pending["state"].encode()):
            raise LaunchRefused("no_launch", problem="state does not match")
        if request.args.get("error") or not request.args.get("code"):
            raise LaunchRefused("smart_failed", problem=f"EHR answered {request.args.get('error', 'no code')[:60]}")
        body = smart.exchange(config, issuer, code=request.args["code"], redirect_uri=_redirect_uri(),
                              verifier=pending["verifier"])
        id_claims = smart.id_token_claims(config, issuer, body, pending["nonce"])
        launch = smart.launch_context(issuer, launch_value, body, id_claims)
    except LaunchRefused as exc:
        store.spent(row_id)
        return refuse(exc, details, spent=True)
    except (KeyError, TypeError, StopIteration):
        store.spent(row_id)
        return refuse(LaunchRefused("smart_failed", problem="launch state unreadable"), details, spent=True)
    store.ready(row_id, launch)
    log.info("SMART launch accepted from %s", launch.issuer)
    return redirect(url_for("launch.open_launch"), 302)


@bp.get("/launch/openen")
def open_launch():
    """The launched patient, for the logged-in provider, by the portal's own rules."""
    taken = store.take(store.browser_handle(), store.READY, store.USED)
    if taken is None:
        return refuse(LaunchRefused("no_launch"), spent=True)
    launch = LaunchContext.from_json(taken[2] or "")
    details = launch.audit_details()
    provider = context.provider()
    same = (launch.provider_uzi == provider.uzi_number) if launch.provider_uzi else \
        (launch.provider_agb == provider.agb_code)
    if not same:
        return refuse(LaunchRefused("other_provider"), details, spent=True)
    try:
        found = list(context.connector().search_patients(SearchCriteria.by_bsn(launch.bsn), limit=2))
    except EpdError as error:
        response = current_app.make_response(guard.epd_failure(error, DATA))
        store.clear_cookie(response)
        return response
    if len(found) != 1:
        return refuse(LaunchRefused("patient_unavailable", problem="not found" if not found else "ambiguous"),
                      details, spent=True)
    [(patient, decision)] = guard.decide_for(found)
    if decision.outcome is Outcome.DENIED:
        return refuse(LaunchRefused("patient_unavailable", problem=decision.refusal or "denied"), details,
                      patient=patient, grounds=decision.grounds, spent=True)
    if decision.outcome is Outcome.EMERGENCY_AVAILABLE:
        # At a HAP without a relation: the noodprocedure page, exactly as after a search.
        failed = _audit("success", Action.SEARCH, {**details, "result": "noodprocedure"}, patient=patient)
        if failed:
            return failed
        session[guard.CANDIDATE] = patient.patient_id
        target = url_for("access.confirm")
    else:
        failed = _audit("success", Action.VIEW, details, patient=patient, grounds=decision.grounds)
        if failed:
            return failed
        guard.select_patient(patient)
        target = guard.first_url(DESTINATIONS[launch.destination], "patient.info", "core.home") or "/"
    response = current_app.make_response(redirect(target, 302))
    store.clear_cookie(response)
    return response


def init_app(app) -> None:
    """Register the blueprint; ``signed_launch`` is exempt from the CSRF token (it comes from
    another site, with its own signature and jti; see the module docstring)."""
    problems = keys.check_files(context.tenant_of(app))
    if problems:
        raise SettingsError("; ".join(problems))
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(signed_launch)
