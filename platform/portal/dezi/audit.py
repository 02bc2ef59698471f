"""Audit records of Dezi logins, refusals and session ends (NEN 7513, as the UZI-pas path).

Until the verklaring's seal is verified an attempt is nobody's: the record names no provider
(``verified: no``), as ``portal.auth.service.audit_claimed`` does for an unverified card.
Once it is, the record names the provider the verklaring names and, when found, their account
(``verified: yes``); the Dezi-nummer, verklaring_id, URA and levels of assurance go into
``details``, never the verklaring itself.
"""
from __future__ import annotations

import logging

from flask import request

from .. import context
from ..accounts.models import Account
from ..audit import Action, AuditEvent, AuditWriteError, record
from .errors import DeziRefused
from .verklaring import Verklaring

log = logging.getLogger(__name__)
METHOD = "dezi"


def event(outcome: str, *, code: str | None = None, problem: str | None = None,
          verklaring: Verklaring | None = None, account: Account | None = None,
          action: Action = Action.LOGIN, extra: dict[str, str] | None = None) -> AuditEvent:
    details = {"method": METHOD}
    if code:
        details["code"] = code
    if problem:
        details["problem"] = problem[:200]
    if verklaring is not None:
        details["verified"] = "yes"
        details.update(verklaring.audit_details())
    elif account is None:
        details["verified"] = "no"
    details.update(extra or {})
    return AuditEvent(
        action=action, outcome=outcome, tenant_id=context.tenant().id,
        user_uzi=account.uzi_number if account else None,
        user_name=account.name if account else (verklaring.name if verklaring else None),
        user_role=verklaring.role if verklaring else (account.role if account else None),
        user_agb=account.agb_code if account else None,
        user_organisation=account.practice_name if account else (verklaring.organisation if verklaring else None),
        network_address=request.remote_addr, details=details)


def refused(exc: DeziRefused, verklaring: Verklaring | None = None, extra: dict[str, str] | None = None
            ) -> DeziRefused:
    """Audit the refusal ``exc`` and hand back what to raise (``audit_unavailable`` if unlogged)."""
    log.info("dezi login refused: %s (%s)", exc.code, exc.problem or "-")
    try:
        record(event("failure", code=exc.code, problem=exc.problem, verklaring=verklaring, extra=extra))
    except AuditWriteError:
        log.exception("dezi login refusal could not be audited")
        return DeziRefused("audit_unavailable")
    return exc
