"""``FhirConnector``: the EPD contract over a hospital's HL7 FHIR R4 server (nl-core / zib 2020).

Every method asks the server anew (no clinical data is cached). The calls one method needs
run in parallel (``FhirClient.gather``): e.g. the patient check and the data search of a
list. Resources are mapped one by one; one that cannot be mapped is left out and logged
(type and reason, never content), and only when every resource of an answer is unusable
does the method raise ``EpdBadData``. The mapping is documented in docs/fhir-mapping.md.
"""
from __future__ import annotations

import base64
import logging
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from portal.clock import DEFAULT_ZONE, HospitalClock
from portal.epd.errors import EpdBadData, ItemNotFound, ItemUnusable, OrderRejected, PatientNotFound
from portal.epd.models import (
    AdmissionStatus,
    AdmittedPatient,
    DeathNotification,
    Document,
    EmergencyVisitEntry,
    Medication,
    MedicationCategory,
    Order,
    OrderableTest,
    OrderRequest,
    PatientDetails,
    PatientSummary,
    SearchCriteria,
    SearchKind,
)
from portal.epd.registry import parse_settings

from . import care, record, reports, results, worklist, writes
from .client import FhirClient, SearchResult, split_reference
from .dicomweb import DicomWebClient
from .imaging import StudyImages, is_study_image
from .mapping import map_each
from .patients import (
    Directory,
    Unmappable,
    address,
    address_matches,
    care_provider,
    has_consent,
    insurance,
    name_matches,
    provider_by_codes,
    relation_references,
    relations,
    summary,
    telecom,
)
from .settings import BSN_SYSTEM
from .settings import Settings as FhirSettings
from .values import dicts, get, local, parse_date, reference, references, text

log = logging.getLogger(__name__)
T = TypeVar("T")
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_CHUNK = 40  # ids per "_id=a,b,c" search: keeps URLs well under common limits
#: Added to a search whose resources name care providers: a PractitionerRole's practitioner
#: and organisation come in the same answer, so ``_directory`` needs no further round. A
#: server that ignores ``_include`` costs those rounds, not the answer (``_by_ids`` asks
#: for what is missing).
_ROLE_PARTS = [("_include:iterate", "PractitionerRole:practitioner"),
               ("_include:iterate", "PractitionerRole:organization")]
_REPORT_LINKS = [("_include", "DiagnosticReport:result"), ("_include", "DiagnosticReport:specimen"),
                 ("_include", "DiagnosticReport:based-on"), ("_include", "DiagnosticReport:media"),
                 ("_include:iterate", "Observation:has-member")]
_WITH_GP = [("_include", "Patient:general-practitioner"), *_ROLE_PARTS]
_WITH_MEMBERS = [("_include", "CareTeam:participant"), *_ROLE_PARTS]
_WITH_REQUESTER = [("_include", "ServiceRequest:requester"), *_ROLE_PARTS]


def _newest(items: Iterable[T], key: Callable[[T], object]) -> tuple[T, ...]:
    return tuple(sorted(items, key=lambda item: _sortable(key(item)), reverse=True))


def _of_listed(encounters: list[dict], summaries: dict[str, PatientSummary]) -> list[dict]:
    """The encounters of patients on an overview (others are not mapped, so their defects
    cannot fail it)."""
    return [e for e in encounters if (reference(e.get("subject")) or "") in summaries]


def _by_reference(resources: Iterable[dict]) -> dict[str, dict]:
    """Resources by "Type/id" (those without a usable id are left out)."""
    return {f"{r['resourceType']}/{r['id']}": r for r in resources
            if isinstance(r.get("id"), str) and isinstance(r.get("resourceType"), str)}


def _given(value: T | None) -> T:
    """A field ``SearchCriteria`` guarantees for its kind (its ``__post_init__`` checks)."""
    if value is None:
        raise ValueError("search criteria without a field their kind requires")
    return value


def _sortable(value) -> tuple:
    """Sort dates and (naive, local) datetimes together; None last."""
    if value is None:
        return (0, datetime.min)
    if isinstance(value, datetime):
        return (1, local(value))
    if isinstance(value, date):
        return (1, datetime(value.year, value.month, value.day))
    return (1, value)


class FhirConnector:
    """The portal's view of one hospital's FHIR R4 server. Thread-safe; one per tenant."""

    Settings = FhirSettings
    #: Its calls wait on the network: a page's sections are read at the same time
    #: (``portal.core.sections.load_many``).
    concurrent_calls = True

    def __init__(self, settings: FhirSettings, folder: Path | str = ".", client: FhirClient | None = None,
                 clock: HospitalClock | None = None):
        self.settings = settings
        self.client = client or FhirClient(settings, folder)
        #: "Now" and "today" as the hospital reads them (admissions current, the SEH window).
        self.clock = clock or HospitalClock()
        #: The images of ImagingStudy resources, from the hospital's PACS (when configured).
        self.studies = StudyImages(self, DicomWebClient(settings.pacs, folder) if settings.pacs else None)

    @classmethod
    def from_config(cls, tenant, settings=None) -> "FhirConnector":
        # A missing secret or file raises ValueError naming the key, like a bad setting.
        return cls(parse_settings(FhirSettings, tenant.connector.settings), getattr(tenant, "folder", "") or ".",
                   clock=HospitalClock(getattr(tenant, "timezone", DEFAULT_ZONE)))

    def close(self) -> None:
        self.client.close()
        if self.studies.pacs is not None:
            self.studies.pacs.close()

    # ================================================================== plumbing

    def _today(self) -> date:
        return self.clock.today()

    def _check_id(self, patient_id: str) -> str:
        if not isinstance(patient_id, str) or not _FHIR_ID.match(patient_id):
            raise PatientNotFound("no such patient")
        return patient_id

    def _patient(self, patient_id: str) -> dict:
        found = self.client.read("Patient", self._check_id(patient_id))
        if found is None or found.get("active") is False:
            raise PatientNotFound("no such patient")
        return found

    def _for_patient(self, patient_id: str, searches: dict[str, tuple[str, list[tuple[str, str]]]],
                     included: dict[str, dict] | None = None) -> dict:
        """The Patient and the given searches, all at once; raises PatientNotFound first.

        Resources a search's ``_include`` added go into ``included`` ("Type/id" keys): the
        caller resolves only the references they lack (``_by_ids(..., known=included)``).
        """
        self._check_id(patient_id)
        calls: dict[str, Callable] = {"patient": lambda: self._patient(patient_id)}
        for key, (resource_type, params) in searches.items():
            calls[key] = (lambda t=resource_type, p=params: self.client.search(t, p))
        try:
            got = self.client.gather(calls)
        except PatientNotFound:
            raise
        except Exception:
            # A failing search of an unknown patient must still say "not found".
            self._patient(patient_id)
            raise
        answer = {"patient": got.pop("patient")}
        for key, result in got.items():
            answer[key] = result.matches
            if included is not None:
                included.update(_by_reference(result.included))
        return answer

    def _by_ids(self, refs: Iterable[str], known: Mapping[str, dict] | None = None) -> dict[str, dict]:
        """Resolve "Type/id" references in bulk (``_id`` searches, in parallel); those in
        ``known`` (resources an ``_include`` brought) are taken from there, not asked again."""
        by_type: dict[str, list[str]] = {}
        found: dict[str, dict] = {}
        for ref in set(refs):
            parsed = split_reference(ref, self.client.base_url)
            if parsed and _FHIR_ID.match(parsed[1]):
                key = f"{parsed[0]}/{parsed[1]}"
                if known is not None and key in known:
                    found[key] = known[key]
                else:
                    by_type.setdefault(parsed[0], []).append(parsed[1])
        calls = {}
        for resource_type, ids in by_type.items():
            ids.sort()
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start:start + _CHUNK]
                calls[f"{resource_type}:{start}"] = (
                    lambda t=resource_type, c=chunk: self.client.search(t, [("_id", ",".join(c))]).matches)
        for resources in self.client.gather(calls).values():
            for resource in resources:
                found[f"{resource['resourceType']}/{resource['id']}"] = resource
        return found

    def _directory(self, refs: Iterable[str], known: Mapping[str, dict] | None = None) -> Directory:
        """Practitioners, roles and organisations behind ``refs``, with the practitioner and
        organisation of each PractitionerRole (two rounds, none for what ``known`` holds:
        the searches ask for them with ``_ROLE_PARTS``)."""
        kinds = ("Practitioner", "PractitionerRole", "Organization")
        found = self._by_ids((r for r in refs if r.split("/")[0] in kinds), known)
        second: set[str] = set()
        for resource in found.values():
            if resource.get("resourceType") == "PractitionerRole":
                second.update(references((resource.get("practitioner"), resource.get("organization"))))
        found.update(self._by_ids(second - set(found), known))
        return Directory(found)

    # ================================================================== availability

    def check_available(self) -> None:
        self.client.capabilities()

    # ================================================================== patients

    def _summary_calls(self, refs: list[str]) -> dict[str, Callable[..., tuple[str, SearchResult]]]:
        """The searches a summary needs besides the Patient (consent, care teams, requests),
        with the care providers they name (``_include``)."""
        calls: dict[str, Callable[..., tuple[str, SearchResult]]] = {}
        for start in range(0, len(refs), _CHUNK):
            joined = ",".join(refs[start:start + _CHUNK])
            calls[f"consent:{start}"] = lambda j=joined: (
                "consent", self.client.search("Consent", [("patient", j)]))
            calls[f"team:{start}"] = lambda j=joined: (
                "team", self.client.search("CareTeam", [("patient", j), *_WITH_MEMBERS]))
            calls[f"request:{start}"] = lambda j=joined: ("request", self.client.search(
                "ServiceRequest", [("subject", j), ("status", "active"), *_WITH_REQUESTER]))
        return calls

    def _summaries(self, patients: list[dict], searched: dict | None = None,
                   known: Mapping[str, dict] | None = None) -> list[PatientSummary]:
        """Summaries with consent and relations, for many patients in a few bulk calls
        (``searched``: the results of ``_summary_calls`` when the caller already ran them;
        ``known``: care providers already at hand, e.g. a Patient search's ``_include``)."""
        if not patients:
            return []
        refs = [f"Patient/{p['id']}" for p in patients]
        if searched is None:
            searched = self.client.gather(self._summary_calls(refs))
        grouped: dict[str, dict[str, list[dict]]] = {"consent": {}, "team": {}, "request": {}}
        providers = dict(known or {})
        for kind, result in searched.values():
            providers.update(_by_reference(result.included))
            if kind not in grouped:  # a search run only for what it includes
                continue
            for resource in result.matches:
                owner = reference(resource.get("patient") if kind == "consent" else resource.get("subject"))
                grouped[kind].setdefault(owner or "", []).append(resource)
        needed = set()
        for patient, ref in zip(patients, refs):
            needed |= relation_references(patient, grouped["team"].get(ref, []), grouped["request"].get(ref, []))
        directory = self._directory(needed, providers)
        today = self._today()

        def build(patient: dict) -> PatientSummary:
            ref = f"Patient/{patient['id']}"
            teams, requests = grouped["team"].get(ref, []), grouped["request"].get(ref, [])
            return summary(patient, has_consent(grouped["consent"].get(ref, []), self.settings, today),
                           relations(patient, teams, requests, directory, self.settings, today), self.settings)

        return map_each(patients, build, "patient")

    def search_patients(self, criteria: SearchCriteria, limit: int = 50) -> Sequence[PatientSummary]:
        queries, keep = self._patient_queries(criteria)
        found: dict[str, dict] = {}
        included: dict[str, dict] = {}
        searches = {str(i): partial(self.client.search, "Patient", [*q, *_WITH_GP]) for i, q in enumerate(queries)}
        for result in self.client.gather(searches).values():
            included.update(_by_reference(result.included))
            for patient in result.matches:
                if patient.get("id") and patient.get("active") is not False and keep(patient):
                    found[patient["id"]] = patient
        summaries = self._summaries(list(found.values()), known=included)
        ordered = sorted(summaries, key=lambda s: (s.birth_name.casefold(), s.birth_date, s.patient_id))
        return tuple(ordered[:max(limit, 0)])

    def _patient_queries(self, criteria: SearchCriteria) -> tuple[list[list[tuple[str, str]]], Callable[[dict], bool]]:
        """(FHIR queries, client-side filter) for a search: the server narrows, the filter
        applies the contract's exact matching rules (servers differ in string matching)."""
        system: str | None
        value: str | None
        if criteria.kind == SearchKind.PATIENT_NUMBER:
            system, value = self.settings.patient_number_system, criteria.patient_number
        elif criteria.kind == SearchKind.BSN:
            system, value = BSN_SYSTEM, criteria.bsn
        else:
            system = value = None
        if system:
            def same_identifier(patient: dict) -> bool:
                return any(i.get("system") == system and text(i.get("value")) == value
                           for i in dicts(patient.get("identifier")))
            return [[("identifier", f"{system}|{value}")]], same_identifier
        if criteria.kind in (SearchKind.BIRTH_NAME, SearchKind.PARTNER_NAME):
            partner = criteria.kind == SearchKind.PARTNER_NAME
            name, born, sex = _given(criteria.name), _given(criteria.birth_date).isoformat(), str(criteria.sex)

            def same_person(patient: dict) -> bool:
                return (patient.get("birthDate") == born and patient.get("gender", "unknown") == sex
                        and name_matches(patient, name, partner))
            return [[("birthdate", born), ("gender", sex)]], same_person
        postcode, house_number = _given(criteria.postcode), _given(criteria.house_number)
        spaced = f"{postcode[:4]} {postcode[4:]}"

        def same_address(patient: dict) -> bool:
            return address_matches(patient, postcode, house_number)
        return [[("address-postalcode", postcode)], [("address-postalcode", spaced)]], same_address

    def get_patient_summary(self, patient_id: str) -> PatientSummary:
        # The Patient and the searches for its consent and relations at the same time (the
        # searches need only the id): every patient page's access check waits one round less.
        ref = f"Patient/{self._check_id(patient_id)}"
        calls: dict[str, Callable] = {"patient": lambda: self._patient(patient_id), **self._summary_calls([ref])}
        # Only for its _include: the registered GP's practice, in the same round.
        calls["gp"] = lambda: ("gp", self.client.search("Patient", [("_id", patient_id), *_WITH_GP]))
        try:
            got = self.client.gather(calls)
        except PatientNotFound:
            raise
        except Exception:
            self._patient(patient_id)  # a failing search of an unknown patient still says "not found"
            raise
        patient = got.pop("patient")
        summaries = self._summaries([patient], got)
        if not summaries:
            raise EpdBadData("the patient's record lacks a name or birth date")
        return summaries[0]

    def get_patient(self, patient_id: str) -> PatientDetails:
        ref = f"Patient/{self._check_id(patient_id)}"
        providers: dict[str, dict] = {}
        got = self._for_patient(patient_id, {
            "consent": ("Consent", [("patient", ref)]),
            "teams": ("CareTeam", [("patient", ref), *_WITH_MEMBERS]),
            "requests": ("ServiceRequest", [("subject", ref), ("status", "active"), *_WITH_REQUESTER]),
            "coverage": ("Coverage", [("beneficiary", ref), ("_include", "Coverage:payor")]),
            # Only for its _include: the registered GP comes in the same round as the rest.
            "gp": ("Patient", [("_id", patient_id), *_WITH_GP]),
        }, providers)
        patient, today = got["patient"], self._today()
        needed = relation_references(patient, got["teams"], got["requests"])
        needed |= references(p for c in got["coverage"] for p in dicts(c.get("payor")))
        directory = self._directory(needed, providers)
        try:
            base = summary(patient, has_consent(got["consent"], self.settings, today),
                           relations(patient, got["teams"], got["requests"], directory, self.settings, today),
                           self.settings)
        except Unmappable as exc:
            raise EpdBadData(f"the patient's record is unusable: {exc}") from None
        gp = next((care_provider(directory, g) for g in dicts(patient.get("generalPractitioner"))), None)
        codes = self.settings.codes
        return PatientDetails(
            summary=base, address=address(patient),
            phone_mobile=telecom(patient, "phone", ("mobile",)),
            phone_home=telecom(patient, "phone", ("home", None)),
            email=telecom(patient, "email", ("home", None, "work")),
            gp=gp, dentist=provider_by_codes(got["teams"], directory, codes.dentist),
            pharmacy=provider_by_codes(got["teams"], directory, codes.pharmacy),
            insurance=insurance(got["coverage"], directory, today),
            death_date=parse_date(patient.get("deceasedDateTime")))

    def _encounter_patients(self, params: list[tuple[str, str]], agb_codes: Collection[str] | None):
        encounters = self.client.search("Encounter", params).matches
        patient_refs = references(e.get("subject") for e in encounters)
        patients = [p for p in self._by_ids(patient_refs).values() if p.get("resourceType") == "Patient"]
        summaries = {f"Patient/{s.patient_id}": s for s in self._summaries(patients)}
        if agb_codes is not None:
            wanted = set(agb_codes)
            summaries = {k: s for k, s in summaries.items()
                         if any(r.agb_code in wanted or r.practice_agb in wanted for r in s.relations)}
        return encounters, summaries

    def list_admitted_patients(self, agb_codes: Collection[str] | None = None) -> Sequence[AdmittedPatient]:
        encounters, summaries = self._encounter_patients([("status", "in-progress")], agb_codes)
        now = self.clock.local_now()

        def entry(encounter: dict) -> AdmittedPatient | None:
            admission = care.admission(encounter, now)
            if admission is None or admission.status != AdmissionStatus.CURRENT:
                return None
            return AdmittedPatient(patient=summaries[reference(encounter.get("subject")) or ""], admission=admission)

        entries = map_each(_of_listed(encounters, summaries), entry, "admission")
        return _newest(entries, lambda e: e.admission.admitted_at)

    def list_emergency_visits(self, since: datetime,
                              agb_codes: Collection[str] | None = None) -> Sequence[EmergencyVisitEntry]:
        since = self.clock.to_local(since)
        encounters, summaries = self._encounter_patients([("date", f"ge{since.date().isoformat()}")], agb_codes)

        def entry(encounter: dict) -> EmergencyVisitEntry | None:
            visit = care.emergency_visit(encounter)
            if visit is None or visit.arrived_at < since:
                return None
            return EmergencyVisitEntry(patient=summaries[reference(encounter.get("subject")) or ""], visit=visit)

        entries = map_each(_of_listed(encounters, summaries), entry, "emergency visit")
        return _newest(entries, lambda e: e.visit.arrived_at)

    def list_discharges(self, since: datetime, agb_codes: Collection[str]):
        return worklist.list_discharges(self, since, agb_codes)

    def list_new_documents(self, since: datetime, agb_codes: Collection[str]):
        return worklist.list_new_documents(self, since, agb_codes)

    # ================================================================== care events

    def list_appointments(self, patient_id):
        got = self._for_patient(patient_id, {"items": ("Appointment", [("patient", f"Patient/{patient_id}")])})
        return _newest(map_each(got["items"], care.appointment, "appointment"), lambda a: a.start)

    def list_operations(self, patient_id):
        ref = f"Patient/{patient_id}"
        got = self._for_patient(patient_id, {
            "requests": ("ServiceRequest", [("subject", ref)]),
            "appointments": ("Appointment", [("patient", ref)]),
            "procedures": ("Procedure", [("subject", ref)]),
        })
        mapped = map_each(got["requests"],
                           lambda r: care.operation(r, got["appointments"], got["procedures"], self.settings),
                           "operation")
        return _newest(mapped, lambda o: o.performed_at or o.planned_at or o.listed_on)

    def _encounters(self, patient_id, mapper, what):
        got = self._for_patient(patient_id, {"items": ("Encounter", [("subject", f"Patient/{patient_id}")])})
        return map_each(got["items"], mapper, what)

    def list_admissions(self, patient_id):
        now = self.clock.local_now()
        return _newest(self._encounters(patient_id, lambda e: care.admission(e, now), "admission"),
                       lambda a: a.admitted_at)

    def list_emergency_registrations(self, patient_id):
        return _newest(self._encounters(patient_id, care.emergency_visit, "emergency visit"), lambda v: v.arrived_at)

    def list_referrals(self, patient_id):
        got = self._for_patient(patient_id, {"items": ("ServiceRequest", [("subject", f"Patient/{patient_id}"),
                                                                          ("status", "active")])})
        today = self._today()
        return _newest(map_each(got["items"], lambda r: care.referral(r, self.settings, today), "referral"),
                       lambda r: r.referred_on)

    # ================================================================== record: medical

    def _simple(self, patient_id, resource_type, param, mapper, what, sort_key, extra=()):
        got = self._for_patient(patient_id, {"items": (resource_type, [(param, f"Patient/{patient_id}"), *extra])})
        return _newest(map_each(got["items"], mapper, what), sort_key)

    def list_allergies(self, patient_id):
        return self._simple(patient_id, "AllergyIntolerance", "patient", record.allergy, "allergy",
                            lambda a: a.recorded_on)

    def list_conditions(self, patient_id):
        return self._simple(patient_id, "Condition", "subject", lambda c: record.condition(c, self.settings),
                            "condition", lambda c: c.onset)

    def list_diagnoses(self, patient_id):
        return self._simple(patient_id, "Condition", "subject", lambda c: record.diagnosis(c, self.settings),
                            "diagnosis", lambda d: d.diagnosed_on)

    def list_substance_use(self, patient_id):
        return self._simple(patient_id, "Observation", "subject", lambda o: record.substance_use(o, self.settings),
                            "substance use", lambda s: s.recorded_on or s.start, extra=[("category", "social-history")])

    def list_state_observations(self, patient_id):
        return self._simple(patient_id, "Observation", "subject", lambda o: record.state_observation(o, self.settings),
                            "state observation", lambda s: s.observed_on)

    def _devices(self, patient_id, kind):
        got = self._for_patient(patient_id, {"items": ("DeviceUseStatement", [("subject", f"Patient/{patient_id}")])})
        devices = self._by_ids(r for r in (record.device_reference(s) for s in got["items"]) if r)
        chosen = [s for s in got["items"]
                  if record.device_kind(devices.get(record.device_reference(s) or ""), self.settings) == kind]
        mapped = map_each(chosen, lambda s: record.device_use(s, devices.get(record.device_reference(s) or "")),
                           "device use")
        return _newest(mapped, lambda d: d.start)

    def list_implants(self, patient_id):
        return self._devices(patient_id, "implant")

    def list_inserted_materials(self, patient_id):
        return self._devices(patient_id, "inserted_material")

    def list_medical_aids(self, patient_id):
        return self._devices(patient_id, "medical_aid")

    def list_medication(self, patient_id) -> Sequence[Medication]:
        ref = f"Patient/{patient_id}"
        included: dict[str, dict] = {}
        got = self._for_patient(patient_id, {
            "requests": ("MedicationRequest", [("subject", ref), ("_include", "MedicationRequest:medication")]),
            "statements": ("MedicationStatement", [("subject", ref), ("_include", "MedicationStatement:medication")]),
        }, included)
        items = got["requests"] + got["statements"]
        medications = self._by_ids((r for r in (record.medication_reference(i) for i in items) if r), included)
        today = self._today()
        mapped = map_each(items, lambda i: record.medication(i, medications, today), "medication")
        order = list(MedicationCategory)
        newest_first = _newest(mapped, lambda m: m.start)
        return tuple(sorted(newest_first, key=lambda m: order.index(m.category)))

    # ================================================================== record: reports, nursing, other

    def _reports(self, patient_id, kind):
        got = self._for_patient(patient_id, {"items": ("Composition", [("subject", f"Patient/{patient_id}")])})
        chosen = [c for c in got["items"] if reports.report_kind(c, self.settings) == kind]
        return _newest(map_each(chosen, reports.report, "report"), lambda r: r.written_at)

    def list_treatment_reports(self, patient_id):
        return self._reports(patient_id, "treatment")

    def list_nursing_reports(self, patient_id):
        return self._reports(patient_id, "nursing")

    def list_mdo_reports(self, patient_id):
        return self._reports(patient_id, "mdo")

    def list_letters(self, patient_id):
        return self._simple(patient_id, "DocumentReference", "subject", reports.letter, "letter",
                            lambda letter: letter.date)

    def get_letter(self, patient_id: str, letter_id: str) -> Document:
        got = self.client.gather({"patient": lambda: self._patient(patient_id),
                                  "document": lambda: self._item("DocumentReference", letter_id)})
        document = got["document"]
        if (document is None or reference(document.get("subject")) != f"Patient/{patient_id}"
                or not reports.is_approved_document(document)):
            raise ItemNotFound("no such letter")
        info = map_each([document], reports.letter, "letter")
        attachments = (c.get("attachment") for c in dicts(document.get("content")))
        attachment = next((a for a in attachments if isinstance(a, dict)), None)
        if attachment is None or not info:
            raise ItemUnusable("letter without content")
        return self._attachment(attachment, info[0].title)

    def _item(self, resource_type: str, item_id: str) -> dict | None:
        if not isinstance(item_id, str) or not _FHIR_ID.match(item_id):
            return None
        return self.client.read(resource_type, item_id)

    def _attachment(self, attachment: dict, title: str) -> Document:
        """The bytes of an Attachment: inline ``data``, or a Binary on this server by ``url``."""
        content_type = text(attachment.get("contentType")) or "application/octet-stream"
        data = attachment.get("data")
        if not isinstance(data, str):
            target = split_reference(attachment.get("url"), self.client.base_url)
            if target is None or target[0] != "Binary":
                raise ItemUnusable("document content is not on the FHIR server")
            binary = self.client.read("Binary", target[1])
            if binary is None:
                raise ItemUnusable("document content is missing on the FHIR server")
            data = binary.get("data")
            content_type = text(binary.get("contentType")) or content_type
        try:
            raw = base64.b64decode(data or "", validate=True)
        except ValueError:
            raise ItemUnusable("document content is not valid base64") from None
        if content_type.startswith("text/") and "charset" not in content_type:
            content_type += "; charset=utf-8"
        return Document(content_type=content_type, data=raw, title=title)

    def list_alerts(self, patient_id):
        return self._simple(patient_id, "Flag", "patient", lambda f: reports.alert(f, self.settings), "alert",
                            lambda a: a.start)

    def list_procedures(self, patient_id):
        return self._simple(patient_id, "Procedure", "subject", reports.procedure, "procedure",
                            lambda p: p.performed_on)

    def list_nursing_problems(self, patient_id):
        ref = f"Patient/{patient_id}"
        got = self._for_patient(patient_id, {"conditions": ("Condition", [("subject", ref)]),
                                             "goals": ("Goal", [("subject", ref)])})
        score_refs = {reference(o) for g in got["goals"] for o in dicts(g.get("outcomeReference"))} - {None}
        scores = self._by_ids(score_refs)
        mapped = map_each(got["conditions"], lambda c: reports.nursing_problem(c, got["goals"], scores, self.settings),
                           "nursing problem")
        return _newest(mapped, lambda p: p.recorded_on)

    def list_nursing_care_plan(self, patient_id):
        got = self._for_patient(patient_id, {"items": ("CarePlan", [("subject", f"Patient/{patient_id}")])})
        plans = map_each(got["items"], lambda p: reports.nursing_interventions(p, self.settings), "care plan")
        return _newest([i for plan in plans for i in plan], lambda i: i.start)

    def list_nutrition(self, patient_id):
        return self._simple(patient_id, "NutritionOrder", "patient", reports.nutrition, "nutrition order",
                            lambda n: n.start)

    def list_treatment_restrictions(self, patient_id):
        today = self._today()
        got = self._for_patient(patient_id, {"items": ("Consent", [("patient", f"Patient/{patient_id}")])})
        directives = [c for c in got["items"] if reports.is_treatment_directive(c)]
        mapped = map_each(directives, lambda c: reports.treatment_restriction(c, today), "treatment restriction")
        return _newest(mapped, lambda r: r.decided_on)

    # ================================================================== results

    def list_lab_results(self, patient_id, include_gp_orders: bool = False):
        # The orders and their requesters come with the observations (one round, not three).
        included: dict[str, dict] = {}
        got = self._for_patient(patient_id, {"items": ("Observation", [
            ("subject", f"Patient/{patient_id}"), ("category", "laboratory"),
            ("_include", "Observation:based-on"), ("_include:iterate", "ServiceRequest:requester")])}, included)
        observations = [o for o in got["items"] if results.is_lab(o)]
        request_refs = references(b for o in observations for b in dicts(o.get("basedOn")))
        requests = self._by_ids((r for r in request_refs if r.startswith("ServiceRequest/")), included)
        requesters = references(q.get("requester") for q in requests.values())
        roles = self._by_ids((r for r in requesters if r.startswith("PractitionerRole/")), included)
        panels = results.panel_names(observations)

        def gp_ordered(observation: dict) -> bool:
            return any(results.is_gp_request(requests.get(reference(b) or ""), roles, self.settings)
                       for b in dicts(observation.get("basedOn")))

        mapped = map_each(observations, lambda o: results.lab_result(o, panels, gp_ordered(o)), "lab result")
        if not include_gp_orders:
            mapped = [m for m in mapped if m.ordered_by != results.OrderedBy.GP]
        return _newest(mapped, lambda r: r.sampled_at)

    def list_measurements(self, patient_id):
        return self._simple(patient_id, "Observation", "subject", results.measurement, "measurement",
                            lambda m: m.measured_at, extra=[("category", "vital-signs")])

    def _diagnostic_reports(self, patient_id):
        # What the reports link to comes in the same answer (``_include``), and the patient's
        # imaging studies (no DiagnosticReport search parameter names them) from a search
        # beside it: one round where the server supports both.
        ref = f"Patient/{patient_id}"
        included: dict[str, dict] = {}
        got = self._for_patient(patient_id, {
            "items": ("DiagnosticReport", [("subject", ref), *_REPORT_LINKS]),
            "studies": ("ImagingStudy", [("subject", ref)]),
        }, included)
        included.update(_by_reference(got["studies"]))
        reports_ = got["items"]
        refs = set()
        for report in reports_:
            for key in ("result", "specimen", "imagingStudy", "basedOn"):
                refs |= {reference(r) for r in dicts(report.get(key))}
            refs |= {reference(get(m, "link")) for m in dicts(report.get("media"))}
        linked = self._by_ids((r for r in refs if r), included)
        members = {reference(m) for o in linked.values() if o.get("resourceType") == "Observation"
                   for m in dicts(o.get("hasMember"))}
        linked.update(self._by_ids((r for r in members - set(linked) if r), included))
        return reports_, linked

    def list_microbiology(self, patient_id):
        items, linked = self._diagnostic_reports(patient_id)
        return _newest(map_each(items, lambda r: results.microbiology(r, linked, linked), "microbiology result"),
                       lambda m: m.sampled_at)

    def list_pathology(self, patient_id):
        items, linked = self._diagnostic_reports(patient_id)
        return _newest(map_each(items, lambda r: results.pathology(r, linked, linked), "pathology report"),
                       lambda p: p.sampled_at)

    def _imaging(self, patient_id):
        items, linked = self._diagnostic_reports(patient_id)
        requesters = {ref: (get(r, "requester", "display") or "") for ref, r in linked.items()
                      if r.get("resourceType") == "ServiceRequest"}
        chosen = [r for r in items if not results.report_section(r) & (results.MICROBIOLOGY | results.PATHOLOGY)]
        mapped = map_each(chosen, lambda r: results.imaging(r, linked, linked, linked, requesters), "imaging report")
        return _newest(mapped, lambda i: i.performed_at), linked

    def list_imaging(self, patient_id):
        found = self._imaging(patient_id)[0]
        # Without a PACS a study's images cannot be shown: the reports must not promise them.
        return found if self.studies.pacs else tuple(replace(r, study_images=False) for r in found)

    def list_image_series(self, patient_id: str, report_id: str):
        return self.studies.list_image_series(patient_id, report_id)

    def get_image(self, patient_id: str, image_id: str) -> Document:
        if is_study_image(image_id):
            return self.studies.get_image(patient_id, image_id)
        reports_, linked = self._imaging(patient_id)
        for report in reports_:
            for image in report.images:
                if image.id == image_id:
                    media = linked.get(f"Media/{image_id}")
                    content = media.get("content") if media and isinstance(media.get("content"), dict) else None
                    if content is None:
                        raise ItemUnusable("image without content")
                    document = self._attachment(content, image.title or report.title)
                    if not results.showable_image(document.content_type):
                        raise ItemUnusable("image content type cannot be shown in a browser")
                    return document
        raise ItemNotFound("no such image")

    # ================================================================== writes

    def _catalogue(self) -> tuple[dict[str, OrderableTest], dict[str, dict]]:
        definitions = self.client.search("ActivityDefinition", [("status", "active")]).matches

        def with_coding(definition: dict) -> tuple[OrderableTest, dict] | None:
            test = writes.orderable(definition)
            if test is None:
                return None
            coding = next(c for c in dicts(get(definition, "code", "coding")) if c.get("code") == test.code)
            return test, {k: coding[k] for k in ("system", "code", "display") if k in coding}

        tests, codings = {}, {}
        for test, coding in map_each(definitions, with_coding, "orderable test"):
            tests[test.code], codings[test.code] = test, coding
        return tests, codings

    def order_catalogue(self) -> Sequence[OrderableTest]:
        tests, _ = self._catalogue()
        return tuple(sorted(tests.values(), key=lambda t: (t.category.casefold(), t.name.casefold())))

    def list_orders(self, patient_id) -> Sequence[Order]:
        got: dict[str, Any] = self.client.gather({  # results of different types
            "patient": lambda: self._patient(patient_id),
            "requests": lambda: self.client.search("ServiceRequest", [("subject", f"Patient/{patient_id}")]).matches,
            "catalogue": self._catalogue,
        })
        catalogue = got["catalogue"][0]
        mapped = map_each(writes.order_groups(got["requests"]), lambda group: writes.order(group, catalogue), "order",
                          resource_of=lambda group: group[0])
        return _newest(mapped, lambda o: o.submitted_at)

    def submit_order(self, patient_id: str, order: OrderRequest) -> str:
        got = self.client.gather({"patient": lambda: self._patient(patient_id), "catalogue": self._catalogue})
        tests, codings = got["catalogue"]
        if not order.test_codes:
            raise OrderRejected("an order needs at least one test")
        unknown = [c for c in order.test_codes if c not in tests]
        if unknown:
            raise OrderRejected(f"unknown test code(s): {', '.join(sorted(set(unknown)))}")
        if not order.clinical_question or not order.clinical_question.strip():
            raise OrderRejected("an order needs a clinical question")
        if not order.requester_agb or not order.requester_name:
            raise OrderRejected("an order needs the requester's name and AGB code")
        chosen = [tests[c] for c in dict.fromkeys(order.test_codes)]
        requisition, bundle = writes.order_bundle(patient_id, order, chosen, codings, self.settings.order_performer,
                                                  writes.utcnow())
        answer = self.client.transaction(bundle)
        statuses = [str(get(e, "response", "status") or "") for e in dicts(answer.get("entry"))]
        if len(statuses) != len(chosen) or not all(s.startswith("2") for s in statuses):
            raise EpdBadData("FHIR server did not store every part of the order")
        return requisition

    def submit_death_notification(self, patient_id: str, notification: DeathNotification) -> str:
        patient = self._patient(patient_id)
        born = parse_date(patient.get("birthDate")) or date.min
        problem = writes.death_date_problem(notification, born, self._today())
        if problem:
            raise OrderRejected(problem)
        stored = self.client.create(writes.death_task(patient_id, notification, writes.utcnow()))
        return f"Task/{stored['id']}"
