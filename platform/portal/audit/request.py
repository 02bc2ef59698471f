"""Audit events of the current request: who (the logged-in provider), from where (the
client address the trusted proxy reported), at which hospital, about which patient."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import request

from .. import context
from .events import Action, AuditEvent

if TYPE_CHECKING:
    from ..epd.models import PatientSummary


def request_event(action: Action, outcome: str, *, patient: "PatientSummary | None" = None, data: str | None = None,
                  grounds: str | None = None, details: dict[str, str] | None = None) -> AuditEvent:
    """An ``AuditEvent`` for the logged-in provider, this request and (optionally) ``patient``."""
    provider = context.provider()
    return AuditEvent(
        action=action, outcome=outcome, tenant_id=context.tenant().id,
        user_uzi=provider.uzi_number, user_name=provider.name, user_role=provider.role,
        user_agb=provider.agb_code, user_organisation=provider.practice_name,
        network_address=request.remote_addr,
        patient_bsn=patient.bsn if patient else None,
        patient_number=patient.patient_number if patient else None,
        data=data, grounds=grounds, details=details or {})
