"""The start page counts the log review's open signals for the privacy officer, beside the
other counts; closing a signal takes it off; other roles do not see the count."""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import delete

from portal.backoffice.models import Signal
from support.staff_sso import MANAGER, backoffice_host

from .conftest import staff_login

HOST = backoffice_host("zgt")


def _count(html: str, testid: str) -> int:
    match = re.search(rf'data-testid="{testid}">.*?<strong>(\d+)</strong>', html, re.S)
    assert match, html[:2000]
    return int(match.group(1))


@pytest.fixture
def signals(bo_platform):
    """Two open signals of zgt and one of mst; removed afterwards."""
    stamp = f"{datetime.now(timezone.utc).timestamp()}"
    with bo_platform.database.session() as db:
        rows = [Signal(tenant_id=tenant, kind="volume", day=date(2026, 11, 2), subject=f"home-{stamp}-{i}",
                       count=40, first_seq=1, last_seq=2) for i, tenant in enumerate(("zgt", "zgt", "mst"))]
        db.add_all(rows)
        db.flush()
        ids = [r.id for r in rows]
    yield ids
    with bo_platform.database.session() as db:
        db.execute(delete(Signal).where(Signal.id.in_(ids)))


def test_the_privacy_officer_sees_the_open_signals_counted(browser, staff_sso, bo_platform, signals):
    staff_login(browser, staff_sso, "zgt")
    with bo_platform.database.session() as db:
        for signal_id in signals[:2]:
            db.get(Signal, signal_id).closed_at = datetime.now(timezone.utc)
    before = _count(browser.at(HOST, "/").get_data(as_text=True), "count-open-signals")
    with bo_platform.database.session() as db:
        for signal_id in signals[:2]:
            db.get(Signal, signal_id).closed_at = None
    html = browser.at(HOST, "/").get_data(as_text=True)
    assert _count(html, "count-open-signals") == before + 2  # the other hospital's signal not among them
    assert "count-open-reviews" in html and 'href="/logboek/signalen' in html
    with bo_platform.database.session() as db:
        db.get(Signal, signals[0]).closed_at = datetime.now(timezone.utc)
    assert _count(browser.at(HOST, "/").get_data(as_text=True), "count-open-signals") == before + 1


def test_the_application_manager_has_no_signal_count(browser, staff_sso, bo_platform, signals):
    staff_login(browser, staff_sso, "zgt", roles=(MANAGER,), name="Anna Beheer", sub="a.beheer")
    html = browser.at(HOST, "/").get_data(as_text=True)
    assert "count-open-signals" not in html and "count-death-notifications" in html
