"""Sending the digests: one e-mail per provider per period when their worklist has news.

A run (``portal notifications send-digests``, from cron or a systemd timer) goes through the
subscribed providers of a tenant. For each, the period of "now" (``period_key``: the
hospital's date for ``daily``, date and half for ``twice_daily``, date and hour for
``hourly``) is looked up in ``notification_digests``:

- sent, or ``unknown``: nothing to do in this period;
- none yet: the events since the end of the last *sent* digest are counted (the connector,
  the worklist's own rules); none, nothing is written (a later run of the period looks
  again); else the row is **inserted first** (status ``sending``, unique per provider and
  period: a second run at the same time cannot claim it), the e-mail is handed to the SMTP
  server, and the row is marked ``sent``;
- ``failed`` (a run that could not reach the mail server): claimed again and sent;
- ``sending`` older than ``STALE_CLAIM``: a run ended between claiming and marking. Whether
  the mail server accepted the e-mail is unknown, so it is **never sent again** (status
  ``unknown``). Its events are not lost: the next period counts from the last *sent*
  digest, so at worst one later e-mail counts them again. The choice: a provider may once
  read a count that includes events already announced, but never gets two e-mails for one
  period.

Nothing of a patient is stored or sent: the rows hold a count, the address and times.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..accounts.models import Account
from ..clock import HospitalClock
from ..tenants.schema import TenantConfig
from . import mailer
from .models import NotificationDigest, NotificationSubscription

log = logging.getLogger(__name__)

#: How often a provider may ask for the e-mail, with the Dutch label of the Meldingen page.
FREQUENCIES = {"off": "Geen e-mail", "daily": "Eén keer per dag", "twice_daily": "Twee keer per dag",
               "hourly": "Elk uur"}
#: A claim this old whose run did not mark it: that run ended (crashed, was killed).
STALE_CLAIM = timedelta(minutes=15)
#: Counts the events of an account's own patients since a moment (``worklist.events.count_new``,
#: handed over by the app: this module imports no screen).
CountEvents = Callable[[object, Session, Account, HospitalClock, datetime], int]


def period_key(frequency: str, local_now: datetime) -> str:
    """The period ``local_now`` (hospital wall time) falls in, for ``frequency``."""
    day = local_now.date().isoformat()
    if frequency == "hourly":
        return f"{day}T{local_now.hour:02d}"
    if frequency == "twice_daily":
        return f"{day}{'am' if local_now.hour < 12 else 'pm'}"
    return day


@dataclass
class RunReport:
    """What one run did, per status (for the command's output and the tests)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    nothing_new: int = 0
    unknown: int = 0
    errors: list[str] = field(default_factory=list)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def send_digests(session: Session, tenant: TenantConfig, connector, clock: HospitalClock, count_events: CountEvents,
                 *, sleep: Callable[[float], None] | None = None) -> RunReport:
    """One run for ``tenant`` (see the module docstring); commits as it goes, so what was
    sent is recorded even when a later provider fails."""
    config = tenant.notifications
    report = RunReport()
    if config is None:
        return report
    smtp = mailer.smtp_of(config.smtp)
    base_url = mailer.portal_url(config, tenant.hostnames)
    now, local_now = clock.utcnow(), clock.local_now()
    subscriptions = session.execute(
        select(NotificationSubscription, Account).join(Account, Account.id == NotificationSubscription.account_id)
        .where(NotificationSubscription.tenant_id == tenant.id, NotificationSubscription.frequency != "off",
               NotificationSubscription.email.is_not(None), Account.active.is_(True))
        .order_by(Account.id)).all()
    for subscription, account in subscriptions:
        key = period_key(subscription.frequency, local_now)
        row = session.execute(select(NotificationDigest).where(
            NotificationDigest.account_id == account.id, NotificationDigest.period_key == key)).scalar_one_or_none()
        if row is not None and not _claim_again(session, row, now, report):
            continue
        since = _last_sent_end(session, account.id) or _aware(subscription.confirmed_at or now)
        try:
            events = count_events(connector, session, account, clock, since)
        except Exception as exc:  # noqa: BLE001 - one provider's EPD failure must not stop the others
            log.warning("digest of account %d: events could not be counted (%s)", account.id, type(exc).__name__)
            report.errors.append(f"account {account.id}: {type(exc).__name__}")
            continue
        if row is None:
            if events == 0:
                report.nothing_new += 1
                continue
            row = _claim_new(session, tenant.id, account.id, key, subscription.email or "", events, since, now)
            if row is None:
                report.skipped += 1  # another run claimed this period a moment ago
                continue
        else:
            row.events, row.window_start, row.window_end, row.email = events, since, now, subscription.email or ""
            session.commit()
        message = mailer.digest_message(sender=config.sender, to=row.email, events=row.events,
                                        hospital=tenant.display_name, base_url=base_url)
        message["Message-ID"] = f"<digest-{row.id}-{key}.{tenant.id}@zorgverlenersportaal>"
        try:
            tries = mailer.deliver(smtp, message, attempts=config.attempts, backoff=config.backoff_seconds,
                                   **({"sleep": sleep} if sleep else {}))
        except mailer.DeliveryFailed as failure:
            row.status, row.attempts, row.error = "failed", row.attempts + failure.attempts, failure.reason
            session.commit()
            report.failed += 1
            log.warning("digest of account %d for %s failed after %d tries: %s", account.id, key, failure.attempts,
                        failure.reason)
            continue
        row.status, row.attempts, row.error = "sent", row.attempts + tries, None
        row.sent_at, row.message_id = datetime.now(timezone.utc), message["Message-ID"]
        session.commit()
        report.sent += 1
    return report


def _claim_again(session: Session, row: NotificationDigest, now: datetime, report: RunReport) -> bool:
    """May this run send the existing row of the period? Only a ``failed`` one, claimed
    atomically (two runs: one wins). A stale ``sending`` row becomes ``unknown``."""
    if row.status == "failed":
        result: CursorResult = session.execute(update(NotificationDigest).where(  # type: ignore[assignment]
            NotificationDigest.id == row.id, NotificationDigest.status == "failed")
            .values(status="sending", claimed_at=now))
        claimed = result.rowcount
        session.commit()
        session.refresh(row)
        if claimed != 1:
            report.skipped += 1
        return claimed == 1
    if row.status == "sending" and now - _aware(row.claimed_at) > STALE_CLAIM:
        row.status, row.error = "unknown", "run ended before the result was recorded"
        session.commit()
        report.unknown += 1
        return False
    report.skipped += 1
    return False


def _claim_new(session: Session, tenant_id: str, account_id: int, key: str, email: str, events: int,
               since: datetime, now: datetime) -> NotificationDigest | None:
    """Insert the period's row (status ``sending``) and commit before anything is sent; None
    when the unique key says another run has it."""
    row = NotificationDigest(tenant_id=tenant_id, account_id=account_id, period_key=key, status="sending", email=email,
                             events=events, window_start=since, window_end=now, attempts=0, claimed_at=now)
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    return row


def _last_sent_end(session: Session, account_id: int) -> datetime | None:
    end = session.execute(select(NotificationDigest.window_end).where(
        NotificationDigest.account_id == account_id, NotificationDigest.status == "sent")
        .order_by(NotificationDigest.window_end.desc()).limit(1)).scalar()
    return _aware(end) if end is not None else None
