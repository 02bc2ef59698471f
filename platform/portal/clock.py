"""One hospital clock: stored times in UTC, everything a person sees and every "today" in
the hospital's own zone, whatever zone the server runs in.

A Dutch hospital's day is Europe/Amsterdam's (the tenant YAML's ``timezone``, the default).
On a server in UTC (the usual container default) ``date.today()`` is yesterday between
00:00 and 01:00/02:00 Dutch time, and ``datetime.now()`` is an hour or two behind: the SEH
overview's 7 days, the 12-month graph window, a date of death "in the future" and a
covering practice's last day would all shift. So no module asks the server's zone: they
ask a ``HospitalClock``.

Conventions the EPD connectors share: an aware datetime is a moment; a naive one from an
EPD is a wall time in the hospital's zone (``to_local`` makes any moment one).
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Europe/Amsterdam"


def _system_utc() -> datetime:
    """The one place the portal reads the system clock (tests replace it to stand at a
    midnight edge)."""
    return datetime.now(timezone.utc)


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError with a clear message for an unknown one."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as {DEFAULT_ZONE!r})") from None


class HospitalClock:
    """The time as a hospital in ``zone`` reads it."""

    def __init__(self, zone: str | ZoneInfo = DEFAULT_ZONE):
        self.zone = zone if isinstance(zone, ZoneInfo) else zone_named(zone)

    def utcnow(self) -> datetime:
        """Now, aware, in UTC: what is stored."""
        return _system_utc()

    def now(self) -> datetime:
        """Now, aware, in the hospital's zone."""
        return _system_utc().astimezone(self.zone)

    def local_now(self) -> datetime:
        """Now as a naive wall time in the hospital's zone (to compare with EPD wall times)."""
        return self.now().replace(tzinfo=None)

    def today(self) -> date:
        """The hospital's date now."""
        return self.now().date()

    def to_local(self, moment: datetime) -> datetime:
        """``moment`` as a naive wall time in the hospital's zone; a naive value already is one."""
        return moment.astimezone(self.zone).replace(tzinfo=None) if moment.tzinfo is not None else moment

    def localize(self, wall_time: datetime) -> datetime:
        """A naive hospital wall time as an aware moment (aware values pass unchanged)."""
        return wall_time.replace(tzinfo=self.zone) if wall_time.tzinfo is None else wall_time

    def __repr__(self) -> str:
        return f"HospitalClock({self.zone.key!r})"


#: The clock of a hospital in the default zone, for code outside any tenant (the CLI's
#: defaults, tests); a tenant's own clock comes from its YAML (``portal.context.clock()``).
DEFAULT = HospitalClock(DEFAULT_ZONE)
