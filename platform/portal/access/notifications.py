"""The queue of messages the hospital sends patients (after a noodprocedure): marking them
sent, for ``portal notifications mark-sent`` and the back office."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import PatientNotification


class UnknownNotification(Exception):
    """Some of the ids are not the tenant's notifications; ``missing`` lists them."""

    def __init__(self, missing: list[int]):
        super().__init__(", ".join(map(str, missing)))
        self.missing = missing


def of_tenant(session: Session, tenant_id: str, ids: Iterable[int]) -> list[PatientNotification]:
    """The tenant's notifications ``ids``, all of them or ``UnknownNotification`` (nothing changes then)."""
    wanted = set(ids)
    rows = list(session.scalars(select(PatientNotification).where(
        PatientNotification.tenant_id == tenant_id, PatientNotification.id.in_(wanted))
        .order_by(PatientNotification.id)))
    missing = sorted(wanted - {n.id for n in rows})
    if missing:
        raise UnknownNotification(missing)
    return rows


def mark_sent(rows: Iterable[PatientNotification], *, now: datetime, by: str | None = None) -> int:
    """Mark ``rows`` sent by ``by`` at ``now``; one already sent keeps its first time and
    sender. Returns how many were newly marked (the caller commits)."""
    marked = 0
    for n in rows:
        if n.sent_at is None:
            n.sent_at = now
            n.sent_by = " ".join(by.split())[:200] if by else None
            marked += 1
    return marked
