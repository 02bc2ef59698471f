"""``EpdConnector``: the one way the portal reads (and writes to) a hospital's EPD.

Rules every method follows (the contract suite in tests/contract/ checks them):

- Only approved (geaccordeerd) data is returned: drafts, unapproved, entered-in-error and
  cancelled-by-mistake items never leave the connector, in lists or by id.
- Per-patient methods take ``patient_id``, the connector's own opaque key from a
  ``PatientSummary``. An unknown ``patient_id`` raises ``PatientNotFound``; a patient with no
  data of a kind gets an empty tuple, never None.
- Lists are tuples, newest first (by the model's main date) unless stated otherwise.
- Every method may raise ``EpdUnavailable`` (``EpdTimeout`` when the EPD did not answer
  within the connector's timeout) and ``EpdBadData`` when the EPD answers garbage.
- Connectors do no access control: the portal decides who may see what, using
  ``PatientSummary.consent`` and ``.relations``. They never log patient data.
- Connectors never import Flask; they are built by ``from_config(tenant, settings)``
  (``portal.epd.registry``), validating ``tenant.connector.settings`` with their pydantic
  ``Settings`` model (``portal.epd.registry.parse_settings``), and are shared by all
  requests and threads of a tenant app, so they must be thread-safe.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Literal, Protocol, get_args, runtime_checkable

from .models import (
    Admission,
    AdmittedPatient,
    Alert,
    Allergy,
    Appointment,
    Condition,
    DeathNotification,
    DeviceUse,
    Diagnosis,
    DischargeEntry,
    Document,
    EmergencyVisit,
    EmergencyVisitEntry,
    ImageSeries,
    ImagingReport,
    LabResult,
    LetterInfo,
    Measurement,
    Medication,
    MicrobiologyResult,
    NewDocumentEntry,
    NursingIntervention,
    NursingProblem,
    NutritionEntry,
    Operation,
    Order,
    OrderableTest,
    OrderRequest,
    PathologyReport,
    PatientDetails,
    PatientSummary,
    Procedure,
    Referral,
    Report,
    SearchCriteria,
    StateObservation,
    SubstanceUse,
    TreatmentRestriction,
)


@runtime_checkable
class EpdConnector(Protocol):
    """What the screens of the manual need from an EPD, one method per kind of data."""

    # ------------------------------------------------------------------ availability
    def close(self) -> None:
        """Release pooled connections and clients; the connector may be used again after."""

    def check_available(self) -> None:
        """Return when the EPD answers; raise ``EpdUnavailable``/``EpdTimeout`` otherwise.
        For the health endpoint: cheap, and touches no patient data."""

    # ------------------------------------------------------------------ Patiënt zoeken (2.1)
    def search_patients(self, criteria: SearchCriteria, limit: int = 50) -> Sequence[PatientSummary]:
        """Patients matching ``criteria`` (rules in ``SearchCriteria``), at most ``limit``,
        ordered by birth name, then birth date. Patients without consent are included (with
        ``consent=False``): the portal decides and explains. No match: an empty tuple."""

    def get_patient_summary(self, patient_id: str) -> PatientSummary:
        """The summary of one patient (for the selected patient's banner and the access
        decision). Raises ``PatientNotFound``."""

    def get_patient(self, patient_id: str) -> PatientDetails:
        """Patiëntinformatie (2.2): NAW, contact details, GP, dentist, pharmacy, insurance.
        Raises ``PatientNotFound``."""

    def list_admitted_patients(self, agb_codes: Collection[str] | None = None) -> Sequence[AdmittedPatient]:
        """Klinische patiënten (2.1.2): every patient admitted right now with the current
        admission, ordered by admission time, newest first. With ``agb_codes``, only patients
        having an open relation whose ``agb_code`` or ``practice_agb`` is one of them (a
        pre-filter for speed; the portal still decides per patient)."""

    def list_emergency_visits(self, since: datetime,
                              agb_codes: Collection[str] | None = None) -> Sequence[EmergencyVisitEntry]:
        """SEH overzicht (2.1.3): emergency department visits that arrived at or after
        ``since`` (the screens pass now minus 7 days), newest first; ``agb_codes`` as in
        ``list_admitted_patients``."""

    # ------------------------------------------------------------------ Mijn patiënten in het ziekenhuis
    def list_discharges(self, since: datetime, agb_codes: Collection[str]) -> Sequence[DischargeEntry]:
        """Inpatient stays that ended (discharge from a ward) at or after ``since`` and not
        after now, newest discharge first, of patients having an open relation whose
        ``agb_code`` or ``practice_agb`` is one of ``agb_codes``: this list is always for a
        set of practices, never for everyone (no codes: an empty tuple). Each entry carries
        the approved discharge letter of that admission, or None while there is none."""

    def list_new_documents(self, since: datetime, agb_codes: Collection[str]) -> Sequence[NewDocumentEntry]:
        """Letters and imaging reports (radiology, nuclear) the hospital made available
        (approved, reported) at or after ``since`` and not after now, newest first, of
        patients related to ``agb_codes`` as in ``list_discharges`` (no codes: empty)."""

    # ------------------------------------------------------------------ Zorgmomenten (2.3)
    def list_appointments(self, patient_id: str) -> Sequence[Appointment]:
        """Afspraken, past and future, newest first."""

    def list_operations(self, patient_id: str) -> Sequence[Operation]:
        """Operatieoverzicht: waiting list, planned and post-operative operations, only those
        for which the patient has been called; newest first (by planned/performed date,
        else the date listed)."""

    def list_admissions(self, patient_id: str) -> Sequence[Admission]:
        """Opnameoverzicht: past, current and planned admissions, newest first."""

    def list_emergency_registrations(self, patient_id: str) -> Sequence[EmergencyVisit]:
        """SEH-registraties: all the patient's emergency department visits, newest first."""

    def list_referrals(self, patient_id: str) -> Sequence[Referral]:
        """Verwijzingen: the open referrals, newest first."""

    # ------------------------------------------------------------------ Dossier: medische gegevens (2.4.1)
    def list_allergies(self, patient_id: str) -> Sequence[Allergy]:
        """Allergieën (known and approved)."""

    def list_conditions(self, patient_id: str) -> Sequence[Condition]:
        """Aandoeningen."""

    def list_substance_use(self, patient_id: str) -> Sequence[SubstanceUse]:
        """Alcohol, tabak en drugs."""

    def list_diagnoses(self, patient_id: str) -> Sequence[Diagnosis]:
        """Diagnoses, each with its status."""

    def list_implants(self, patient_id: str) -> Sequence[DeviceUse]:
        """Implantaten."""

    def list_inserted_materials(self, patient_id: str) -> Sequence[DeviceUse]:
        """Ingebrachte materialen (catheters, drains, lines, ...)."""

    def list_state_observations(self, patient_id: str) -> Sequence[StateObservation]:
        """Lichamelijke en geestelijke toestand."""

    def list_medical_aids(self, patient_id: str) -> Sequence[DeviceUse]:
        """Medische hulpmiddelen."""

    def list_medication(self, patient_id: str) -> Sequence[Medication]:
        """Medicatie: everything the hospital knows, each with its ``MedicationCategory``
        derived for today; ordered by category (the enum's order), then start, newest first."""

    # ------------------------------------------------------------------ Dossier: rapporten (2.4.2)
    def list_treatment_reports(self, patient_id: str) -> Sequence[Report]:
        """Behandelverslagen: the consult parts of the practitioners' notes."""

    def list_letters(self, patient_id: str) -> Sequence[LetterInfo]:
        """Brieven/documenten sent to care providers; newest first."""

    def get_letter(self, patient_id: str, letter_id: str) -> Document:
        """The letter itself. Raises ``ItemNotFound`` when ``letter_id`` is not an approved
        letter of this patient, ``PatientNotFound`` for an unknown patient."""

    def list_alerts(self, patient_id: str) -> Sequence[Alert]:
        """Signaleringen, infection risks (besmettingsrisico's) included."""

    def list_procedures(self, patient_id: str) -> Sequence[Procedure]:
        """Verrichtingen."""

    # ------------------------------------------------------------------ Dossier: verpleegkundig (2.4.3)
    def list_nursing_problems(self, patient_id: str) -> Sequence[NursingProblem]:
        """Problemen, doelen en scores (NANDA problems with NOC outcomes and scores)."""

    def list_nursing_care_plan(self, patient_id: str) -> Sequence[NursingIntervention]:
        """Verpleegkundig behandelplan (NIC interventions)."""

    def list_nursing_reports(self, patient_id: str) -> Sequence[Report]:
        """Verpleegkundige verslagen."""

    # ------------------------------------------------------------------ Dossier: overig (2.4.4)
    def list_nutrition(self, patient_id: str) -> Sequence[NutritionEntry]:
        """Advies voor eten en drinken and afspraken over eten en drinken (``kind`` tells)."""

    def list_treatment_restrictions(self, patient_id: str) -> Sequence[TreatmentRestriction]:
        """Behandelbeperking: the agreements on treatment restrictions, if known."""

    def list_mdo_reports(self, patient_id: str) -> Sequence[Report]:
        """MDO (multidisciplinair overleg) reports."""

    # ------------------------------------------------------------------ Uitslagen (2.5)
    def list_lab_results(self, patient_id: str, include_gp_orders: bool = False) -> Sequence[LabResult]:
        """Labuitslagen, newest sample first. The manual shows only results the hospital
        ordered, so GP-ordered results are left out unless ``include_gp_orders``."""

    def list_measurements(self, patient_id: str) -> Sequence[Measurement]:
        """Metingen (length, weight, blood pressure, glucose, ...), newest first."""

    def list_microbiology(self, patient_id: str) -> Sequence[MicrobiologyResult]:
        """Microbiologie, newest first."""

    def list_pathology(self, patient_id: str) -> Sequence[PathologyReport]:
        """Pathologie, newest first."""

    def list_imaging(self, patient_id: str) -> Sequence[ImagingReport]:
        """Radiologie en nucleaire onderzoeken with their images, newest first; studies
        referred by external providers included."""

    def list_image_series(self, patient_id: str, report_id: str) -> Sequence[ImageSeries]:
        """The images of imaging report ``report_id`` (an ``ImagingReport.id`` of
        ``list_imaging``), by series: images the report links itself first (one series with
        ``number`` None), then the study's series by series number, each series' images by
        instance number; every image opens with ``get_image``. Empty when the study has no
        images. Raises ``ItemNotFound`` when ``report_id`` is not an approved imaging report
        of this patient, ``PatientNotFound`` for an unknown patient."""

    def get_image(self, patient_id: str, image_id: str) -> Document:
        """One image of an imaging study. Raises ``ItemNotFound`` when ``image_id`` is not an
        image of an approved study of this patient, ``PatientNotFound`` for an unknown patient."""

    # ------------------------------------------------------------------ Aanvragen, Melden overlijden
    def order_catalogue(self) -> Sequence[OrderableTest]:
        """The tests an external provider may order, by category then name."""

    def list_orders(self, patient_id: str) -> Sequence[Order]:
        """Orders submitted for this patient through the portal, newest first."""

    def submit_order(self, patient_id: str, order: OrderRequest) -> str:
        """Store an order; return its reference (the ``Order.id``). Raises ``OrderRejected``
        (unknown test code, empty question, ...) and ``PatientNotFound``; nothing is stored
        then."""

    def submit_death_notification(self, patient_id: str, notification: DeathNotification) -> str:
        """Pass on a death notification; return its reference. The EPD's staff verify it, so
        the patient is not marked deceased by this call alone. Raises ``OrderRejected`` (e.g.
        a date of death in the future or before birth) and ``PatientNotFound``."""


#: The name of a per-patient list method of ``EpdConnector``: pages that are data (the
#: Dossier's, Zorgmomenten, Uitslagen) name the method that fills them, and a type checker
#: holds each name to this list.
PatientListMethod = Literal[
    "list_appointments", "list_operations", "list_admissions", "list_emergency_registrations",
    "list_referrals", "list_allergies", "list_conditions", "list_substance_use", "list_diagnoses",
    "list_implants", "list_inserted_materials", "list_state_observations", "list_medical_aids",
    "list_medication", "list_treatment_reports", "list_letters", "list_alerts", "list_procedures",
    "list_nursing_problems", "list_nursing_care_plan", "list_nursing_reports", "list_nutrition",
    "list_treatment_restrictions", "list_mdo_reports", "list_lab_results", "list_measurements",
    "list_microbiology", "list_pathology", "list_imaging",
]
#: The same, as a tuple, for generic callers (the contract suite, the "every kind of data"
#: demo checks); a test checks each is a method of ``EpdConnector``.
PATIENT_LIST_METHODS: tuple[str, ...] = get_args(PatientListMethod)
