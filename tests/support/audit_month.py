"""A realistic month of a tenant's audit log, written as one bulk insert with valid chain
hashes (the real writer stamps the current time; a month needs the past).

The ordinary month: ``GPS`` GPs in ``PRACTICES`` practices, each with their own patients,
working weekdays 08:00–17:00: searches each followed within minutes by opening one of their
patients, a few direct views, now and then a refusal or a failed login, and a couple of
noodprocedures at the huisartsenpost on a weekend evening. ``PLANTS`` adds one misuse pattern
each (``write_month(..., plant="night")``).
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from portal.audit.chain import GENESIS_HASH, canonical_details, record_hash
from portal.audit.models import AuditChainHead, AuditRecord
from portal.db import table_of

GPS = 20
PRACTICES = 5
HAP = "Huisartsenpost Twente"
WATCHED = "PN-WATCH-1"
PLANTS = {"browse": "many_patients", "night": "off_hours", "bare": "bare_searches", "refusals": "refusals",
          "failed_logins": "failed_logins", "emergency": "emergency_provider", "watch": "watch_list"}


def uzi(n: int) -> str:
    return f"90000{n:04d}"


class _Month:
    def __init__(self, tenant_id: str, last_day: date, zone: ZoneInfo, seed: int):
        self.tenant_id, self.last_day, self.zone = tenant_id, last_day, zone
        self.rng = random.Random(seed)
        self.events: list[dict] = []

    def at(self, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute, second), self.zone).astimezone(timezone.utc)

    def add(self, moment: datetime, action: str, gp: int | None, *, outcome: str = "success",
            patient: str | None = None, organisation: str | None = None, details: dict | None = None) -> None:
        self.events.append({
            "occurred_at": moment, "action": action, "outcome": outcome, "system": "zorgverlenersportaal",
            "user_uzi": uzi(gp) if gp is not None else None, "user_name": f"Dr. Huisarts {gp}" if gp is not None
            else None, "user_role": "01.015" if gp is not None else None, "user_agb": None,
            "user_organisation": organisation or (f"Praktijk {gp % PRACTICES}" if gp is not None else None),
            "responsible_uzi": None, "network_address": "10.1.2.3",
            "patient_bsn": None, "patient_number": patient, "data": action, "grounds": None,
            "details": canonical_details(details or {})})

    def own(self, gp: int) -> str:
        return f"PN-{gp}-{self.rng.randrange(60)}"

    def ordinary(self) -> None:
        days = [self.last_day - timedelta(days=n) for n in range(30)]
        for day in days:
            if day.isoweekday() > 5:
                continue
            for gp in range(GPS):
                for _ in range(self.rng.randint(3, 6)):  # a search, then the patient opened
                    moment = self.at(day, self.rng.randint(8, 16), self.rng.randrange(60))
                    patient = self.own(gp)
                    self.add(moment, "search", gp, details={"kind": "patient_number"})
                    self.add(moment + timedelta(seconds=5), "listed", gp, patient=patient)
                    self.add(moment + timedelta(minutes=self.rng.randint(1, 3)), "view", gp, patient=patient)
                for _ in range(self.rng.randint(2, 6)):  # from the worklist, no search
                    self.add(self.at(day, self.rng.randint(8, 16), self.rng.randrange(60)), "view", gp,
                             patient=self.own(gp))
                if self.rng.random() < 0.03:
                    self.add(self.at(day, 10, self.rng.randrange(60)), "access_denied", gp, outcome="denied",
                             patient=f"PN-other-{self.rng.randrange(999)}")
                if self.rng.random() < 0.01:
                    self.add(self.at(day, 8, 1), "login", gp, outcome="failure", details={"code": "pin"})
                if self.rng.random() < 0.05:  # an evening look at a patient seen that day
                    self.add(self.at(day, 20, self.rng.randrange(60)), "view", gp, patient=self.own(gp))
        weekend = [d for d in days if d.isoweekday() == 6][:2]
        for n, day in enumerate(weekend):  # a couple of noodprocedures at the huisartsenpost
            self.add(self.at(day, 21, 10), "emergency_access", n, patient=f"PN-hap-{n}", organisation=HAP)
            self.add(self.at(day, 21, 12), "view", n, patient=f"PN-hap-{n}", organisation=HAP)

    def plant(self, kind: str) -> None:
        day = self.last_day - timedelta(days=3)
        while day.isoweekday() > 5:
            day -= timedelta(days=1)
        if kind == "browse":  # ten times the patients of an ordinary day, none of them their own
            for n in range(100):
                self.add(self.at(day, 9 + n // 15, n % 15 * 4), "view", 0, patient=f"PN-browse-{n}")
        elif kind == "night":
            for n in range(15):
                self.add(self.at(day, 2, n * 3), "view", 1, patient=self.own(1))
        elif kind == "bare":
            for n in range(20):
                self.add(self.at(day, 18, n * 2), "search", 2, details={"kind": "name"})
        elif kind == "refusals":
            for n in range(6):
                self.add(self.at(day, 11, n * 5), "access_denied", 3, outcome="denied", patient=f"PN-x-{n}")
        elif kind == "failed_logins":
            for n in range(6):
                self.add(self.at(day, 12, n), "login", None, outcome="failure",
                         details={"code": "pin", "claimed_uzi": "900077777", "verified": "no"})
        elif kind == "emergency":
            for n in range(4):
                self.add(self.at(day, 13, n * 10), "emergency_access", 4, patient=f"PN-nood-{n}", organisation=HAP)
        elif kind == "watch":
            self.add(self.at(day, 10, 30), "view", 5, patient=WATCHED)
        else:
            raise ValueError(f"unknown plant {kind!r}")


def write_month(database, tenant_id: str, last_day: date, zone: ZoneInfo, *, plant: str | None = None,
                seed: int = 7) -> int:
    """Append a month ending ``last_day`` to ``tenant_id``'s chain (best a fresh tenant: the
    times must run on from its head). Returns the number of records written."""
    month = _Month(tenant_id, last_day, zone, seed)
    month.ordinary()
    if plant:
        month.plant(plant)
    log, heads = table_of(AuditRecord), table_of(AuditChainHead)
    with database.engine.begin() as conn:
        head = conn.execute(select(heads.c.seq, heads.c.record_hash).where(heads.c.tenant_id == tenant_id)).first()
        seq, prev = (head.seq, head.record_hash) if head else (0, GENESIS_HASH)
        rows = []
        for event in sorted(month.events, key=lambda e: e["occurred_at"]):
            seq += 1
            fields = {**event, "tenant_id": tenant_id, "seq": seq, "prev_hash": prev}
            prev = record_hash(fields)
            rows.append({**fields, "record_hash": prev})
        conn.execute(insert(log), rows)
        now = datetime.now(timezone.utc)
        if head:
            conn.execute(heads.update().where(heads.c.tenant_id == tenant_id).values(seq=seq, record_hash=prev,
                                                                                      updated_at=now))
        else:
            conn.execute(insert(heads).values(tenant_id=tenant_id, seq=seq, record_hash=prev, updated_at=now))
    return len(rows)
