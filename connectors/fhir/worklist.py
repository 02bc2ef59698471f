"""Mijn patiënten in het ziekenhuis over FHIR: discharges and new documents since a moment.

- Discharges: ``Encounter?status=finished&date=ge<day>`` of an inpatient class whose
  ``period.end`` lies in [since, now]; the discharge letter is an approved DocumentReference
  of that Encounter (``context.encounter``) typed as a discharge summary (LOINC
  ``18842-5``/``34105-7``) or titled "Ontslagbrief". ``hospitalization.dischargeDisposition``
  is not needed: the period's end is the discharge.
- New documents: approved ``DocumentReference?date=ge<since>`` (its ``date``: when the
  document was made available) and imaging ``DiagnosticReport?issued=ge<since>``.

The searches are by date, never by patient; the patients' relations select the practices'
own (``agb_codes``). Every resource is mapped on its own (``map_each``): one unusable
Encounter or document leaves out that line, not the whole list.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from portal.epd.models import (
    AdmissionStatus,
    DischargeEntry,
    LetterInfo,
    NewDocumentEntry,
    NewDocumentKind,
    PatientSummary,
)

from . import care, reports, results
from .mapping import map_each
from .patients import Unmappable
from .values import dicts, get, parse_datetime, reference

if TYPE_CHECKING:
    from .connector import FhirConnector

#: LOINC codes of a discharge letter (discharge summary, hospital discharge summary).
DISCHARGE_CODES = frozenset({"18842-5", "34105-7"})
DISCHARGE_TITLE = "ontslagbrief"
_CHUNK = 40
_IMAGING_SPECIALTY = {"radiology": "Radiologie", "nuclear": "Nucleaire geneeskunde"}


def _related(summary: PatientSummary, wanted: set[str]) -> bool:
    return any(r.agb_code in wanted or r.practice_agb in wanted for r in summary.relations)


def _is_discharge_letter(document: dict) -> bool:
    codes = {c.get("code") for c in dicts(get(document, "type", "coding"))}
    title = (document.get("description") or get(document, "type", "text") or "").strip().lower()
    return bool(codes & DISCHARGE_CODES) or title.startswith(DISCHARGE_TITLE)


def list_discharges(connector: "FhirConnector", since: datetime,
                    agb_codes: Collection[str]) -> Sequence[DischargeEntry]:
    wanted = set(agb_codes)
    if not wanted:
        return ()
    clock = connector.clock
    start, now = clock.to_local(since), clock.local_now()
    encounters, summaries = connector._encounter_patients(
        [("status", "finished"), ("date", f"ge{start.date().isoformat()}")], wanted)
    encounters = [e for e in encounters if (reference(e.get("subject")) or "") in summaries]

    def discharged(encounter: dict):
        admission = care.admission(encounter, now)
        if admission is None or admission.status is not AdmissionStatus.DISCHARGED:
            return None
        if admission.discharged_at is None:
            raise Unmappable("finished admission without a period end")
        if not start <= clock.to_local(admission.discharged_at) <= now:
            return None
        return encounter, admission

    found = map_each(encounters, discharged, "discharge")
    letters = _discharge_letters(connector, [encounter["id"] for encounter, _ in found])
    entries = [DischargeEntry(patient=summaries[reference(encounter.get("subject")) or ""], admission=admission,
                              discharge_letter=letters.get(encounter["id"])) for encounter, admission in found]
    return tuple(sorted(entries, key=lambda e: clock.to_local(e.admission.discharged_at or e.admission.admitted_at),
                        reverse=True))


def _discharge_letters(connector: "FhirConnector", encounter_ids: list[str]) -> dict[str, LetterInfo]:
    """Encounter id -> its approved discharge letter (the newest when there are several)."""
    calls = {}
    for first in range(0, len(encounter_ids), _CHUNK):
        joined = ",".join(f"Encounter/{i}" for i in encounter_ids[first:first + _CHUNK])
        calls[str(first)] = lambda j=joined: connector.client.search("DocumentReference", [("encounter", j)]).matches
    documents = [d for found in connector.client.gather(calls).values() for d in found] if calls else []
    letters: dict[str, LetterInfo] = {}

    def pair(document: dict):
        if not _is_discharge_letter(document):
            return None
        info = reports.letter(document)
        if info is None:
            return None
        encounters = [reference(e) for e in dicts(get(document, "context", "encounter"))]
        return [(ref.split("/", 1)[1], info) for ref in encounters if ref and ref.startswith("Encounter/")]

    for pairs in map_each(documents, pair, "discharge letter"):
        for encounter_id, info in pairs:
            if encounter_id not in letters or letters[encounter_id].date < info.date:
                letters[encounter_id] = info
    return letters


def list_new_documents(connector: "FhirConnector", since: datetime,
                       agb_codes: Collection[str]) -> Sequence[NewDocumentEntry]:
    wanted = set(agb_codes)
    if not wanted:
        return ()
    clock = connector.clock
    start, now = clock.to_local(since), clock.local_now()
    moment = clock.localize(start).isoformat(timespec="seconds")
    got = connector.client.gather({
        "letters": lambda: connector.client.search("DocumentReference", [("date", f"ge{moment}")]).matches,
        "reports": lambda: connector.client.search("DiagnosticReport", [("issued", f"ge{moment}")]).matches,
    })
    resources = got["letters"] + got["reports"]
    patients = connector._by_ids(reference(r.get("subject")) or "" for r in resources)
    summaries = {f"Patient/{s.patient_id}": s for s in connector._summaries(
        [p for p in patients.values() if p.get("resourceType") == "Patient"]) if _related(s, wanted)}
    resources = [r for r in resources if (reference(r.get("subject")) or "") in summaries]
    studies = connector._by_ids(reference(s) or "" for r in got["reports"] for s in dicts(r.get("imagingStudy")))

    def in_window(value) -> datetime | None:
        moment_ = parse_datetime(value)
        if moment_ is None:
            raise Unmappable("document without the moment it was made available")
        return moment_ if start <= clock.to_local(moment_) <= now else None

    def entry(resource: dict) -> NewDocumentEntry | None:
        patient = summaries[reference(resource.get("subject")) or ""]
        if resource.get("resourceType") == "DocumentReference":
            info = reports.letter(resource)
            available = in_window(resource.get("date")) if info is not None else None
            if info is None or available is None:
                return None
            return NewDocumentEntry(patient=patient, kind=NewDocumentKind.LETTER, id=info.id, title=info.title,
                                    specialty=info.specialty, available_at=available)
        if results.report_section(resource) & (results.MICROBIOLOGY | results.PATHOLOGY):
            return None
        report = results.imaging(resource, studies, {}, {}, {})
        available = in_window(resource.get("issued")) if report is not None else None
        if report is None or available is None:
            return None
        return NewDocumentEntry(patient=patient, kind=NewDocumentKind.IMAGING_REPORT, id=report.id,
                                title=report.title, specialty=_IMAGING_SPECIALTY.get(report.discipline.value),
                                available_at=available)

    entries = map_each(resources, entry, "new document")
    return tuple(sorted(entries, key=lambda e: (clock.to_local(e.available_at), e.id), reverse=True))
