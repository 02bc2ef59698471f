"""NEN 7513 audit log: hash-chained, append-only, per tenant; the patient's inzagelog.

Public API (see the interfaces agreed between the feature modules)::

    from portal.audit import Action, AuditEvent, AuditWriteError, record

    record(AuditEvent(Action.VIEW, "success", tenant_id, user_uzi=..., patient_bsn=...,
                      data="Labuitslagen", grounds="consent+registered_gp"))

``record`` raises ``AuditWriteError`` when it cannot write; the caller must then not show
the patient data (fail closed).
"""
from .events import OUTCOMES, Action, AuditEvent, AuditWriteError
from .writer import record, record_all

__all__ = ["OUTCOMES", "Action", "AuditEvent", "AuditWriteError", "record", "record_all"]
