"""Deterministic generation of a synthetic Dutch hospital EPD.

The same seed and patient count give the same database, byte for byte in content: every
chunk of patients draws from its own ``random.Random`` seeded from (seed, chunk number).
Dates are generated around the fixed ``ANCHOR`` date; the connector shifts them so that the
anchor is always "today" (the SEH overview of the last 7 days never runs dry).

Speed: rows are built as tuples and written per chunk with the driver's executemany
(SQLite) or COPY (PostgreSQL) into unindexed tables; indexes are built once at the end.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.engine import Connection, Engine
from stdnum.nl import postcode as nl_postcode

from portal.epd.models import normalise_name

from . import catalogue as cat
from . import worklist
from .clinical import KINDS as _KINDS
from .schema import create_indexes, create_tables, meta, patients, providers, records, relations

#: Generated data is centred on this date; the connector maps it onto today.
ANCHOR = date(2025, 1, 1)
#: Text found only in unapproved (draft) items; the contract suite looks for it.
DRAFT_MARKER = "CONCEPT niet geaccordeerd"
CHUNK = 20_000
#: Raised when the generated content changes: ``portal demo generate --if-missing`` then
#: makes the demo EPD anew (2: the worklist's events around today, ``worklist.py``).
SCHEMA_VERSION = "2"


@dataclass
class Stats:
    patients: int = 0
    relations: int = 0
    records: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- identifiers


def bsn_pool(count: int, rng: random.Random) -> list[str]:
    """``count`` distinct BSNs passing the 11-proef, from 999999999 downwards (9999xxxxx
    first: about 9,000 numbers; larger demos continue into 999xxxxxx and 99xxxxxxx)."""
    wanted = max(count, 9_000) if count <= 9_000 else count
    found: list[str] = []
    prefix = 99_999_999
    while len(found) < wanted and prefix >= 10_000_000:
        digits = str(prefix)
        total = sum(int(d) * w for d, w in zip(digits, range(9, 1, -1)))
        check = total % 11  # the 11-proef: weighted sum minus the last digit is divisible by 11
        if check < 10:
            found.append(digits + str(check))
        prefix -= 1
    rng.shuffle(found)
    return found[:count]


def _postcode(rng: random.Random, low: int, high: int) -> str:
    while True:
        code = f"{rng.randint(low, high)}{chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
        if nl_postcode.is_valid(code):
            return code


def _street_for(city: tuple, code: str) -> str:
    streets = city[3]
    return streets[(int(code[:4]) * 31 + ord(code[4]) * 7 + ord(code[5])) % len(streets)]


# --------------------------------------------------------------------------- providers


def make_providers(rng: random.Random, patient_count: int, seed: int) -> list[tuple]:
    """GPs in practices, one elderly-care physician, dentists and pharmacies."""
    rows: list[tuple] = []
    next_id = 1
    gp_total = max(12, patient_count // 2000)
    uzi_base = 900_010_000 + (seed % 97) * 1000  # 9000xxxxx: the UZI test range
    agb_base = 100_000 + (seed % 89) * 1000
    practice_no = 0
    made = 0
    while made < gp_total:
        practice_no += 1
        city = _city(rng)
        code = _postcode(rng, *city[1])
        street = _street_for(city, code)
        practice = (f"Huisartsenpraktijk {street.split()[0]}" if rng.random() < 0.6
                    else f"Gezondheidscentrum {city[0]}-{practice_no}")
        practice_agb = f"0105{(seed * 7 + practice_no) % 10_000:04d}"
        phone = f"{city[2]}{rng.randrange(10 ** (9 - len(city[2])), 10 ** (10 - len(city[2]))):d}"[:10]
        for _ in range(rng.choice((1, 2, 2, 3, 4))):
            if made >= gp_total:
                break
            made += 1
            prefix, surname = rng.choice(cat.SURNAMES)
            name = f"{_initials(rng, rng.random() < 0.5)} {(prefix + ' ') if prefix else ''}{surname}"
            rows.append((next_id, "gp", name, f"01{agb_base + made:06d}", f"{uzi_base + made:09d}", practice,
                         practice_agb, street, rng.randint(1, 120), code, city[0], phone))
            next_id += 1
    # One elderly-care physician (specialist ouderengeneeskunde) at a care home.
    city = cat.CITIES[0]
    code = _postcode(rng, *city[1])
    rows.append((next_id, "elderly_care_physician", "M.A. Oude Luttikhuis", f"01{agb_base + 900:06d}",
                 f"{uzi_base + 900:09d}", "Zorgcentrum De Esch", f"0106{seed % 10_000:04d}", _street_for(city, code),
                 rng.randint(1, 80), code, city[0], f"053{rng.randrange(1_000_000, 9_999_999)}"))
    next_id += 1
    for kind, count, label in (("dentist", max(5, patient_count // 5000), "Tandartspraktijk"),
                               ("pharmacy", max(5, patient_count // 8000), "Apotheek")):
        for n in range(count):
            city = _city(rng)
            code = _postcode(rng, *city[1])
            street = _street_for(city, code)
            prefix, surname = rng.choice(cat.SURNAMES)
            name = (f"{label} {street.split()[0]}" if kind == "pharmacy"
                    else f"{_initials(rng, True)} {(prefix + ' ') if prefix else ''}{surname}")
            practice_name = f"{label} {city[0]} {n + 1}" if kind == "dentist" else None
            agb = f"{'12' if kind == 'dentist' else '02'}{agb_base + n:06d}"
            area = city[2]
            rows.append((next_id, kind, name, agb, None, practice_name, None, street, rng.randint(1, 200), code,
                         city[0], f"{area}{rng.randrange(10 ** (9 - len(area)), 10 ** (10 - len(area)))}"[:10]))
            next_id += 1
    return rows


def _city(rng: random.Random) -> tuple:
    # Enschede, Hengelo and Almelo are the big towns.
    return cat.CITIES[min(int(rng.expovariate(0.45)), len(cat.CITIES) - 1)]


def _initials(rng: random.Random, male: bool) -> str:
    pool = cat.MALE_NAMES if male else cat.FEMALE_NAMES
    return "".join(f"{rng.choice(pool)[0]}." for _ in range(rng.choice((1, 1, 2, 2, 3))))


# --------------------------------------------------------------------------- patients and their data


@dataclass
class _Context:
    """What record generators need to know of the patient."""

    patient_id: int
    age: int
    male: bool
    rich: bool
    gp_name: str
    admitted_now: bool
    recent_ed: bool


def _minutes(dt: datetime) -> str:
    return dt.isoformat(timespec="minutes")


class _Chunk:
    """Generates one chunk of patients with all their rows."""

    def __init__(self, seed: int, number: int, start_id: int, count: int, total: int, bsns: list[str],
                 gps: list[tuple], ecp: tuple, dentists: list[tuple], pharmacies: list[tuple], record_id: int):
        self.rng = random.Random(seed * 1_000_003 + number)
        self.seed, self.start_id, self.count, self.total = seed, start_id, count, total
        self.bsns, self.gps, self.ecp, self.dentists, self.pharmacies = bsns, gps, ecp, dentists, pharmacies
        self.patients: list[tuple] = []
        self.relations: list[tuple] = []
        self.records: list[tuple] = []
        self.record_id = record_id
        self.relation_id = start_id * 4
        self.anchor = datetime.combine(ANCHOR, datetime.min.time())
        # Enough current admissions and recent SEH visits for a lively demo at any size,
        # about a hospital's real numbers at a million patients.
        self.p_admitted = max(0.0008, 40 / max(total, 1))
        self.p_recent_ed = max(0.0008, 50 / max(total, 1))
        self.stride = 7_654_321 + 2 * (seed % 1000)  # odd and not a multiple of 5: a bijection mod 10^8
        self.offset = (seed * 9_876_543) % 100_000_000
        self.rich_gps: set[int] = set()
        self.rich_ecp = False
        # The worklist's events draw from a generator of their own: the rest stays as it was.
        self.worklist_rng = random.Random(seed * 1_000_003 + number + 500_009)
        self.worklist_roles: dict[int, int] = {}  # GP id -> roles handed out in this chunk

    def run(self) -> "_Chunk":
        household: tuple | None = None
        for i in range(self.count):
            pid = self.start_id + i
            household = self._patient(pid, household)
        return self

    def _patient(self, pid: int, household: tuple | None) -> tuple:
        rng = self.rng
        age = min(int(rng.betavariate(2.0, 2.0) * 100), 99)
        birth = ANCHOR - timedelta(days=age * 365 + rng.randrange(365))
        roll = rng.random()
        sex = "male" if roll < 0.49 else "female" if roll < 0.997 else "unknown"
        male = sex == "male"
        prefix, surname = rng.choice(cat.SURNAMES)
        given = [rng.choice(cat.MALE_NAMES if male else cat.FEMALE_NAMES) for _ in range(rng.choice((1, 1, 2, 2, 3)))]
        partner_prefix = partner = None
        usage = "own"
        if age >= 22 and rng.random() < 0.5:
            partner_prefix, partner = rng.choice(cat.SURNAMES)
            usage = (rng.choice(("partner_own", "partner", "own")) if not male
                     else rng.choice(("own", "own", "own_partner")))
        if household is not None and rng.random() < 0.35:
            city_name, code, street, number, addition, area = household
        else:
            city = _city(rng)
            code = _postcode(rng, *city[1])
            street = _street_for(city, code)
            number = rng.randint(1, 180)
            addition = rng.choice(("a", "b", "-1", "-2")) if rng.random() < 0.05 else None
            city_name, area = city[0], city[2]
        gp = rng.choice(self.gps) if rng.random() < 0.97 else None
        # Every demo GP's first patient of a chunk has a record that fills every screen, with
        # consent and alive, so each demo account has one to open (``portal demo accounts``).
        rich = pid % 250 == 1 or (gp is not None and gp[0] not in self.rich_gps)
        if gp is not None:
            self.rich_gps.add(gp[0])
        deceased = not rich and age > 70 and rng.random() < 0.01
        consent = rng.random() < 0.88 or rich
        bsn = self.bsns[pid - 1] if rng.random() < 0.995 else None  # tourists and new-borns lack one
        self.patients.append((
            pid, f"{(self.offset + pid * self.stride) % 100_000_000:08d}", bsn,
            "".join(f"{g[0]}." for g in given), given[0], prefix or None, surname, partner_prefix or None, partner,
            usage, normalise_name(f"{prefix}{surname}"),
            normalise_name(f"{partner_prefix}{partner}") if partner else None,
            birth.isoformat(), sex, street, number, addition, code, city_name,
            f"06{rng.randrange(10_000_000, 99_999_999)}" if rng.random() < 0.85 else None,
            (f"{area}{rng.randrange(10 ** (9 - len(area)), 10 ** (10 - len(area)))}"[:10]
             if rng.random() < 0.4 else None),
            f"{normalise_name(given[0])}.{normalise_name(surname)}{pid}@example.com" if rng.random() < 0.7 else None,
            consent, gp[0] if gp else None,
            rng.choice(self.dentists)[0] if rng.random() < 0.6 else None,
            rng.choice(self.pharmacies)[0] if rng.random() < 0.9 else None,
            rng.choice(cat.INSURERS), f"{rng.randrange(100_000_000, 999_999_999)}",
            (ANCHOR - timedelta(days=rng.randrange(30, 3000))).isoformat(),
            (ANCHOR - timedelta(days=rng.randrange(1, 400))).isoformat() if deceased else None,
        ))
        if self._relations(pid, gp, age, first_of_ecp=not self.rich_ecp and consent and not deceased):
            rich = self.rich_ecp = True
        ctx = _Context(pid, age, male, rich, gp[2] if gp else "Huisarts onbekend",
                       admitted_now=not deceased and rng.random() < self.p_admitted,
                       recent_ed=not deceased and rng.random() < self.p_recent_ed)
        self._records(ctx)
        if gp is not None and consent and not deceased:
            self._worklist(pid, gp)
        return (city_name, code, street, number, addition, area)

    def _worklist(self, pid: int, gp: tuple) -> None:
        """The next worklist role of this GP's patients, if any is left (``worklist.py``)."""
        handed = self.worklist_roles.get(gp[0], 0)
        if handed >= len(worklist.ROLES):
            return
        self.worklist_roles[gp[0]] = handed + 1
        for kind, starts_at, ends_at, payload in worklist.records(self.worklist_rng, self.anchor,
                                                                   worklist.ROLES[handed], gp[2]):
            self.record_id += 1
            self.records.append((self.record_id, pid, kind, True, starts_at, ends_at,
                                 json.dumps(payload, ensure_ascii=False, separators=(",", ":"))))

    def _relations(self, pid: int, gp: tuple | None, age: int, first_of_ecp: bool) -> bool:
        """The patient's treatment relations; True when this is the elderly-care physician's
        first patient of the chunk (who gets a full record)."""
        rng = self.rng
        if gp is not None:
            self._relation(pid, "registered_gp", gp[3], gp[6], ANCHOR - timedelta(days=rng.randrange(30, 7000)), None)
        if rng.random() < 0.04:  # a referral by another GP (waarneming), some already expired
            other = rng.choice(self.gps)
            start = ANCHOR - timedelta(days=rng.randrange(1, 500))
            self._relation(pid, "referral", other[3], other[6], start, start + timedelta(days=365))
        if age >= 75 and rng.random() < 0.08:
            self._relation(pid, "elderly_care_physician", self.ecp[3], self.ecp[6],
                           ANCHOR - timedelta(days=rng.randrange(10, 900)), None)
            return first_of_ecp
        return False

    def _relation(self, pid, kind, agb, practice_agb, start: date, end: date | None) -> None:
        self.relation_id += 1
        self.relations.append((self.relation_id, pid, kind, agb, practice_agb, start.isoformat(),
                               end.isoformat() if end else None))

    # ------------------------------------------------------------------ records

    def _records(self, ctx: _Context) -> None:
        rng = self.rng
        for kind, probability, maker in _KINDS:
            p = 1.0 if ctx.rich else probability(ctx) if callable(probability) else probability
            if rng.random() >= p:
                continue
            # A rich patient has every kind: an approved item, a draft, another approved one.
            repeats = 3 if ctx.rich else 1 + (rng.random() < 0.35) + (rng.random() < 0.15)
            for n in range(repeats):
                # A full record's approved items, and the Behandelbeperking that holds (the
                # first), are never drafts: a GP must see them.
                draft = n == 1 if ctx.rich else rng.random() < 0.03 and (kind != "restriction" or n > 0)
                for starts_at, ends_at, payload in maker(self, ctx, n):
                    if draft:
                        _mark_draft(payload)
                    self.record_id += 1
                    self.records.append((self.record_id, ctx.patient_id, kind, not draft, starts_at, ends_at,
                                         json.dumps(payload, ensure_ascii=False, separators=(",", ":"))))

    def at(self, days_back_max: int, days_back_min: int = 0) -> datetime:
        """A moment between ``days_back_max`` and ``days_back_min`` days before the anchor,
        in office hours."""
        day = self.anchor - timedelta(days=self.rng.randint(days_back_min, days_back_max))
        return day.replace(hour=self.rng.randint(8, 16), minute=self.rng.choice((0, 10, 15, 20, 30, 40, 45, 50)))

    def not_after_today(self, moment: datetime) -> datetime:
        """``moment``, or the anchor day's end of office hours when it falls later: a report,
        score or end date is never dated after today."""
        return min(moment, self.anchor.replace(hour=17))

    def physician(self) -> str:
        return self.rng.choice(cat.PHYSICIAN_NAMES)


def _mark_draft(payload: dict) -> None:
    for key in ("description", "title", "test", "substance", "name", "procedure", "complaint", "problem",
                "intervention", "treatment", "reason", "finding"):
        if key in payload and isinstance(payload[key], str):
            payload[key] = f"{DRAFT_MARKER}: {payload[key]}"
            return
    payload["note"] = DRAFT_MARKER  # measurements: their only free-text field




# --------------------------------------------------------------------------- driver


def generate(engine: Engine, *, seed: int, patient_count: int, progress=None) -> Stats:
    """(Re)create the demo EPD in ``engine``'s database: ``patient_count`` patients with
    their clinical data, deterministic for ``seed``. ``progress(done, total)`` is called
    after each chunk."""
    started = time.perf_counter()
    stats = Stats()
    rng = random.Random(seed)
    provider_rows = make_providers(rng, patient_count, seed)
    bsns = bsn_pool(patient_count, random.Random(seed + 1))
    gps = [r for r in provider_rows if r[1] == "gp"]
    ecp = next(r for r in provider_rows if r[1] == "elderly_care_physician")
    dentists = [r for r in provider_rows if r[1] == "dentist"]
    pharmacies = [r for r in provider_rows if r[1] == "pharmacy"]
    with engine.begin() as conn:
        create_tables(conn)
        bulk_insert(conn, providers, provider_rows)
    record_id = 0
    for number, start in enumerate(range(0, patient_count, CHUNK)):
        chunk = _Chunk(seed, number, start + 1, min(CHUNK, patient_count - start), patient_count, bsns, gps, ecp,
                       dentists, pharmacies, record_id).run()
        record_id = chunk.record_id
        with engine.begin() as conn:
            bulk_insert(conn, patients, chunk.patients)
            bulk_insert(conn, relations, chunk.relations)
            bulk_insert(conn, records, chunk.records)
        stats.patients += len(chunk.patients)
        stats.relations += len(chunk.relations)
        stats.records += len(chunk.records)
        for row in chunk.records:
            stats.counts[row[2]] = stats.counts.get(row[2], 0) + 1
        if progress:
            progress(stats.patients, patient_count)
    with engine.begin() as conn:
        create_indexes(conn)
        bulk_insert(conn, meta, [("anchor", ANCHOR.isoformat()), ("seed", str(seed)),
                                 ("patients", str(patient_count)), ("schema_version", SCHEMA_VERSION)])
    stats.seconds = time.perf_counter() - started
    return stats


def bulk_insert(conn: Connection, table, rows: list[tuple]) -> None:
    """Insert tuples in column order: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    columns = [c.name for c in table.columns]
    if conn.dialect.name == "postgresql":
        dbapi_connection = conn.connection.dbapi_connection
        if dbapi_connection is None:  # only once the connection has been invalidated
            raise RuntimeError("demo EPD: the database connection was closed during generation")
        cursor = dbapi_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows)
