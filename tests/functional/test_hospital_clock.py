"""The hospital's clock through the whole stack: with the server in UTC or in
Pacific/Kiritimati, at both sides of the Dutch midnight, the forms, the covering
authorisations and the graphs use the same (Dutch) date."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import delete

from portal import clock as clock_module
from portal.access import facts
from portal.access.models import CoveringAuthorisation
from support.access import selected_context
from support.clock import EDGES, PROCESS_ZONES, process_zone
from support.screens import csrf, open_patient, text


@pytest.fixture(params=PROCESS_ZONES)
def zone(request):
    with process_zone(request.param):
        yield request.param


def _stand_at(monkeypatch, instant):
    monkeypatch.setattr(clock_module, "_system_utc", lambda: instant)


def test_a_date_of_death_is_in_the_future_by_the_hospitals_date(gp, demo, zone, monkeypatch):
    patient = demo.mine[-5]
    open_patient(gp, patient)
    for instant, (y, m, d) in EDGES:
        _stand_at(monkeypatch, instant)
        hospital_today = date(y, m, d)
        for day, future in ((hospital_today, False), (hospital_today + timedelta(days=1), True)):
            # Unconfirmed, so nothing is recorded: only the date's own check speaks.
            response = gp.post("/patientinformatie/overlijden", data={
                "csrf_token": csrf(gp), **selected_context(gp), "date_of_death": day.strftime("%d-%m-%Y")})
            assert response.status_code == 400
            assert ("De overlijdensdatum ligt in de toekomst." in text(response)) is future, (zone, instant, day)


def test_a_covering_authorisation_counts_through_its_last_dutch_day(app, client, login_as, platform, zone,
                                                                     monkeypatch):
    account = login_as(client)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=client.host)
    try:
        for instant, (y, m, d) in EDGES:
            _stand_at(monkeypatch, instant)
            hospital_today = date(y, m, d)
            with platform.database.session() as db:
                db.execute(delete(CoveringAuthorisation).where(CoveringAuthorisation.account_id == account.id))
                db.add_all([CoveringAuthorisation(account_id=account.id, practice_agb="01999981",
                                                  valid_until=hospital_today),
                            CoveringAuthorisation(account_id=account.id, practice_agb="01999982",
                                                  valid_until=hospital_today - timedelta(days=1))])
            with app.test_request_context("/", headers={"Cookie": f"{cookie.key}={cookie.value}"}):
                assert facts.provider_facts().covered_practice_agbs == {"01999981"}, (zone, instant)
    finally:
        with platform.database.session() as db:
            db.execute(delete(CoveringAuthorisation).where(CoveringAuthorisation.account_id == account.id))


def test_the_graph_window_ends_at_the_hospitals_wall_time(app, zone, monkeypatch):
    from portal.results.views import _now

    for instant, (y, m, d) in EDGES:
        _stand_at(monkeypatch, instant)
        with app.test_request_context("/"):
            now = _now()
        assert now.tzinfo is None and now.date() == date(y, m, d)
        assert now == instant.astimezone(clock_module.zone_named("Europe/Amsterdam")).replace(tzinfo=None)
