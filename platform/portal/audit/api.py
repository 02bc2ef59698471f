"""``POST /api/inzagelog``: the patient's inzagelog as FHIR R4 for the hospital's own
patient portal (server to server).

Request: ``Authorization: Bearer <token>`` and a JSON body
``{"bsn": "999990019", "from": "2026-01-01", "to": "2026-12-31"}``. The BSN travels in
the body, never in the URL, so it stays out of access logs and proxies; POST rather than
GET-with-body because intermediaries may drop a GET body (FHIR's own
``POST [base]/AuditEvent/_search`` exists for the same reason).

The token is the value of the environment variable the tenant names in
``audit.api_token_env``; compared in constant time. No token configured: the endpoint
does not exist (404). The retrieval itself is logged (action EXPORT); if that log entry
cannot be written, no data is returned (503).
"""
from __future__ import annotations

import hmac
import os

from flask import Blueprint, Flask, abort, current_app, jsonify, request

from ..core.security import public_endpoint
from . import Action, AuditEvent, AuditWriteError, record
from .fhir import operation_outcome, searchset
from .inzagelog import InzagelogRequestError, access_log, parse_period, valid_bsn

bp = Blueprint("audit_api", __name__)

FHIR_JSON = "application/fhir+json"
CLIENT_NAME = "patiëntenportaal (inzagelog-API)"


def _configured_token() -> str | None:
    tenant = current_app.extensions["portal.tenant"]
    name = tenant.audit.api_token_env
    return (os.environ.get(name) or None) if name else None


def _fhir(body: dict, status: int, **headers):
    response = jsonify(body)
    response.status_code = status
    response.mimetype = FHIR_JSON
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers)
    return response


def _authorised(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@bp.post("/api/inzagelog")
@public_endpoint
def inzagelog_api():
    token = _configured_token()
    if token is None:
        abort(404)
    if not _authorised(token):
        current_app.logger.warning("inzagelog API: request without a valid token from %s", request.remote_addr)
        return _fhir(operation_outcome("login", "a valid bearer token is required"), 401,
                     **{"WWW-Authenticate": 'Bearer realm="inzagelog"'})
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _fhir(operation_outcome("invalid", 'send a JSON object {"bsn": ..., "from": ..., "to": ...}'), 400)
    try:
        bsn = valid_bsn(str(body.get("bsn") or ""))
        first, last = parse_period(body.get("from"), body.get("to"))
    except InzagelogRequestError as exc:
        return _fhir(operation_outcome("invalid", str(exc)), 400)

    tenant = current_app.extensions["portal.tenant"]
    database = current_app.extensions["portal.db"]
    entries = access_log(database, tenant.id, bsn, first, last)
    try:
        record(AuditEvent(Action.EXPORT, "success", tenant.id, user_name=CLIENT_NAME,
                          network_address=request.remote_addr, patient_bsn=bsn, data="Inzagelog",
                          grounds="patient_request",
                          details={"format": "fhir", "from": first.isoformat(), "to": last.isoformat(),
                                   "entries": str(len(entries))}))
    except AuditWriteError:
        current_app.logger.exception("inzagelog API: audit record not written; nothing returned")
        return _fhir(operation_outcome("transient", "the request could not be logged; try again later"), 503)
    return _fhir(searchset(entries, bsn, tenant.display_name, tenant.audit.system_name), 200)


def init_portal_app(app: Flask) -> None:
    """Register the API (called by ``create_app``). Token-authenticated: no session, so no
    CSRF token."""
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(inzagelog_api)
