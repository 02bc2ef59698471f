"""Every staff action in the tenant's NEN 7513 chain: who (the SSO subject and name, their
roles), what (``task``, a stable code, and ``data`` in Dutch), which patient or account.

Staff records carry no UZI number and ``system`` = ``STAFF_SYSTEM``, so the patient's
inzagelog (accesses by providers outside the hospital) and the log review's provider signals
never count them, while the log review can search them. A change a staff member submits (a
verdict, a deactivation) is ``Action.CHANGE`` with the change in ``task``; reads are
``VIEW``/``LISTED``, searches ``SEARCH``, files ``EXPORT``.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort, request

from .. import context
from ..audit.events import Action, AuditEvent, AuditWriteError
from ..audit.writer import record_all

STAFF_SYSTEM = "beheeromgeving"
#: The NEN 7513 action of a change submitted by staff (see the module docstring).
CHANGE = Action.CHANGE


@dataclass(frozen=True)
class Concerning:
    """The patient or account an action concerns (any field may be empty)."""

    patient_bsn: str | None = None
    patient_number: str | None = None
    account: str | None = None  # a provider's UZI number


def event(staff, action: Action, task: str, data: str, *, concerning: Concerning = Concerning(),
          outcome: str = "success", details: dict[str, str] | None = None) -> AuditEvent:
    """The audit event of one staff action in the current request. ``staff``: a
    ``staff.StaffMember`` or None (before the SSO said who)."""
    tenant = context.tenant()
    extra = {"task": task, **(details or {})}
    if staff is not None:
        extra.update(staff_subject=staff.subject, staff_roles=",".join(staff.roles))
    if concerning.account:
        extra["account_uzi"] = concerning.account
    return AuditEvent(action=action, outcome=outcome, tenant_id=tenant.id, system=STAFF_SYSTEM,
                      user_name=staff.name if staff is not None else None,
                      user_role="staff" if staff is not None else None, user_organisation=tenant.display_name,
                      network_address=request.remote_addr, patient_bsn=concerning.patient_bsn,
                      patient_number=concerning.patient_number, data=f"Beheer: {data}", details=extra)


def write(events: Iterable[AuditEvent]) -> None:
    """Write ``events`` or answer 503: an action that cannot be audited is not done (callers
    write before they commit a change or show data)."""
    events = list(events)
    try:
        record_all(events)
    except AuditWriteError:
        abort(503)


def audit(staff, action: Action, task: str, data: str, **kwargs) -> None:
    """``write`` one event."""
    write([event(staff, action, task, data, **kwargs)])
