"""The noodprocedures of a tenant as the privacy officer reviews them: who opened which
patient, why, when, what they viewed while the access lasted, whether the patient was
notified, and the verdict.

An ``emergency_accesses`` row holds the provider and the connector's patient key; the patient
number and name come from the notification queued with it, the BSN from the grant's audit
record, and what was viewed from the provider's audit records on that patient between the
grant and its expiry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access.models import EmergencyAccess, PatientNotification
from ..accounts.models import Account
from ..audit.models import AuditRecord
from .models import VERDICTS, EmergencyReview

#: What a provider does with a record that counts as "viewed during the noodprocedure".
VIEWED_ACTIONS = ("emergency_access", "view", "print", "export", "order", "death_notification")
#: The grant's audit record is written just before the grant itself.
GRANT_SLACK = timedelta(seconds=60)


@dataclass
class Viewed:
    occurred_at: datetime
    action: str
    data: str | None


@dataclass
class EmergencyCase:
    id: int
    granted_at: datetime
    expires_at: datetime
    provider_name: str
    provider_uzi: str
    practice: str | None
    reason: str
    network_address: str | None
    patient_number: str | None
    patient_name: str | None
    patient_bsn: str | None
    notified_at: datetime | None
    notification_queued: bool
    verdict: str | None = None
    remark: str | None = None
    reviewer: str | None = None
    reviewed_at: datetime | None = None
    history: list[EmergencyReview] = field(default_factory=list)
    viewed: list[Viewed] = field(default_factory=list)

    @property
    def verdict_name(self) -> str:
        return VERDICTS.get(self.verdict or "", "Nog niet beoordeeld")

    @property
    def open(self) -> bool:
        """Still to be judged: no verdict yet, or the last one was "to be discussed"."""
        return self.verdict in (None, "to_discuss")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def period_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC bounds of the local days ``first`` to ``last`` (both included)."""
    return (datetime.combine(first, time.min, zone).astimezone(timezone.utc),
            datetime.combine(last + timedelta(days=1), time.min, zone).astimezone(timezone.utc))


def cases(session: Session, tenant_id: str, *, start: datetime | None = None, end: datetime | None = None,
          only_open: bool = False, case_id: int | None = None, with_viewed: bool = False) -> list[EmergencyCase]:
    """The tenant's noodprocedures granted in [start, end), newest first."""
    query = (select(EmergencyAccess, Account).join(Account, Account.id == EmergencyAccess.account_id)
             .where(EmergencyAccess.tenant_id == tenant_id).order_by(EmergencyAccess.granted_at.desc()))
    if start is not None:
        query = query.where(EmergencyAccess.granted_at >= start)
    if end is not None:
        query = query.where(EmergencyAccess.granted_at < end)
    if case_id is not None:
        query = query.where(EmergencyAccess.id == case_id)
    rows = session.execute(query).all()
    if not rows:
        return []
    ids = [access.id for access, _ in rows]
    reviews: dict[int, list[EmergencyReview]] = {}
    for review in session.scalars(select(EmergencyReview).where(EmergencyReview.access_id.in_(ids))
                                  .order_by(EmergencyReview.id)):
        reviews.setdefault(review.access_id, []).append(review)
    notifications: dict[str, list[PatientNotification]] = {}
    for queued in session.scalars(select(PatientNotification).where(
            PatientNotification.tenant_id == tenant_id, PatientNotification.kind == "emergency_access",
            PatientNotification.patient_id.in_({access.patient_id for access, _ in rows}))):
        notifications.setdefault(queued.patient_id, []).append(queued)
    found = []
    for access, account in rows:
        granted = _utc(access.granted_at)
        notes = notifications.get(access.patient_id, [])
        note = min(notes, key=lambda n: abs(_utc(n.created_at) - granted)) if notes else None
        history = reviews.get(access.id, [])
        last = history[-1] if history else None
        case = EmergencyCase(
            id=access.id, granted_at=granted, expires_at=_utc(access.expires_at), provider_name=account.name,
            provider_uzi=account.uzi_number, practice=account.practice_name, reason=access.reason,
            network_address=access.network_address, patient_number=note.patient_number if note else None,
            patient_name=note.patient_name if note else None, patient_bsn=None,
            notified_at=note.sent_at if note else None, notification_queued=note is not None,
            verdict=last.verdict if last else None, remark=last.remark if last else None,
            reviewer=last.reviewer_name if last else None, reviewed_at=last.reviewed_at if last else None,
            history=history)
        if with_viewed:
            _add_views(session, tenant_id, case)
        found.append(case)
    if only_open:
        found = [c for c in found if c.open]
    return found


def _add_views(session: Session, tenant_id: str, case: EmergencyCase) -> None:
    if not case.patient_number:
        return
    records = session.scalars(select(AuditRecord).where(
        AuditRecord.tenant_id == tenant_id, AuditRecord.user_uzi == case.provider_uzi,
        AuditRecord.patient_number == case.patient_number, AuditRecord.outcome == "success",
        AuditRecord.action.in_(VIEWED_ACTIONS), AuditRecord.occurred_at >= case.granted_at - GRANT_SLACK,
        AuditRecord.occurred_at <= case.expires_at).order_by(AuditRecord.seq)).all()
    case.viewed = [Viewed(_utc(r.occurred_at), r.action, r.data) for r in records]
    case.patient_bsn = next((r.patient_bsn for r in records if r.patient_bsn), None)


def open_count(session: Session, tenant_id: str) -> int:
    return len(cases(session, tenant_id, only_open=True))


def record_verdict(session: Session, tenant_id: str, case_id: int, verdict: str, remark: str, *, reviewer: str,
                   subject: str) -> EmergencyReview:
    """Add a verdict (the caller commits after the audit record is written)."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    review = EmergencyReview(tenant_id=tenant_id, access_id=case_id, verdict=verdict, remark=remark,
                             reviewer_name=reviewer, reviewer_subject=subject)
    session.add(review)
    return review
