"""``DemoConnector``: the ``EpdConnector`` over the generated demo EPD database.

The database is the tenant's own: by default ``<instance>/demo-epd-<tenant>.sqlite``, or
the URL in ``connector.settings.database_url`` (or the environment variable named by
``database_url_env``), e.g. PostgreSQL. Only approved records are read; dates are shifted so
that the generator's anchor date is today (``payload.build``).
"""
from __future__ import annotations

import json
import os
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Integer, bindparam, create_engine, func, or_, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from portal.clock import DEFAULT_ZONE, HospitalClock
from portal.epd import models as m
from portal.epd.errors import EpdBadData, EpdTimeout, EpdUnavailable, ItemNotFound, OrderRejected, PatientNotFound
from portal.epd.registry import parse_settings

from . import catalogue, documents, worklist
from .payload import build
from .schema import meta, patients, providers, records, relations

T = TypeVar("T")


class DemoSettings(BaseModel):
    """``connector.settings`` of a tenant using the demo EPD."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(default=1, ge=0, description="Seed of 'portal demo generate': another seed, another hospital")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL of the demo EPD (default: SQLite in the instance folder)")
    database_url_env: str | None = Field(default=None, pattern=r"^[A-Z][A-Z0-9_]*$",
                                         description="Environment variable holding that URL (for URLs with a password)")
    timeout_seconds: float = Field(default=5.0, gt=0, le=60, description="Longest wait for the database")
    hospital_name: str | None = Field(
        default=None, description="Letterhead of demo letters (default: the tenant's display name)")

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value


# Columns of ``patients`` a summary needs, in order.
_SUMMARY = (patients.c.id, patients.c.patient_number, patients.c.bsn, patients.c.initials, patients.c.given_name,
            patients.c.birth_name_prefix, patients.c.birth_name, patients.c.partner_name_prefix,
            patients.c.partner_name, patients.c.birth_date, patients.c.sex, patients.c.consent,
            patients.c.name_usage, patients.c.death_date)

# Statements of every page view, built once with bind parameters. SQLAlchemy keeps a
# statement object's cache key, so running the same object with new values skips building
# the statement and its key on each call (about 60 µs of Python per statement, measured).
_ANCHOR = select(meta.c.value).where(meta.c.key == "anchor")
_PATIENT_EXISTS = select(patients.c.id).where(patients.c.id == bindparam("pid"))
_PATIENT_ROW = select(patients).where(patients.c.id == bindparam("pid"))
_SUMMARY_BY_ID = select(*_SUMMARY).where(patients.c.id == bindparam("pid"))
_OPEN_RELATIONS = select(relations).where(
    relations.c.patient_id.in_(bindparam("ids", expanding=True)),
    or_(relations.c.valid_from.is_(None), relations.c.valid_from <= bindparam("today")),
    or_(relations.c.valid_until.is_(None), relations.c.valid_until >= bindparam("today"))).order_by(relations.c.id)
_RECORDS = (select(records).where(records.c.patient_id == bindparam("pid"), records.c.kind == bindparam("kind"),
                                  records.c.approved.is_(True))
            .order_by(records.c.starts_at.desc(), records.c.id.desc()))
_RECORD = select(records).where(records.c.id == bindparam("rid"), records.c.patient_id == bindparam("pid"),
                                records.c.kind == bindparam("kind"), records.c.approved.is_(True))


#: The specialty a new imaging report is listed under.
_IMAGING_SPECIALTY = {"radiology": "Radiologie", "nuclear": "Nucleaire geneeskunde"}


def _search(*where):
    """A patient search: summaries in the result list's order, at most ``limit`` rows."""
    c = patients.c
    return (select(*_SUMMARY).where(*where).order_by(c.birth_name_norm, c.birth_date, c.id)
            .limit(bindparam("limit", type_=Integer)))


def _name_search(column):
    """By name (a pattern: ``normalise_name`` leaves letters only, so it holds no LIKE
    wildcards of the user's), birth date and sex."""
    c = patients.c
    return _search(c.birth_date == bindparam("birth_date"), c.sex == bindparam("sex"),
                   column.like(bindparam("pattern")))


#: One statement per search kind.
_SEARCHES = {
    m.SearchKind.PATIENT_NUMBER: _search(patients.c.patient_number == bindparam("patient_number")),
    m.SearchKind.BSN: _search(patients.c.bsn == bindparam("bsn")),
    m.SearchKind.ADDRESS: _search(patients.c.postcode == bindparam("postcode"),
                                  patients.c.house_number == bindparam("house_number")),
    m.SearchKind.BIRTH_NAME: _name_search(patients.c.birth_name_norm),
    m.SearchKind.PARTNER_NAME: _name_search(patients.c.partner_name_norm),
}


class DemoConnector:
    """The embedded demo EPD. Thread-safe: every call takes a pooled connection."""

    Settings = DemoSettings
    name = "demo"

    def __init__(self, tenant_id: str, settings: DemoSettings, database_url: str, hospital_name: str,
                 clock: HospitalClock | None = None):
        self.tenant_id = tenant_id
        self.settings = settings
        self.seed = settings.seed
        #: URL that may create the database (``portal demo generate``).
        self.database_url = database_url
        self.hospital_name = hospital_name
        self._engine: Engine | None = None
        self._anchor: date | None = None
        self._lock = threading.Lock()
        #: The hospital's clock: the demo EPD's time line follows the hospital's days.
        self.clock = clock or HospitalClock()

    @classmethod
    def from_config(cls, tenant, settings) -> "DemoConnector":
        """Build from the tenant's YAML block; ``settings`` is ``portal.settings.Settings``.
        Raises ``ValueError`` naming ``connector.settings.<key>``."""
        options = parse_settings(DemoSettings, tenant.connector.settings)
        url = options.database_url
        if options.database_url_env:
            url = os.environ.get(options.database_url_env) or url
        if url is None:
            url = f"sqlite:///{Path(settings.instance_dir) / f'demo-epd-{tenant.id}.sqlite'}"
        return cls(tenant.id, options, url, options.hospital_name or tenant.display_name,
                   HospitalClock(getattr(tenant, "timezone", DEFAULT_ZONE)))

    # ------------------------------------------------------------------ plumbing

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None:
                self._engine = _read_engine(self.database_url, self.settings.timeout_seconds)
            return self._engine

    def close(self) -> None:
        """Release pooled connections (the next call reconnects)."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._anchor = None

    @contextmanager
    def _connect(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            if "timeout" in str(exc.orig).lower() or "canceling statement" in str(exc.orig).lower():
                raise EpdTimeout("demo EPD: the database did not answer in time") from None
            raise EpdUnavailable(f"demo EPD: database error ({type(exc.orig).__name__})") from None
        except SQLAlchemyError as exc:
            raise EpdUnavailable(f"demo EPD: database error ({type(exc).__name__})") from None

    def _anchor_date(self, conn: Connection) -> date:
        """The generator's anchor date (read once, until ``close``)."""
        anchor = self._anchor
        if anchor is None:
            value = conn.execute(_ANCHOR).scalar()
            if value is None:
                raise EpdUnavailable("demo EPD: not generated yet (run 'portal demo generate')")
            anchor = self._anchor = date.fromisoformat(value)
        return anchor

    def _shift(self, conn: Connection) -> timedelta:
        """Today minus the generator's anchor date: added to every date returned."""
        return timedelta(days=(self.clock.today() - self._anchor_date(conn)).days)

    def _now(self, shift: timedelta) -> str:
        """Now, on the stored (anchor) time line, as stored text."""
        return (self.clock.local_now() - shift).isoformat(timespec="minutes")

    def check_available(self) -> None:
        with self._connect() as conn:
            self._shift(conn)

    # ------------------------------------------------------------------ patients

    def search_query(self, criteria: m.SearchCriteria, limit: int = 50) -> tuple:
        """The SELECT of ``search_patients`` and its parameters (tests check its query plan
        uses an index)."""
        kind = criteria.kind
        values: dict[str, object]
        if kind is m.SearchKind.PATIENT_NUMBER:
            values = {"patient_number": criteria.patient_number}
        elif kind is m.SearchKind.BSN:
            values = {"bsn": criteria.bsn}
        elif kind is m.SearchKind.ADDRESS:
            values = {"postcode": criteria.postcode, "house_number": criteria.house_number}
        else:
            values = {"birth_date": _given(criteria.birth_date).isoformat(), "sex": _given(criteria.sex).value,
                      "pattern": f"%{m.normalise_name(_given(criteria.name))}%"}
        return _SEARCHES[kind], {**values, "limit": limit}

    def search_patients(self, criteria: m.SearchCriteria, limit: int = 50) -> Sequence[m.PatientSummary]:
        with self._connect() as conn:
            shift = self._shift(conn)
            rows = conn.execute(*self.search_query(criteria, limit)).all()
            return self._summaries(conn, rows, shift)

    def get_patient_summary(self, patient_id: str) -> m.PatientSummary:
        with self._connect() as conn:
            shift = self._shift(conn)
            row = conn.execute(_SUMMARY_BY_ID, {"pid": _pid(patient_id)}).first()
            if row is None:
                raise PatientNotFound("demo EPD: unknown patient id")
            return self._summaries(conn, [row], shift)[0]

    def get_patient(self, patient_id: str) -> m.PatientDetails:
        with self._connect() as conn:
            shift = self._shift(conn)
            row = conn.execute(_PATIENT_ROW, {"pid": _pid(patient_id)}).mappings().first()
            if row is None:
                raise PatientNotFound("demo EPD: unknown patient id")
            summary = self._summaries(conn, [tuple(row[col.name] for col in _SUMMARY)], shift)[0]
            ids = [i for i in (row["gp_id"], row["dentist_id"], row["pharmacy_id"]) if i is not None]
            found = {p.id: p for p in conn.execute(select(providers).where(providers.c.id.in_(ids)))} if ids else {}
            address = m.Address(street=row["street"], house_number=row["house_number"],
                                house_number_addition=row["house_number_addition"], postcode=row["postcode"],
                                city=row["city"]) if row["street"] else None
            return m.PatientDetails(
                summary=summary, address=address, phone_mobile=row["phone_mobile"], phone_home=row["phone_home"],
                email=row["email"], gp=_provider(found.get(row["gp_id"])),
                dentist=_provider(found.get(row["dentist_id"])), pharmacy=_provider(found.get(row["pharmacy_id"])),
                insurance=m.Insurance(company=row["insurer"], policy_number=row["policy_number"],
                                      start_date=_date(row["insurance_start"])) if row["insurer"] else None,
                death_date=_date(row["death_date"]))

    def _summaries(self, conn: Connection, rows, shift: timedelta) -> list[m.PatientSummary]:
        if not rows:
            return []
        ids = [row[0] for row in rows]
        today = self._anchor_date(conn).isoformat()
        found: dict[int, list[m.TreatmentRelation]] = {}
        for rel in conn.execute(_OPEN_RELATIONS, {"ids": ids, "today": today}):
            found.setdefault(rel.patient_id, []).append(m.TreatmentRelation(
                kind=m.RelationKind(rel.kind), agb_code=rel.agb_code, practice_agb=rel.practice_agb,
                valid_from=_date(rel.valid_from, shift), valid_until=_date(rel.valid_until, shift)))
        try:
            return [m.PatientSummary(
                patient_id=str(r[0]), patient_number=r[1], bsn=r[2], initials=r[3], given_name=r[4],
                birth_name_prefix=r[5], birth_name=r[6], partner_name_prefix=r[7], partner_name=r[8],
                birth_date=date.fromisoformat(r[9]), sex=m.Sex(r[10]), consent=bool(r[11]),
                relations=tuple(found.get(r[0], ())), name_usage=m.NameUsage(r[12]), deceased=r[13] is not None)
                for r in rows]
        except ValueError:
            raise EpdBadData("demo EPD: invalid patient row") from None

    # ------------------------------------------------------------------ overviews

    def list_admitted_patients(self, agb_codes: Collection[str] | None = None) -> Sequence[m.AdmittedPatient]:
        with self._connect() as conn:
            shift = self._shift(conn)
            rows = conn.execute(select(records).where(
                records.c.kind == "admission", records.c.ends_at.is_(None), records.c.approved.is_(True),
                records.c.starts_at <= self._now(shift)).order_by(records.c.starts_at.desc())).all()
            now = self._now(shift)
            pairs = [(row.patient_id, self._record(m.Admission, row, shift, _admission_status(_load(row), now)))
                     for row in rows]
            return [m.AdmittedPatient(patient=s, admission=a)
                    for s, a in self._with_patients(conn, pairs, shift, agb_codes)]

    def list_emergency_visits(self, since: datetime,
                              agb_codes: Collection[str] | None = None) -> Sequence[m.EmergencyVisitEntry]:
        with self._connect() as conn:
            shift = self._shift(conn)
            start = (self.clock.to_local(since) - shift).isoformat(timespec="minutes")
            rows = conn.execute(select(records).where(
                records.c.kind == "ed_visit", records.c.starts_at >= start, records.c.starts_at <= self._now(shift),
                records.c.approved.is_(True)).order_by(records.c.starts_at.desc())).all()
            pairs = [(row.patient_id, self._record(m.EmergencyVisit, row, shift)) for row in rows]
            return [m.EmergencyVisitEntry(patient=s, visit=v)
                    for s, v in self._with_patients(conn, pairs, shift, agb_codes)]

    def list_discharges(self, since: datetime, agb_codes: Collection[str]) -> Sequence[m.DischargeEntry]:
        wanted = set(agb_codes)
        if not wanted:
            return ()
        with self._connect() as conn:
            shift = self._shift(conn)
            start, now = self._stored(since, shift), self._now(shift)
            rows = conn.execute(select(records).where(
                records.c.kind == "admission", records.c.ends_at.is_not(None), records.c.ends_at >= start,
                records.c.ends_at <= now, records.c.approved.is_(True))
                .order_by(records.c.ends_at.desc(), records.c.id.desc())).all()
            pairs = [(row.patient_id, (row, _load(row))) for row in rows]
            found = self._with_patients(conn, pairs, shift, wanted)
            letters = self._discharge_letters(conn, {int(p.patient_id) for p, _ in found}, now)
            return tuple(m.DischargeEntry(
                patient=patient, admission=self._record(m.Admission, row, shift, _admission_status(payload, now)),
                discharge_letter=(self._record(m.LetterInfo, letters[key], shift)
                                  if (key := (int(patient.patient_id), payload["admitted_at"])) in letters else None))
                for patient, (row, payload) in found)

    def _discharge_letters(self, conn: Connection, patient_ids: set[int], now: str) -> dict:
        """(patient, admitted_at) -> the approved discharge letter row of that admission."""
        if not patient_ids:
            return {}
        rows = conn.execute(select(records).where(
            records.c.kind == "letter", records.c.patient_id.in_(sorted(patient_ids)),
            records.c.approved.is_(True), records.c.starts_at <= now)).all()
        found = {}
        for row in rows:
            payload = _load(row)
            if payload.get("admission") and payload.get("title") == worklist.DISCHARGE_LETTER:
                found[(row.patient_id, payload["admission"])] = row
        return found

    def list_new_documents(self, since: datetime, agb_codes: Collection[str]) -> Sequence[m.NewDocumentEntry]:
        wanted = set(agb_codes)
        if not wanted:
            return ()
        with self._connect() as conn:
            shift = self._shift(conn)
            start, now = self._stored(since, shift), self._now(shift)
            # A letter is available when written (its starts_at); an imaging report when
            # reported, up to two days after the study (starts_at): look that far back.
            earliest = self._stored(since - timedelta(days=3), shift)
            rows = conn.execute(select(records).where(
                or_(records.c.kind == "letter", records.c.kind == "imaging"), records.c.approved.is_(True),
                records.c.starts_at >= earliest, records.c.starts_at <= now)).all()
            pairs = []
            for row in rows:
                payload = _load(row)
                available = row.starts_at if row.kind == "letter" else payload.get("reported_at")
                if available is None or not start <= available[:16] <= now:
                    continue
                entry = {"id": str(row.id), "title": payload.get("title") or "",
                         "specialty": payload.get("specialty") if row.kind == "letter" else _IMAGING_SPECIALTY.get(
                             str(payload.get("discipline"))),
                         "available_at": available[:16],
                         "kind": "letter" if row.kind == "letter" else "imaging_report"}
                pairs.append((row.patient_id, entry))
            found = self._with_patients(conn, pairs, shift, wanted)
            try:
                entries = [m.NewDocumentEntry(
                    patient=patient, kind=m.NewDocumentKind(entry["kind"]), id=entry["id"], title=entry["title"],
                    specialty=entry["specialty"], available_at=datetime.fromisoformat(entry["available_at"]) + shift)
                    for patient, entry in found]
            except ValueError:
                raise EpdBadData("demo EPD: invalid date of a new document") from None
            return tuple(sorted(entries, key=lambda e: (e.available_at, e.id), reverse=True))

    def _stored(self, moment: datetime, shift: timedelta) -> str:
        """``moment`` on the stored (anchor) time line, as stored text."""
        return (self.clock.to_local(moment) - shift).isoformat(timespec="minutes")

    def _with_patients(self, conn, pairs, shift, agb_codes):
        if not pairs:
            return []
        ids = sorted({pid for pid, _ in pairs})
        rows = conn.execute(select(*_SUMMARY).where(patients.c.id.in_(ids))).all()
        summaries = {int(s.patient_id): s for s in self._summaries(conn, rows, shift)}
        wanted = set(agb_codes) if agb_codes is not None else None
        result = []
        for pid, item in pairs:
            summary = summaries.get(pid)
            if summary is None:
                raise EpdBadData("demo EPD: record of an unknown patient")
            if wanted is not None and not any({r.agb_code, r.practice_agb} & wanted for r in summary.relations):
                continue
            result.append((summary, item))
        return result

    # ------------------------------------------------------------------ per-patient lists

    def _rows(self, conn: Connection, patient_id: str, kind: str):
        pid = _pid(patient_id)
        rows = conn.execute(_RECORDS, {"pid": pid, "kind": kind}).all()
        if not rows and conn.execute(_PATIENT_EXISTS, {"pid": pid}).first() is None:
            raise PatientNotFound("demo EPD: unknown patient id")
        return rows

    def _record(self, cls, row, shift: timedelta, payload: dict | None = None):
        if payload is None:
            payload = _load(row)
        return build(cls, {"id": str(row.id), **payload}, shift, f"demo EPD {row.kind} record {row.id}")

    def _list(self, patient_id: str, kind: str, cls, keep=None, prepare=None) -> tuple:
        with self._connect() as conn:
            shift = self._shift(conn)
            now = self._now(shift)
            result = []
            for row in self._rows(conn, patient_id, kind):
                payload = {**_load(row), "id": str(row.id)}
                if keep is not None and not keep(payload, now):
                    continue
                if prepare is not None:
                    payload = prepare(payload, now)
                result.append(self._record(cls, row, shift, payload))
            return tuple(result)

    def list_appointments(self, patient_id):
        return self._list(patient_id, "appointment", m.Appointment)

    def list_operations(self, patient_id):
        # The manual: an operation shows only once the patient has been called (opgeroepen).
        return self._list(patient_id, "operation", m.Operation, keep=lambda p, now: p.get("called_on") is not None)

    def list_admissions(self, patient_id):
        return self._list(patient_id, "admission", m.Admission, prepare=_admission_status)

    def list_emergency_registrations(self, patient_id):
        return self._list(patient_id, "ed_visit", m.EmergencyVisit)

    def list_referrals(self, patient_id):
        return self._list(patient_id, "referral", m.Referral,
                          keep=lambda p, now: (p.get("status") == "open"
                                               and (p.get("valid_until") or "9999") >= now[:10]))

    def list_allergies(self, patient_id):
        return self._list(patient_id, "allergy", m.Allergy)

    def list_conditions(self, patient_id):
        return self._list(patient_id, "condition", m.Condition)

    def list_substance_use(self, patient_id):
        return self._list(patient_id, "substance_use", m.SubstanceUse)

    def list_diagnoses(self, patient_id):
        return self._list(patient_id, "diagnosis", m.Diagnosis)

    def list_implants(self, patient_id):
        return self._list(patient_id, "implant", m.DeviceUse)

    def list_inserted_materials(self, patient_id):
        return self._list(patient_id, "inserted_material", m.DeviceUse)

    def list_state_observations(self, patient_id):
        return self._list(patient_id, "state", m.StateObservation)

    def list_medical_aids(self, patient_id):
        return self._list(patient_id, "medical_aid", m.DeviceUse)

    def list_medication(self, patient_id):
        items = self._list(patient_id, "medication", m.Medication, prepare=_medication_category)
        order = list(m.MedicationCategory)
        return tuple(sorted(items, key=lambda x: (order.index(x.category), -(x.start or date.min).toordinal())))

    def list_treatment_reports(self, patient_id):
        return self._list(patient_id, "treatment_report", m.Report)

    def list_letters(self, patient_id):
        return self._list(patient_id, "letter", m.LetterInfo)

    def list_alerts(self, patient_id):
        return self._list(patient_id, "alert", m.Alert)

    def list_procedures(self, patient_id):
        return self._list(patient_id, "procedure", m.Procedure)

    def list_nursing_problems(self, patient_id):
        return self._list(patient_id, "nursing_problem", m.NursingProblem)

    def list_nursing_care_plan(self, patient_id):
        return self._list(patient_id, "nursing_intervention", m.NursingIntervention)

    def list_nursing_reports(self, patient_id):
        return self._list(patient_id, "nursing_report", m.Report)

    def list_nutrition(self, patient_id):
        return self._list(patient_id, "nutrition", m.NutritionEntry)

    def list_treatment_restrictions(self, patient_id):
        return self._list(patient_id, "restriction", m.TreatmentRestriction)

    def list_mdo_reports(self, patient_id):
        return self._list(patient_id, "mdo", m.Report)

    def list_lab_results(self, patient_id, include_gp_orders: bool = False):
        return self._list(patient_id, "lab", m.LabResult, prepare=_lab_flag,
                          keep=None if include_gp_orders else lambda p, now: p.get("ordered_by") == "hospital")

    def list_measurements(self, patient_id):
        return self._list(patient_id, "measurement", m.Measurement)

    def list_microbiology(self, patient_id):
        return self._list(patient_id, "microbiology", m.MicrobiologyResult)

    def list_pathology(self, patient_id):
        return self._list(patient_id, "pathology", m.PathologyReport)

    def list_imaging(self, patient_id):
        return self._list(patient_id, "imaging", m.ImagingReport, prepare=_image_ids)

    def list_image_series(self, patient_id: str, report_id: str) -> Sequence[m.ImageSeries]:
        # The demo EPD links its images to the report itself: one series without a number.
        report = next((r for r in self.list_imaging(patient_id) if r.id == report_id), None)
        if report is None:
            raise ItemNotFound("demo EPD: no such imaging report")
        if not report.images:
            return ()
        return (m.ImageSeries(number=None, description="", modality=None, images=report.images),)

    # ------------------------------------------------------------------ documents

    def _item(self, conn: Connection, patient_id: str, kind: str, record_id: str):
        pid = _pid(patient_id)
        if conn.execute(_PATIENT_EXISTS, {"pid": pid}).first() is None:
            raise PatientNotFound("demo EPD: unknown patient id")
        try:
            rid = int(record_id)
        except (TypeError, ValueError):
            raise ItemNotFound(f"demo EPD: no such {kind}") from None
        if not 0 < rid < 2 ** 63:  # beyond any stored id (and beyond what the database takes)
            raise ItemNotFound(f"demo EPD: no such {kind}")
        row = conn.execute(_RECORD, {"rid": rid, "pid": pid, "kind": kind}).first()
        if row is None:
            raise ItemNotFound(f"demo EPD: no such {kind}")
        return row

    def get_letter(self, patient_id: str, letter_id: str) -> m.Document:
        summary = self.get_patient_summary(patient_id)
        with self._connect() as conn:
            shift = self._shift(conn)
            row = self._item(conn, patient_id, "letter", letter_id)
            info = self._record(m.LetterInfo, row, shift)
            return documents.letter(summary, _load(row), info.date, self.hospital_name)

    def get_image(self, patient_id: str, image_id: str) -> m.Document:
        record_id, _, number = str(image_id).partition(".")
        with self._connect() as conn:
            row = self._item(conn, patient_id, "imaging", record_id)
            for item in _load(row).get("images", []):
                if str(item.get("n")) == number:
                    return documents.image(f"{self.seed}:{image_id}", item["title"])
        raise ItemNotFound("demo EPD: no such image")

    # ------------------------------------------------------------------ writes

    def order_catalogue(self) -> Sequence[m.OrderableTest]:
        items = [m.OrderableTest(code=c, name=n, category=k) for c, n, k in catalogue.ORDER_CATALOGUE]
        return tuple(sorted(items, key=lambda t: (t.category, t.name)))

    def list_orders(self, patient_id: str) -> Sequence[m.Order]:
        tests = {t.code: t for t in self.order_catalogue()}
        def prepare(payload: dict, now: str) -> dict:
            return {**payload, "id": payload["reference"],
                    "tests": [vars_of(tests[c]) for c in payload["test_codes"] if c in tests]}
        return self._list(patient_id, "order", m.Order, prepare=prepare)

    def submit_order(self, patient_id: str, order: m.OrderRequest) -> str:
        known = {t.code for t in self.order_catalogue()}
        if not order.test_codes:
            raise OrderRejected("no tests ordered")
        unknown = [c for c in order.test_codes if c not in known]
        if unknown:
            raise OrderRejected(f"unknown test code(s): {', '.join(unknown)}")
        if not order.clinical_question.strip():
            raise OrderRejected("the clinical question is empty")
        if order.requested_date is not None and order.requested_date < self.clock.today():
            raise OrderRejected("the requested date is in the past")

        def payload(shift: timedelta, now: str) -> dict:
            return {"submitted_at": now, "status": "submitted", "test_codes": list(order.test_codes),
                    "clinical_question": order.clinical_question, "requester_name": order.requester_name,
                    "requester_agb": order.requester_agb, "requester_uzi": order.requester_uzi, "urgent": order.urgent,
                    "requested_date": (order.requested_date - shift).isoformat() if order.requested_date else None,
                    "note": order.note}
        return self._write(patient_id, "order", "AV", payload)

    def submit_death_notification(self, patient_id: str, notification: m.DeathNotification) -> str:
        summary = self.get_patient_summary(patient_id)
        if notification.date_of_death > self.clock.today():
            raise OrderRejected("the date of death is in the future")
        if notification.date_of_death < summary.birth_date:
            raise OrderRejected("the date of death is before the date of birth")

        def payload(shift: timedelta, now: str) -> dict:
            return {"reported_at": now, "date_of_death": notification.date_of_death.isoformat(),
                    "reporter_name": notification.reporter_name, "reporter_agb": notification.reporter_agb,
                    "reporter_uzi": notification.reporter_uzi, "place_of_death": notification.place_of_death,
                    "note": notification.note}
        return self._write(patient_id, "death_notification", "OVL", payload)

    def _write(self, patient_id: str, kind: str, prefix: str, make_payload) -> str:
        with self._connect() as conn:
            shift = self._shift(conn)
            pid = _pid(patient_id)
            if conn.execute(select(patients.c.id).where(patients.c.id == pid)).first() is None:
                raise PatientNotFound("demo EPD: unknown patient id")
            now = self._now(shift)
            payload = make_payload(shift, now)
            inserted = conn.execute(records.insert().values(
                patient_id=pid, kind=kind, approved=True, starts_at=now, ends_at=None,
                payload=json.dumps(payload, ensure_ascii=False))).inserted_primary_key
            if inserted is None:  # None only when no row was inserted
                raise EpdBadData("demo EPD: the database did not return the new record's id")
            new_id = inserted[0]
            payload["reference"] = reference = f"{prefix}{new_id:08d}"
            conn.execute(records.update().where(records.c.id == new_id)
                         .values(payload=json.dumps(payload, ensure_ascii=False)))
            return reference

    # ------------------------------------------------------------------ demo tooling

    def patients_of(self, agb_code: str, limit: int = 4) -> list[m.PatientSummary]:
        """Patients with an open relation to ``agb_code`` (for ``portal demo accounts``):
        those with consent first."""
        with self._connect() as conn:
            shift = self._shift(conn)
            today = self._anchor_date(conn).isoformat()
            ids = select(relations.c.patient_id).where(
                relations.c.agb_code == agb_code,
                or_(relations.c.valid_until.is_(None), relations.c.valid_until >= today))
            rows = conn.execute(select(*_SUMMARY).where(patients.c.id.in_(ids), patients.c.death_date.is_(None))
                                .order_by(patients.c.consent.desc(), patients.c.id).limit(limit)).all()
            return self._summaries(conn, rows, shift)

    def count_patients(self) -> int:
        with self._connect() as conn:
            return conn.execute(select(func.count()).select_from(patients)).scalar_one()


def vars_of(test: m.OrderableTest) -> dict:
    return {"code": test.code, "name": test.name, "category": test.category}


def _read_engine(url: str, timeout: float) -> Engine:
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        # mode=rw: a missing demo database is an error, never silently created empty.
        engine = create_engine(f"sqlite:///file:{path}?mode=rw&uri=true", connect_args={"timeout": timeout,
                                                                                        "check_same_thread": False})
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    millis = int(timeout * 1000)
    return create_engine(url, pool_pre_ping=True, connect_args={
        "connect_timeout": max(1, int(timeout)), "options": f"-c statement_timeout={millis}"})


def _given(value: T | None) -> T:
    """A field ``SearchCriteria`` guarantees for its kind (its ``__post_init__`` checks)."""
    if value is None:
        raise ValueError("search criteria without a field their kind requires")
    return value


def _pid(patient_id: str) -> int:
    try:
        return int(patient_id)
    except (TypeError, ValueError):
        raise PatientNotFound("demo EPD: unknown patient id") from None


def _load(row) -> dict:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        raise EpdBadData(f"demo EPD: {row.kind} record {row.id} is not valid JSON") from None
    if not isinstance(payload, dict):
        raise EpdBadData(f"demo EPD: {row.kind} record {row.id} is not an object")
    return payload


def _date(value: str | None, shift: timedelta | None = None) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value) + (shift or timedelta())


def _provider(row) -> m.CareProvider | None:
    if row is None:
        return None
    address = m.Address(street=row.street, house_number=row.house_number, house_number_addition=None,
                        postcode=row.postcode, city=row.city) if row.street else None
    return m.CareProvider(name=row.name, agb_code=row.agb_code, practice_name=row.practice_name,
                          practice_agb=row.practice_agb, address=address, phone=row.phone)


def _admission_status(payload: dict, now: str) -> dict:
    if payload["admitted_at"] > now:
        status = "planned"
    elif payload.get("discharged_at") is None or payload["discharged_at"] > now:
        status = "current"
    else:
        status = "discharged"
    return {**payload, "status": status}


def _medication_category(payload: dict, now: str) -> dict:
    today = now[:10]
    start, end, stop = payload.get("start"), payload.get("end"), payload.get("stop_type")
    if start and start > today:
        category = m.MedicationCategory.PLANNED
    elif stop == "suspended":
        category = m.MedicationCategory.SUSPENDED
    elif end and end < today:
        category = m.MedicationCategory.STOPPED if stop == "stopped" else m.MedicationCategory.ENDED
    elif payload.get("setting") == "inpatient":
        category = m.MedicationCategory.ACTIVE_INPATIENT
    else:
        category = m.MedicationCategory.ACTIVE_HOME
    return {**payload, "category": category.value}


def _lab_flag(payload: dict, now: str) -> dict:
    flag = payload.get("flag") or m.flag_for(payload.get("numeric_value"), payload.get("reference_low"),
                                             payload.get("reference_high"))
    return {**payload, "flag": flag.value if isinstance(flag, m.ResultFlag) else flag}


def _image_ids(payload: dict, now: str) -> dict:
    images = [{**image, "id": f"{payload['id']}.{image['n']}"} for image in payload.get("images", [])]
    return {**payload, "images": images}
