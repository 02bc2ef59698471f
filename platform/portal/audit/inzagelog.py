"""The patient's inzagelog (code name: access_log): who looked at the record, when.

The manual: "De patiënt kan via de inzagelog zien welke zorgverlener (functienaam) ...
heeft ingelogd op zijn dossier. Op verzoek kan een patiënt een overzicht worden verstrekt
van zorgverleners die in een bepaalde periode de gegevens van de patiënt hebben
geraadpleegd." Entries therefore name the organisation/practice and the function, not
the person; emergency accesses are marked with their reason.

``access_log(...)`` is shared by the CSV/PDF export (CLI) and the FHIR endpoint.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from stdnum.exceptions import ValidationError
from stdnum.nl import bsn as bsn_check

from ..accounts.models import Account
from ..clock import DEFAULT as DEFAULT_CLOCK
from ..db import Database
from .events import Action
from .models import AuditRecord

#: Dates and times the patient reads are Dutch local time.
#: The zone of the inzagelog's dates and times: the hospital's (the default hospital clock
#: outside a tenant's request, e.g. in the CLI).
LOCAL_ZONE = DEFAULT_CLOCK.zone
EMERGENCY_PREFIX = "emergency_access:"

#: Events that show a provider worked with the patient's data (logins, denials and
#: the patient portal's own retrievals are not accesses to the record).
PATIENT_ACTIONS = (Action.VIEW, Action.SEARCH, Action.LISTED, Action.PRINT, Action.EXPORT, Action.EMERGENCY_ACCESS,
                   Action.DEATH_NOTIFICATION, Action.ORDER)

ACTIVITY_NAMES = {
    Action.VIEW: "Ingezien",
    Action.SEARCH: "Gezocht en gevonden",
    Action.LISTED: "Getoond in lijst",
    Action.PRINT: "Afgedrukt",
    Action.EXPORT: "Geëxporteerd",
    Action.EMERGENCY_ACCESS: "Dossier geopend via noodprocedure",
    Action.DEATH_NOTIFICATION: "Overlijden gemeld",
    Action.ORDER: "Aanvraag ingediend",
}

#: UZI role codes (CIBG) -> function name; unknown specialisms fall back to the profession.
ROLE_NAMES = {
    "01.015": "huisarts",
    "01.047": "specialist ouderengeneeskunde",
    "01.004": "apotheekhoudend huisarts",
}
PROFESSION_NAMES = {
    "00": "medewerker",
    "01": "arts",
    "02": "tandarts",
    "17": "apotheker",
    "30": "verpleegkundige",
}


class InzagelogRequestError(ValueError):
    """The request for an inzagelog is invalid (message says why, in English)."""


def function_name(role: str | None, on_behalf: bool = False) -> str:
    """The Dutch function name for a UZI role code, e.g. "01.015" -> "huisarts"."""
    if not role:
        name = "zorgverlener"
    else:
        name = ROLE_NAMES.get(role) or PROFESSION_NAMES.get(role.split(".")[0], f"zorgverlener (rol {role})")
    return f"{name} namens een zorgverlener" if on_behalf else name


def valid_bsn(value: str) -> str:
    """The BSN in its 9-digit form; ``InzagelogRequestError`` unless it passes the 11-proef."""
    try:
        return bsn_check.validate(value)
    except ValidationError as exc:
        raise InzagelogRequestError(f"'{value}' is not a valid BSN: {exc}") from None


def parse_period(start: str, end: str) -> tuple[date, date]:
    """Two YYYY-MM-DD dates, start not after end (both days included)."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except (TypeError, ValueError):
        raise InzagelogRequestError(f"dates must be YYYY-MM-DD (got '{start}' and '{end}')") from None
    if first > last:
        raise InzagelogRequestError(f"the period starts ({first}) after it ends ({last})")
    return first, last


@dataclass(frozen=True)
class AccessLogEntry:
    tenant_id: str
    seq: int
    occurred_at: datetime  # Dutch local time, aware
    organisation: str
    function: str
    role_code: str | None
    action: Action
    activity: str  # e.g. "Ingezien: Labuitslagen"
    emergency: bool
    emergency_reason: str | None
    network_address: str | None


def _utc_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time.min, LOCAL_ZONE).astimezone(timezone.utc)
    end = datetime.combine(last + timedelta(days=1), time.min, LOCAL_ZONE).astimezone(timezone.utc)
    return start, end


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def access_log(database: Database, tenant_id: str, bsn: str, first: date, last: date) -> list[AccessLogEntry]:
    """Every access by a provider to the patient's data from ``first`` to ``last``
    (Dutch dates, both included), oldest first."""
    start, end = _utc_bounds(first, last)
    query = (select(AuditRecord)
             .where(AuditRecord.tenant_id == tenant_id, AuditRecord.patient_bsn == bsn,
                    AuditRecord.occurred_at >= start, AuditRecord.occurred_at < end,
                    AuditRecord.outcome == "success", AuditRecord.user_uzi.is_not(None),
                    AuditRecord.action.in_([a.value for a in PATIENT_ACTIONS]))
             .order_by(AuditRecord.seq))
    with database.session() as session:
        rows = session.scalars(query).all()
        # Older records may lack the practice: fall back to the account's current one.
        missing = {r.user_uzi for r in rows if not r.user_organisation}
        practices = dict(session.execute(
            select(Account.uzi_number, Account.practice_name)
            .where(Account.tenant_id == tenant_id, Account.uzi_number.in_(missing)))) if missing else {}
    return [_entry(row, practices) for row in rows]


def _entry(row: AuditRecord, practices: dict[str, str | None]) -> AccessLogEntry:
    action = Action(row.action)
    grounds = row.grounds or ""
    emergency = action is Action.EMERGENCY_ACCESS or grounds.startswith(EMERGENCY_PREFIX)
    reason = grounds[len(EMERGENCY_PREFIX):].strip() if grounds.startswith(EMERGENCY_PREFIX) else None
    activity = ACTIVITY_NAMES[action] + (f": {row.data}" if row.data else "")
    return AccessLogEntry(
        tenant_id=row.tenant_id,
        seq=row.seq,
        occurred_at=_as_utc(row.occurred_at).astimezone(LOCAL_ZONE),
        organisation=row.user_organisation or practices.get(row.user_uzi or "") or "onbekende praktijk",
        function=function_name(row.user_role, on_behalf=bool(row.responsible_uzi)),
        role_code=row.user_role,
        action=action,
        activity=activity,
        emergency=emergency,
        emergency_reason=reason or None,
        network_address=row.network_address,
    )
