"""One hospital clock: the same dates whatever zone the server runs in, on both sides of
the Dutch midnight."""
from datetime import date, datetime, timezone

import pytest

from portal import clock as clock_module
from portal.clock import HospitalClock, zone_named
from support.clock import EDGES, PROCESS_ZONES, process_zone


@pytest.mark.parametrize("zone", PROCESS_ZONES)
@pytest.mark.parametrize("instant,expected", EDGES)
def test_today_is_the_hospitals_date_in_any_process_zone(zone, instant, expected, monkeypatch):
    monkeypatch.setattr(clock_module, "_system_utc", lambda: instant)
    hospital = HospitalClock("Europe/Amsterdam")
    with process_zone(zone):
        assert hospital.today() == date(*expected)
        assert hospital.local_now().date() == date(*expected)
        assert hospital.utcnow() == instant


def test_the_server_zone_is_wrong_at_the_edges(monkeypatch):
    """Guards the tests above: at these edges the process zone gives another date."""
    instant, expected = EDGES[1]
    with process_zone("UTC"):
        assert datetime.fromtimestamp(instant.timestamp()).date() != date(*expected)
    instant, expected = EDGES[4]
    with process_zone("Pacific/Kiritimati"):
        assert datetime.fromtimestamp(instant.timestamp()).date() != date(*expected)


def test_to_local_and_localize():
    hospital = HospitalClock("Europe/Amsterdam")
    moment = datetime(2026, 7, 1, 6, 0, tzinfo=timezone.utc)
    assert hospital.to_local(moment) == datetime(2026, 7, 1, 8, 0)
    assert hospital.to_local(datetime(2026, 7, 1, 8, 0)) == datetime(2026, 7, 1, 8, 0)  # a wall time stays
    assert hospital.localize(datetime(2026, 1, 1, 0, 30)).astimezone(timezone.utc) == datetime(
        2025, 12, 31, 23, 30, tzinfo=timezone.utc)


def test_a_tenant_names_its_zone_and_a_wrong_one_is_refused():
    assert HospitalClock("Europe/Brussels").zone.key == "Europe/Brussels"
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Enschede'"):
        zone_named("Europe/Enschede")
