"""``POST /api/inzagelog``: the patient's inzagelog as FHIR R4 for the hospital's own
patient portal (server to server).

Request: ``Authorization: Bearer <token>`` and a JSON body
``{"bsn": "999990019", "from": "2026-01-01", "to": "2026-12-31"}``. The BSN travels in
the body, never in the URL, so it stays out of access logs and proxies; POST rather than
GET-with-body because intermediaries may drop a GET body (FHIR's own
``POST [base]/AuditEvent/_search`` exists for the same reason).

Who may call it: a bearer token, a client certificate through the proxy (mutual TLS), or
both (``portal.audit.api_auth``). Neither configured: the endpoint does not exist (404).

Every call counts against ``rate_limits.inzagelog_api_per_address`` first (429 beyond it).
The retrieval itself is logged (action EXPORT); if that log entry cannot be written, no
data is returned (503). Every refused call is logged as well (EXPORT, outcome ``denied``
for an unknown caller or the rate limit, ``failure`` for a bad request of a known one),
with its ``code`` in ``details``, never a BSN from the refused body and never a caller it
claimed without proof. Calls refused by the rate limit itself are logged once per address
and window (``details.code = rate_limited``): a flood can neither fill the audit log,
which nobody may delete, nor hold up the chain every GP's page view appends to.
"""
from __future__ import annotations

import logging
import os

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request

from .. import context
from ..core.security import public_endpoint
from ..tenants.schema import RateLimit
from ..web import ratelimit
from . import Action, AuditEvent, AuditWriteError, api_auth, record
from .fhir import operation_outcome, searchset
from .inzagelog import InzagelogRequestError, access_log, parse_period, valid_bsn

bp = Blueprint("audit_api", __name__)

log = logging.getLogger(__name__)
FHIR_JSON = "application/fhir+json"
CLIENT_NAME = api_auth.TOKEN_CLIENT
ACCESS_KEY = "portal.audit.api_access"
SCOPE = "inzagelog_api_per_address"


def configure(app: Flask, environ=None) -> None:
    """Read the tenant's API callers (``api_auth.load``) into ``app``; raises ``SettingsError``
    for a weak token. ``create_app`` calls it once; tests call it after changing the variable."""
    app.extensions[ACCESS_KEY] = api_auth.load(context.tenant_of(app), os.environ if environ is None else environ)


def _fhir(body: dict, status: int, **headers: str) -> Response:
    response = jsonify(body)
    response.status_code = status
    response.mimetype = FHIR_JSON
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers)
    return response


def _refused(code: str, status: int, outcome_code: str, diagnostics: str, client: str | None = None,
             **headers: str) -> Response:
    """Log the refused call (``client``: a caller that proved who it is) and answer it."""
    tenant = context.tenant()
    log.warning("inzagelog API: call refused (%s)", code)
    try:
        record(AuditEvent(Action.EXPORT, "failure" if client else "denied", tenant.id, user_name=client,
                          network_address=request.remote_addr, data="Inzagelog",
                          details={"api": "inzagelog", "code": code}))
    except AuditWriteError:
        log.exception("inzagelog API: a refused call could not be logged")  # refused all the same
    return _fhir(operation_outcome(outcome_code, diagnostics), status, **headers)


def _over_the_limit() -> Response | None:
    """The 429 answer when this address is over its limit, else None."""
    address = request.remote_addr or "unknown"
    verdict = ratelimit.hit(SCOPE, address)
    if verdict.allowed:
        return None
    limit = getattr(context.tenant().rate_limits, SCOPE)
    diagnostics = "too many calls; try again later"
    retry = {"Retry-After": str(verdict.retry_after)}
    # One record per address and window says the flood happened; the rest are only counted.
    if ratelimit.hit(f"{SCOPE}:logged", address, limit=RateLimit(count=1, seconds=limit.seconds)).allowed:
        return _refused("rate_limited", 429, "throttled", diagnostics, **retry)
    log.warning("inzagelog API: call refused (rate_limited, logged once per window)")
    return _fhir(operation_outcome("throttled", diagnostics), 429, **retry)


@bp.post("/api/inzagelog")
@public_endpoint
def inzagelog_api() -> Response:
    access: api_auth.ApiAccess = current_app.extensions[ACCESS_KEY]
    if not access.enabled:
        abort(404)
    throttled = _over_the_limit()
    if throttled is not None:
        return throttled
    tenant = context.tenant()
    try:
        client = api_auth.authenticate(access, tenant.auth.trusted_proxies)
    except api_auth.ApiRefused as exc:
        headers = {"WWW-Authenticate": exc.challenge} if exc.challenge else {}
        return _refused(exc.code, exc.status, "login" if exc.status == 401 else "forbidden", exc.diagnostics,
                        **headers)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _refused("request_invalid", 400, "invalid", 'send a JSON object {"bsn": ..., "from": ..., "to": ...}',
                        client)
    try:
        bsn = valid_bsn(str(body.get("bsn") or ""))
        # Whatever JSON sent: parse_period refuses all but YYYY-MM-DD strings (TypeError too).
        first, last = parse_period(body.get("from"), body.get("to"))  # type: ignore[arg-type]
    except InzagelogRequestError as exc:
        return _refused("request_invalid", 400, "invalid", str(exc), client)

    entries = access_log(context.database(), tenant.id, bsn, first, last)
    try:
        record(AuditEvent(Action.EXPORT, "success", tenant.id, user_name=client,
                          network_address=request.remote_addr, patient_bsn=bsn, data="Inzagelog",
                          grounds="patient_request",
                          details={"format": "fhir", "from": first.isoformat(), "to": last.isoformat(),
                                   "entries": str(len(entries))}))
    except AuditWriteError:
        log.exception("inzagelog API: audit record not written; nothing returned")
        return _fhir(operation_outcome("transient", "the request could not be logged; try again later"), 503)
    return _fhir(searchset(entries, bsn, tenant.display_name, tenant.audit.system_name), 200)


def init_portal_app(app: Flask) -> None:
    """Register the API and read its callers (called by ``create_app``; a weak token stops
    it). Authenticated per call, without a session: no CSRF token."""
    configure(app)
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(inzagelog_api)
