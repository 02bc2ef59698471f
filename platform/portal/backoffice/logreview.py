"""Searching a tenant's audit log for the privacy officer: by provider (UZI number or part of
a name), patient (BSN), period, action and, for a signal, the range of records behind it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..audit.events import Action
from ..audit.models import AuditRecord

PAGE_SIZE = 50
ACTIONS = tuple(action.value for action in Action)


@dataclass(frozen=True)
class Criteria:
    start: datetime  # UTC, included
    end: datetime  # UTC, excluded
    provider: str = ""  # a UZI number, or part of a provider's name
    bsn: str = ""
    action: str = ""
    organisation: str = ""
    first_seq: int | None = None
    last_seq: int | None = None

    def audit_details(self, first: date, last: date) -> dict[str, str]:
        """What the audit record of this search keeps (the criteria used, as the GP search does)."""
        values = {"van": first.isoformat(), "tot": last.isoformat(), "provider": self.provider, "bsn": self.bsn,
                  "action": self.action, "organisation": self.organisation,
                  "records": f"{self.first_seq}-{self.last_seq}" if self.first_seq is not None else ""}
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class Page:
    records: list[AuditRecord]
    total: int
    number: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def search(session: Session, tenant_id: str, criteria: Criteria, page: int = 1) -> Page:
    """The records matching ``criteria``, newest first, ``PAGE_SIZE`` per page."""
    query = select(AuditRecord).where(AuditRecord.tenant_id == tenant_id, AuditRecord.occurred_at >= criteria.start,
                                      AuditRecord.occurred_at < criteria.end)
    if criteria.provider:
        text = criteria.provider.strip()
        query = query.where(or_(AuditRecord.user_uzi == text,
                                func.lower(AuditRecord.user_name).contains(text.lower(), autoescape=True)))
    if criteria.bsn:
        query = query.where(AuditRecord.patient_bsn == criteria.bsn)
    if criteria.action:
        query = query.where(AuditRecord.action == criteria.action)
    if criteria.organisation:
        query = query.where(AuditRecord.user_organisation == criteria.organisation)
    if criteria.first_seq is not None and criteria.last_seq is not None:
        query = query.where(AuditRecord.seq >= criteria.first_seq, AuditRecord.seq <= criteria.last_seq)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // PAGE_SIZE))))
    records = list(session.scalars(query.order_by(AuditRecord.seq.desc())
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return Page(records, total, page)
