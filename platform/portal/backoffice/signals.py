"""Signals of possible misuse, computed from a tenant's audit log for the privacy officer.

``compute`` reads the providers' records (not the staff's: ``trail.STAFF_SYSTEM``) of the
last ``backoffice.signals.window_days`` local days and counts, per local day:

- ``many_patients``: distinct patients a provider opened, against their own median per
  active day in the window and the median of all providers' active days;
- ``off_hours``: a provider's views outside the practice's usual hours and days;
- ``bare_searches``: a provider's searches not followed by opening a patient;
- ``refusals``: a provider's refused accesses (``access_denied``);
- ``failed_logins``: failed logins per UZI number (verified or only claimed by a card);
- ``emergency_provider`` / ``emergency_practice``: noodprocedures per provider, per practice;
- ``watch_list``: any access to a patient on the tenant's watch list (per provider and day).

A count at or over its threshold is a signal, stored once per (kind, day, subject): a rerun
refreshes the counts of a signal it raises again and never reopens a closed one.
"""
from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.models import AuditRecord
from ..tenants.backoffice import SignalsConfig
from .models import Signal
from .noodprocedure import period_bounds
from .trail import STAFF_SYSTEM

#: What counts as opening a patient (a record shown, or a noodprocedure granted).
OPENS = ("view", "emergency_access")
#: What counts as accessing a patient for the watch list.
ACCESSES = ("listed", "view", "print", "export", "order", "emergency_access", "death_notification")


@dataclass(frozen=True)
class Explanation:
    title: str
    meaning: str
    why: str
    check: str


#: Per kind, in Dutch: what it means, why it may be misuse, what to check.
EXPLANATIONS = {
    "many_patients": Explanation(
        "Veel meer patiënten dan gebruikelijk",
        "Deze zorgverlener opende op deze dag veel meer verschillende patiënten dan hij of zij gewoonlijk doet "
        "(de mediaan van de eigen actieve dagen) of dan collega's doen (de mediaan van alle zorgverleners).",
        "Wie dossiers doorbladert zonder behandelrelatie opent vaak veel verschillende patiënten kort na elkaar.",
        "Bekijk de geopende patiënten: horen ze bij de praktijk, was er een dienst of waarneming die dit verklaart?"),
    "off_hours": Explanation(
        "Inzage buiten de gebruikelijke uren",
        "Deze zorgverlener bekeek op deze dag vaak dossiers buiten de gebruikelijke uren of dagen van de praktijk.",
        "Een enkele inzage 's avonds is normaal; veel inzagen 's nachts of in het weekend passen niet bij "
        "gewone zorg en kunnen wijzen op nieuwsgierigheid of een gedeelde of gestolen pas.",
        "Had de zorgverlener dienst (huisartsenpost, waarneming)? Klopt het netwerkadres met de praktijk?"),
    "bare_searches": Explanation(
        "Veel zoeken zonder een patiënt te openen",
        "Deze zorgverlener zocht op deze dag vaak naar patiënten zonder daarna een dossier te openen.",
        "Zoeken toont namen en geboortedata; wie veel zoekt zonder te openen kan nagaan wie er in het ziekenhuis "
        "is (bijvoorbeeld bekenden of bekende Nederlanders).",
        "Bekijk de zoekcriteria: zijn het patiënten van de praktijk, of namen zonder verband?"),
    "refusals": Explanation(
        "Herhaald geweigerde toegang",
        "De portal weigerde deze zorgverlener op deze dag herhaaldelijk de toegang tot een dossier.",
        "Herhaalde pogingen om dossiers zonder behandelrelatie te openen kunnen wijzen op zoeken naar "
        "patiënten die niet bij de praktijk horen.",
        "Welke patiënten en welke weigeringen waren het? Neem zo nodig contact op met de praktijk."),
    "failed_logins": Explanation(
        "Mislukte inlogpogingen",
        "Met dit UZI-nummer mislukte het inloggen op deze dag herhaaldelijk.",
        "Veel mislukte pogingen kunnen wijzen op een verloren of gestolen pas, of op iemand die een pincode raadt.",
        "Vraag de zorgverlener of de pas nog in bezit is; laat hem zo nodig intrekken bij het CIBG."),
    "emergency_provider": Explanation(
        "Veel noodprocedures door één zorgverlener",
        "Deze zorgverlener opende op deze dag meer dossiers via de noodprocedure dan de drempel.",
        "De noodprocedure omzeilt de behandelrelatie; veel gebruik ervan kan misbruik van die uitzondering zijn.",
        "Beoordeel de noodprocedures en hun redenen in het scherm Noodprocedures."),
    "emergency_practice": Explanation(
        "Veel noodprocedures door één praktijk",
        "Vanuit deze praktijk of huisartsenpost werden op deze dag meer noodprocedures gedaan dan de drempel.",
        "Een druk weekend verklaart er enkele; veel meer kan wijzen op een werkwijze waarin de noodprocedure "
        "standaard wordt gebruikt.",
        "Beoordeel de noodprocedures en bespreek het gebruik zo nodig met de praktijk."),
    "watch_list": Explanation(
        "Inzage in een patiënt op de bewaaklijst",
        "Een zorgverlener had op deze dag toegang tot een patiënt op de bewaaklijst van het ziekenhuis "
        "(bijvoorbeeld een medewerker of een bekend persoon). Elke inzage wordt gemeld.",
        "Bij deze patiënten is de verleiding van nieuwsgierigheid groter en de schade van een inbreuk ernstiger.",
        "Ga na of de zorgverlener een behandelrelatie met deze patiënt heeft."),
}
KINDS = tuple(EXPLANATIONS)


@dataclass
class _Tally:
    """What one (kind, day, subject) counted and the records behind it."""

    provider_uzi: str | None = None
    provider_name: str | None = None
    organisation: str | None = None
    seqs: list[int] = field(default_factory=list)
    count: int = 0
    baseline: str | None = None


@dataclass(frozen=True)
class _Row:
    seq: int
    at: datetime  # local
    action: str
    outcome: str
    uzi: str | None
    name: str | None
    organisation: str | None
    patient: str | None
    details: str


def _rows(session: Session, tenant_id: str, start: datetime, end: datetime, zone: ZoneInfo) -> list[_Row]:
    columns = (AuditRecord.seq, AuditRecord.occurred_at, AuditRecord.action, AuditRecord.outcome,
               AuditRecord.user_uzi, AuditRecord.user_name, AuditRecord.user_organisation,
               AuditRecord.patient_number, AuditRecord.details)
    query = (select(*columns).where(AuditRecord.tenant_id == tenant_id, AuditRecord.system != STAFF_SYSTEM,
                                    AuditRecord.occurred_at >= start, AuditRecord.occurred_at < end)
             .order_by(AuditRecord.seq))
    found = []
    for seq, at, action, outcome, uzi, name, org, patient, details in session.execute(query):
        at = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(zone)
        found.append(_Row(seq, at, action, outcome, uzi, name, org, patient, details))
    return found


def _claimed_uzi(row: _Row) -> str | None:
    if row.uzi:
        return row.uzi
    try:
        return json.loads(row.details).get("claimed_uzi")
    except (ValueError, AttributeError):
        return None


def tally(rows: Iterable[_Row], config: SignalsConfig) -> dict[tuple[str, date, str], _Tally]:
    """Every (kind, day, subject) whose count reaches its threshold."""
    counts: dict[tuple[str, date, str], _Tally] = defaultdict(_Tally)

    def add(kind: str, row: _Row, subject: str, uzi: str | None = None) -> None:
        entry = counts[(kind, row.at.date(), subject)]
        entry.provider_uzi = uzi if uzi is not None else row.uzi
        entry.provider_name = entry.provider_name or row.name
        entry.organisation = entry.organisation or row.organisation
        entry.seqs.append(row.seq)
        entry.count += 1

    opened: dict[tuple[str, date], dict[str, int]] = defaultdict(dict)  # (uzi, day) -> patient -> first seq
    searches: dict[str, list[_Row]] = defaultdict(list)
    open_times: dict[str, list[datetime]] = defaultdict(list)
    watched = set(config.watch_list)
    for row in rows:
        ok = row.outcome == "success"
        if row.action == "login" and row.outcome != "success":
            uzi = _claimed_uzi(row)
            if uzi:
                add("failed_logins", row, uzi, uzi)
            continue
        if not row.uzi:
            continue
        if row.action == "access_denied":
            add("refusals", row, row.uzi)
        if not ok:
            continue
        if row.action in OPENS and row.patient:
            opened[(row.uzi, row.at.date())].setdefault(row.patient, row.seq)
            open_times[row.uzi].append(row.at)
            usual = (row.at.isoweekday() in config.office_days
                     and config.office_start_hour <= row.at.hour < config.office_end_hour)
            if not usual:
                add("off_hours", row, row.uzi)
        if row.action == "search":
            searches[row.uzi].append(row)
        if row.action == "emergency_access":
            add("emergency_provider", row, row.uzi)
            if row.organisation:
                add("emergency_practice", row, row.organisation, "")
        if row.action in ACCESSES and row.patient in watched:
            add("watch_list", row, f"{row.uzi}/{row.patient}")
    _bare_searches(searches, open_times, config, add)
    raised = {key: entry for key, entry in counts.items() if entry.count >= _threshold(key[0], config)}
    raised.update(_many_patients(opened, config, raised))
    return raised


def _threshold(kind: str, config: SignalsConfig) -> int:
    return {"off_hours": config.off_hours_views, "bare_searches": config.bare_searches,
            "refusals": config.refusals, "failed_logins": config.failed_logins,
            "emergency_provider": config.emergency_per_provider,
            "emergency_practice": config.emergency_per_practice, "watch_list": 1}[kind]


def _bare_searches(searches, open_times, config: SignalsConfig, add) -> None:
    follow = timedelta(minutes=config.follow_minutes)
    for uzi, made in searches.items():
        times = sorted(open_times.get(uzi, ()))
        for search in made:
            if not any(search.at <= moment <= search.at + follow for moment in times):
                add("bare_searches", search, uzi)


def _many_patients(opened: dict[tuple[str, date], dict[str, int]], config: SignalsConfig,
                   raised: dict) -> dict[tuple[str, date, str], _Tally]:
    if not opened:
        return {}
    per_provider: dict[str, list[int]] = defaultdict(list)
    for (uzi, _day), patients in opened.items():
        per_provider[uzi].append(len(patients))
    peers = statistics.median([n for counts in per_provider.values() for n in counts])
    found = {}
    for (uzi, day), patients in opened.items():
        count, own = len(patients), statistics.median(per_provider[uzi])
        if count < config.min_patients or (count <= config.own_factor * own and count <= config.peer_factor * peers):
            continue
        found[("many_patients", day, uzi)] = _Tally(
            provider_uzi=uzi, seqs=sorted(patients.values()), count=count,
            baseline=f"eigen mediaan {own:g}, mediaan alle zorgverleners {peers:g}")
    return found


def compute(session: Session, tenant_id: str, config: SignalsConfig, today: date, zone: ZoneInfo) -> list[Signal]:
    """Raise the signals of the window ending ``today`` (local) and store them; the caller
    commits. Returns the signals raised for the first time."""
    first = today - timedelta(days=config.window_days - 1)
    start, end = period_bounds(first, today, zone)
    rows = _rows(session, tenant_id, start, end, zone)
    names = {row.uzi: row.name for row in rows if row.uzi and row.name}
    orgs = {row.uzi: row.organisation for row in rows if row.uzi and row.organisation}
    existing = {(s.kind, s.day, s.subject): s for s in session.scalars(select(Signal).where(
        Signal.tenant_id == tenant_id, Signal.day >= first, Signal.day <= today))}
    new = []
    for (kind, day, subject), entry in sorted(tally(rows, config).items(), key=lambda item: (item[0][1], item[0][0])):
        values = dict(provider_uzi=entry.provider_uzi or None,
                      provider_name=entry.provider_name or names.get(entry.provider_uzi or ""),
                      organisation=entry.organisation or orgs.get(entry.provider_uzi or ""), count=entry.count,
                      baseline=entry.baseline, first_seq=min(entry.seqs), last_seq=max(entry.seqs))
        signal = existing.get((kind, day, subject))
        if signal is None:
            signal = Signal(tenant_id=tenant_id, kind=kind, day=day, subject=subject, **values)
            session.add(signal)
            new.append(signal)
        else:
            for name, value in values.items():
                setattr(signal, name, value)
    session.flush()
    return new


def listed(session: Session, tenant_id: str, *, only_open: bool = True, limit: int = 500) -> list[Signal]:
    query = select(Signal).where(Signal.tenant_id == tenant_id)
    if only_open:
        query = query.where(Signal.closed_at.is_(None))
    return list(session.scalars(query.order_by(Signal.day.desc(), Signal.id.desc()).limit(limit)))


def close(signal: Signal, remark: str, by: str) -> None:
    """Close ``signal`` with the officer's remark (the caller audits first, then commits)."""
    signal.closed_at = datetime.now(timezone.utc)
    signal.closed_by = by
    signal.remark = remark
