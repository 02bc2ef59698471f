"""``portal notifications send-digests`` against a real SMTP server on loopback (aiosmtpd):
delivered once per period, no patient identifier anywhere in the message, a failing server
retried with backoff, recorded as failed, and sent by a later run."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from portal import context
from portal.access.decision import ProviderFacts
from portal.accounts.models import Account
from portal.notifications.digests import period_key, send_digests
from portal.notifications.models import NotificationDigest, NotificationSubscription
from portal.worklist import events as ev
from support.cli import run_portal_cli
from support.smtp import TestSmtpServer

ADDRESS = "huisarts.meldingen@example.org"


@pytest.fixture
def smtp(monkeypatch):
    with TestSmtpServer() as server:
        monkeypatch.setenv("PORTAL_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("PORTAL_SMTP_PORT", str(server.port))
        yield server


@pytest.fixture
def subscribed(app, demo, make_account, platform, db_session):
    """The demo GP's account, subscribed (daily) to ADDRESS since three days ago."""
    tenant = app.extensions["portal.tenant"]
    account = make_account(tenant_id=tenant.id, **demo.account())
    with platform.database.session() as db:
        db.add(NotificationSubscription(account_id=account.id, tenant_id=tenant.id, email=ADDRESS, frequency="daily",
                                        confirmed_at=datetime.now(timezone.utc) - timedelta(days=3)))
    return account


def _expected_count(app, demo) -> int:
    clock = context.clock_of(app)
    since = datetime.now(timezone.utc) - timedelta(days=3)
    facts = ProviderFacts(agb_code=demo.gp_agb, practice_agb=demo.practice_agb)
    return len(ev.new_since(ev.collect(context.connector_of(app), facts, clock, since), since))


def _identifiers(connector, count: int) -> tuple[set[str], set[str]]:
    """Every name and every number/date of every patient of the demo EPD."""
    names, numbers = set(), set()
    for n in range(1, count + 1):
        p = connector.get_patient_summary(str(n))
        names |= {x for x in (p.display_name, p.surname, p.birth_name, p.given_name, p.partner_name) if x}
        numbers |= {p.patient_number, p.birth_date.strftime("%d-%m-%Y"), p.birth_date.isoformat(),
                    p.birth_date.strftime("%d%m%Y")}
        if p.bsn:
            numbers |= {p.bsn, f"{p.bsn[:4]}.{p.bsn[4:6]}.{p.bsn[6:]}"}
    return names, numbers


def _digests(platform, account_id: int) -> list[NotificationDigest]:
    with platform.database.session() as db:
        rows = db.execute(select(NotificationDigest).where(NotificationDigest.account_id == account_id)).scalars().all()
        db.expunge_all()
        return list(rows)


def test_the_digest_is_delivered_once_and_names_no_patient(app, demo, subscribed, smtp, platform):
    tenant = app.extensions["portal.tenant"]
    expected = _expected_count(app, demo)
    assert expected > 0, "the demo GP's patients had events in the last three days"
    result = run_portal_cli(platform, "notifications", "send-digests", "--tenant", tenant.id)
    assert result.exit_code == 0, result.output
    assert f"{tenant.id}: 1 sent" in result.output
    [message] = smtp.messages
    assert message["To"] == ADDRESS and message["Message-ID"]
    body = message.get_content()
    assert f"Er zijn {expected} nieuwe gebeurtenissen bij uw patiënten" in body
    assert "/patient-zoeken/mijn-patienten" in body
    # Nothing of any patient of the EPD, in the headers or the body, in any encoding it has.
    whole = smtp.raw[0].decode("utf-8", "replace") + str(message) + body
    names, numbers = _identifiers(context.connector_of(app), 300)
    found = [n for n in names if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", whole)]
    found += [n for n in numbers if re.search(rf"(?<![\d-]){re.escape(n)}(?![\d-])", whole)]
    assert found == [], f"patient identifiers in the e-mail: {found[:5]}"
    # A second run in the same period sends nothing new.
    again = run_portal_cli(platform, "notifications", "send-digests", "--tenant", tenant.id)
    assert again.exit_code == 0 and "0 sent" in again.output and "1 already done" in again.output
    assert len(smtp.messages) == 1
    [row] = _digests(platform, subscribed.id)
    assert (row.status, row.events, row.email, row.attempts) == ("sent", expected, ADDRESS, 1)


def test_a_failing_server_is_retried_with_backoff_recorded_and_sent_later(app, demo, subscribed, smtp, platform):
    tenant, clock = app.extensions["portal.tenant"], context.clock_of(app)
    count = app.extensions["portal.notifications"]
    smtp.stop()  # nothing listens on the port now: every connection is refused
    waits: list[float] = []
    with app.app_context(), platform.database.session() as db:
        report = send_digests(db, tenant, context.connector_of(app), clock, count, sleep=waits.append)
    assert (report.sent, report.failed) == (0, 1)
    config = tenant.notifications
    assert waits == [config.backoff_seconds * 2 ** n for n in range(config.attempts - 1)]
    [row] = _digests(platform, subscribed.id)
    assert row.status == "failed" and row.attempts == config.attempts and "ConnectionRefused" in (row.error or "")
    assert smtp.messages == []
    smtp.start()  # the server is back: the next run sends the period's e-mail
    with app.app_context(), platform.database.session() as db:
        report = send_digests(db, tenant, context.connector_of(app), clock, count, sleep=waits.append)
    assert (report.sent, report.failed) == (1, 0) and len(smtp.messages) == 1
    [row] = _digests(platform, subscribed.id)
    assert row.status == "sent" and row.attempts == config.attempts + 1
    with app.app_context(), platform.database.session() as db:
        assert send_digests(db, tenant, context.connector_of(app), clock, count).sent == 0
    assert len(smtp.messages) == 1


def test_a_period_a_crashed_run_claimed_is_never_sent_again(app, demo, subscribed, smtp, platform):
    """The run ended between claiming and marking: maybe the server accepted the e-mail."""
    tenant, clock = app.extensions["portal.tenant"], context.clock_of(app)
    now = datetime.now(timezone.utc)
    with platform.database.session() as db:
        db.add(NotificationDigest(tenant_id=tenant.id, account_id=subscribed.id, status="sending", email=ADDRESS,
                                  period_key=period_key("daily", clock.local_now()), events=2,
                                  window_start=now - timedelta(days=1), window_end=now - timedelta(hours=1),
                                  attempts=0, claimed_at=now - timedelta(hours=1)))
    with app.app_context(), platform.database.session() as db:
        report = send_digests(db, tenant, context.connector_of(app), clock, app.extensions["portal.notifications"])
    assert (report.sent, report.unknown) == (0, 1) and smtp.messages == []
    [row] = _digests(platform, subscribed.id)
    assert row.status == "unknown"


def test_providers_without_an_address_or_with_the_e_mail_off_get_nothing(app, demo, subscribed, smtp, platform):
    with platform.database.session() as db:
        db.get(NotificationSubscription, subscribed.id).frequency = "off"
        db.get(Account, subscribed.id).active = True
    result = run_portal_cli(platform, "notifications", "send-digests", "--tenant", app.extensions["portal.tenant"].id)
    assert result.exit_code == 0 and smtp.messages == []
