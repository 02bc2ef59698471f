"""``notification_subscriptions`` (who wants the e-mail, where, how often) and
``notification_digests`` (every e-mail sent or attempted, one per provider per period)."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class NotificationSubscription(Base):
    """One row per account. ``email`` is a confirmed address (through the link sent to it, or
    the address ZorgNetOost registered); ``pending_email`` waits for its link, which carries
    ``confirm_nonce`` (single use: cleared when used or replaced)."""

    __tablename__ = "notification_subscriptions"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(254))
    frequency: Mapped[str] = mapped_column(String(16), default="off")
    pending_email: Mapped[str | None] = mapped_column(String(254))
    confirm_nonce: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class NotificationDigest(Base):
    """One e-mail of one provider for one period (``period_key``, unique per account): the
    row is written *before* the e-mail is handed to the mail server and marked after, so a
    repeated or interrupted run never sends a period twice (README, "Notification e-mail").

    ``status``: ``sending`` (claimed), ``sent``, ``failed`` (every try of a run failed; a
    later run tries again) or ``unknown`` (a run ended between claiming and marking: it may
    have been sent, so it is never sent again). ``events`` counts what happened in
    [``window_start``, ``window_end``); ``error`` names the failure, never content."""

    __tablename__ = "notification_digests"
    __table_args__ = (UniqueConstraint("account_id", "period_key", name="uq_notification_digests_account_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    email: Mapped[str] = mapped_column(String(254))
    events: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
