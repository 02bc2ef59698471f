"""View models: what a connector hands to the portal, in the portal's own vocabulary.

Every model is a frozen, slotted dataclass of plain values. Dates are ``datetime.date``,
moments are ``datetime.datetime`` (timezone-aware, or naive meaning hospital local time),
never strings. Free text (descriptions, report text) is the EPD's own Dutch text. Optional
values are ``None`` when the EPD does not know them; collections are tuples.

Only data the hospital has approved (geaccordeerd) is ever turned into these models:
connectors drop drafts, entered-in-error and unapproved items before building them, so no
model carries an "approved" flag.

Ids (``id`` fields, ``patient_id``) are the connector's own opaque, stable strings. They are
never shown to users and never put in URLs; the screens keep them in the server-side session.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

# --------------------------------------------------------------------------- patient


class Sex(StrEnum):
    """Administrative sex (geslacht), as FHIR's administrative-gender."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class NameUsage(StrEnum):
    """How the patient wants to be addressed (Dutch naamgebruik, zib Naamgegevens)."""

    OWN = "own"                      # eigen geslachtsnaam
    PARTNER = "partner"              # geslachtsnaam partner
    PARTNER_OWN = "partner_own"      # partner, dan eigen ("Jansen-de Vries")
    OWN_PARTNER = "own_partner"      # eigen, dan partner


class RelationKind(StrEnum):
    """Kinds of treatment relationship (behandelrelatie) the EPD knows."""

    REGISTERED_GP = "registered_gp"                    # ingeschreven huisarts (person or practice AGB)
    REFERRAL = "referral"                              # open verwijzing/consult (referrer's AGB)
    ELDERLY_CARE_PHYSICIAN = "elderly_care_physician"  # gekoppelde specialist ouderengeneeskunde


@dataclass(frozen=True, slots=True)
class TreatmentRelation:
    """A currently valid relationship between an external provider and the patient.

    ``agb_code`` is the provider's personal AGB code, ``practice_agb`` the practice's (None
    when not known). Connectors return only relations open today: ``valid_from`` <= today and
    ``valid_until`` None or >= today.
    """

    kind: RelationKind
    agb_code: str | None
    practice_agb: str | None
    valid_from: date | None = None
    valid_until: date | None = None


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """One patient as a search result or list entry: enough for the result list and for the
    access decision (consent and treatment relationships), without another call.

    Name parts follow the Dutch model: ``birth_name`` is the own surname (geslachtsnaam)
    without its prefix (voorvoegsel, e.g. "van der"), ``partner_name`` the partner's surname.
    """

    patient_id: str
    # repr=False: keeps identifiers out of logs and tracebacks that print the object.
    patient_number: str = field(repr=False)
    bsn: str | None = field(repr=False)
    initials: str
    given_name: str | None
    birth_name_prefix: str | None
    birth_name: str
    partner_name_prefix: str | None
    partner_name: str | None
    birth_date: date
    sex: Sex
    consent: bool
    relations: tuple[TreatmentRelation, ...] = ()
    name_usage: NameUsage = NameUsage.OWN
    deceased: bool = False

    @property
    def surname(self) -> str:
        """The surname in use, per ``name_usage``: "de Vries", "Jansen-de Vries", ..."""
        own = _join(self.birth_name_prefix, self.birth_name)
        if not self.partner_name:
            return own
        partner = _join(self.partner_name_prefix, self.partner_name)
        return {
            NameUsage.OWN: own,
            NameUsage.PARTNER: partner,
            NameUsage.PARTNER_OWN: f"{partner}-{own}",
            NameUsage.OWN_PARTNER: f"{own}-{partner}",
        }[self.name_usage]

    @property
    def display_name(self) -> str:
        """As the manual shows it: initials and surname, e.g. "B.J.J. Test"."""
        return f"{self.initials} {self.surname}".strip()


@dataclass(frozen=True, slots=True)
class Address:
    """A Dutch address. ``postcode`` is normalised "1234AB" (see ``postcode_display``)."""

    street: str
    house_number: int | None
    house_number_addition: str | None
    postcode: str | None
    city: str
    country: str = "NL"

    @property
    def street_line(self) -> str:
        """E.g. "Haaksbergerstraat 55a"."""
        number = f"{self.house_number or ''}{self.house_number_addition or ''}"
        return f"{self.street} {number}".strip()

    @property
    def postcode_display(self) -> str:
        """E.g. "7513 ER"."""
        p = self.postcode or ""
        return f"{p[:4]} {p[4:]}" if len(p) == 6 else p


@dataclass(frozen=True, slots=True)
class CareProvider:
    """A GP (huisarts), dentist (tandarts) or pharmacy (apotheek) as the EPD records it.

    For a pharmacy ``name`` is the pharmacy's name and the practice fields are None.
    """

    name: str
    agb_code: str | None = None
    practice_name: str | None = None
    practice_agb: str | None = None
    address: Address | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Insurance:
    """Verzekeringsgegevens."""

    company: str
    policy_number: str | None
    start_date: date | None
    uzovi_code: str | None = None


@dataclass(frozen=True, slots=True)
class PatientDetails:
    """Patiëntinformatie: the summary plus NAW, contact details, GP, dentist, pharmacy and
    insurance. ``gp``/``dentist``/``pharmacy``/``insurance`` are None when the hospital does
    not know them ("Wij weten niet welke tandarts u heeft")."""

    summary: PatientSummary
    address: Address | None
    phone_mobile: str | None
    phone_home: str | None
    email: str | None
    gp: CareProvider | None
    dentist: CareProvider | None
    pharmacy: CareProvider | None
    insurance: Insurance | None
    death_date: date | None = None


# --------------------------------------------------------------------------- search


class SearchKind(StrEnum):
    """The five ways of the manual (2.1.1) to find a patient."""

    PATIENT_NUMBER = "patient_number"
    BSN = "bsn"
    BIRTH_NAME = "birth_name"      # (deel van) eigennaam + geboortedatum + geslacht
    PARTNER_NAME = "partner_name"  # (deel van) partnernaam + geboortedatum + geslacht
    ADDRESS = "address"            # postcode + huisnummer


_REQUIRED = {
    SearchKind.PATIENT_NUMBER: ("patient_number",),
    SearchKind.BSN: ("bsn",),
    SearchKind.BIRTH_NAME: ("name", "birth_date", "sex"),
    SearchKind.PARTNER_NAME: ("name", "birth_date", "sex"),
    SearchKind.ADDRESS: ("postcode", "house_number"),
}
_FIELDS = ("patient_number", "bsn", "name", "birth_date", "sex", "postcode", "house_number")


@dataclass(frozen=True, slots=True)
class SearchCriteria:
    """One validated search. Build with the ``by_*`` constructors.

    The screens validate the form (enough fields, a valid BSN, ...); this model only
    guarantees that exactly the fields of ``kind`` are set, and normalises them: the postcode
    to "1234AB", the BSN and patient number stripped.

    Matching rules every connector implements:
    - patient number and BSN: exact match;
    - name: the ``normalise_name`` form of ``name`` occurs in the normalised surname
      (own or partner's, with or without its prefix), case- and accent-insensitively:
      "berg", "Van den Berg" and "BÉRG" all find "van den Berg"; birth date and sex exact;
    - address: postcode and house number exact (any addition).
    """

    kind: SearchKind
    # repr=False: criteria identify a patient and must not reach ordinary logs via repr().
    patient_number: str | None = field(default=None, repr=False)
    bsn: str | None = field(default=None, repr=False)
    name: str | None = field(default=None, repr=False)
    birth_date: date | None = field(default=None, repr=False)
    sex: Sex | None = None
    postcode: str | None = field(default=None, repr=False)
    house_number: int | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        required = _REQUIRED[self.kind]
        for name in _FIELDS:
            value = getattr(self, name)
            if name in required and (value is None or value == ""):
                raise ValueError(f"search by {self.kind}: {name} is required")
            if name not in required and value is not None:
                raise ValueError(f"search by {self.kind}: {name} must not be set")
        if self.name is not None and not normalise_name(self.name):
            raise ValueError("search by name: the name has no letters")
        if self.postcode is not None:
            object.__setattr__(self, "postcode", normalise_postcode(self.postcode))
        for name in ("patient_number", "bsn"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, value.strip())

    @classmethod
    def by_patient_number(cls, patient_number: str) -> "SearchCriteria":
        return cls(SearchKind.PATIENT_NUMBER, patient_number=patient_number)

    @classmethod
    def by_bsn(cls, bsn: str) -> "SearchCriteria":
        return cls(SearchKind.BSN, bsn=bsn)

    @classmethod
    def by_birth_name(cls, name: str, birth_date: date, sex: Sex) -> "SearchCriteria":
        return cls(SearchKind.BIRTH_NAME, name=name, birth_date=birth_date, sex=Sex(sex))

    @classmethod
    def by_partner_name(cls, name: str, birth_date: date, sex: Sex) -> "SearchCriteria":
        return cls(SearchKind.PARTNER_NAME, name=name, birth_date=birth_date, sex=Sex(sex))

    @classmethod
    def by_address(cls, postcode: str, house_number: int) -> "SearchCriteria":
        return cls(SearchKind.ADDRESS, postcode=postcode, house_number=int(house_number))


def normalise_name(text: str) -> str:
    """Lower case, accents removed, letters only: "Van den Bérg-D'Hondt" -> "vandenbergdhondt".

    Connectors compare names in this form (and may store it, indexed, beside the name).
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalpha() and not unicodedata.combining(c))


def normalise_postcode(text: str) -> str:
    """ "7513 er" -> "7513ER" (no validation: see ``stdnum.nl.postcode``)."""
    return re.sub(r"\s+", "", text).upper()


def _join(prefix: str | None, name: str) -> str:
    return f"{prefix} {name}" if prefix else name


# --------------------------------------------------------------------------- care events (Zorgmomenten)


class AppointmentStatus(StrEnum):
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


@dataclass(frozen=True, slots=True)
class Appointment:
    """Afspraak (past and future)."""

    id: str
    start: datetime
    end: datetime | None
    specialty: str               # e.g. "Cardiologie"
    description: str             # e.g. "Controle", "Eerste polibezoek"
    practitioner: str | None     # behandelaar
    location: str | None
    status: AppointmentStatus


class OperationStatus(StrEnum):
    WAITING_LIST = "waiting_list"    # wachtlijst (patient has been called)
    PLANNED = "planned"              # gepland
    POST_OPERATIVE = "post_operative"  # uitgevoerd / postoperatief


@dataclass(frozen=True, slots=True)
class Operation:
    """Operatie. Connectors return an operation only once the patient has been called
    (opgeroepen): ``called_on`` is therefore always set."""

    id: str
    procedure: str
    specialty: str
    surgeon: str | None
    status: OperationStatus
    listed_on: date               # placed on the waiting list
    called_on: date               # patient called (opgeroepen)
    planned_at: datetime | None
    performed_at: datetime | None
    location: str | None = None


class AdmissionStatus(StrEnum):
    PLANNED = "planned"
    CURRENT = "current"
    DISCHARGED = "discharged"


@dataclass(frozen=True, slots=True)
class Admission:
    """Opname (past, current and future)."""

    id: str
    admitted_at: datetime
    discharged_at: datetime | None
    status: AdmissionStatus
    specialty: str
    department: str | None        # afdeling, e.g. "Verpleegafdeling Interne Geneeskunde"
    practitioner: str | None      # hoofdbehandelaar
    reason: str | None
    room: str | None = None


@dataclass(frozen=True, slots=True)
class EmergencyVisit:
    """SEH-bezoek and its registration."""

    id: str
    arrived_at: datetime
    departed_at: datetime | None
    complaint: str                # reden van komst / klacht
    triage: str | None            # Manchester triage urgency, e.g. "U2 (oranje)"
    specialty: str | None
    diagnosis: str | None
    practitioner: str | None
    discharge: str | None         # vervolg, e.g. "Opname", "Naar huis", "Poli-controle"
    referred_by: str | None = None  # e.g. "Huisarts", "Ambulance", "Eigen initiatief"


@dataclass(frozen=True, slots=True)
class Referral:
    """Openstaande verwijzing (only open referrals are returned)."""

    id: str
    referred_on: date
    referrer_name: str
    referrer_agb: str | None
    specialty: str
    reason: str | None
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class AdmittedPatient:
    """An entry of 'Klinische patiënten': the patient and the current admission."""

    patient: PatientSummary
    admission: Admission


@dataclass(frozen=True, slots=True)
class EmergencyVisitEntry:
    """An entry of the 'SEH overzicht': the patient and one visit of the last 7 days."""

    patient: PatientSummary
    visit: EmergencyVisit


@dataclass(frozen=True, slots=True)
class DischargeEntry:
    """An entry of "Mijn patiënten in het ziekenhuis": a patient discharged from a ward
    (``admission.discharged_at`` is set) and the discharge letter (ontslagbrief) of that
    admission once the hospital approved it, else None (Dutch hospitals agreed it reaches the
    GP within 24 hours of discharge)."""

    patient: PatientSummary
    admission: Admission
    discharge_letter: LetterInfo | None = None


class NewDocumentKind(StrEnum):
    """What a new document of "Mijn patiënten in het ziekenhuis" is."""

    LETTER = "letter"                  # a letter: open with ``get_letter``
    IMAGING_REPORT = "imaging_report"  # a radiology or nuclear report: an ``ImagingReport.id``


@dataclass(frozen=True, slots=True)
class NewDocumentEntry:
    """A letter or imaging report the hospital made available (approved, reported) at
    ``available_at``; ``id`` is the ``LetterInfo.id`` or ``ImagingReport.id``."""

    patient: PatientSummary
    kind: NewDocumentKind
    id: str
    title: str                    # e.g. "Ontslagbrief", "CT thorax"
    specialty: str | None
    available_at: datetime


# --------------------------------------------------------------------------- record: medical (Medische gegevens)


@dataclass(frozen=True, slots=True)
class Allergy:
    """Allergie/intolerantie (zib AllergieIntolerantie)."""

    id: str
    substance: str
    category: str | None          # e.g. "Medicijn", "Voedsel", "Omgeving"
    reaction: str | None
    severity: str | None          # e.g. "Licht", "Matig", "Ernstig"
    criticality: str | None       # e.g. "Hoog"
    status: str                   # e.g. "Actief", "Niet actief"
    recorded_on: date | None


@dataclass(frozen=True, slots=True)
class Condition:
    """Aandoening (zib Probleem of type 'aandoening')."""

    id: str
    description: str
    status: str                   # e.g. "Actueel", "Niet actueel"
    onset: date | None
    end: date | None
    specialty: str | None


class DiagnosisStatus(StrEnum):
    WORKING = "working"           # werkdiagnose
    CONFIRMED = "confirmed"       # definitief
    DIFFERENTIAL = "differential"  # differentiaaldiagnose
    RESOLVED = "resolved"         # niet meer actueel
    REFUTED = "refuted"           # vervallen


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Diagnose with its status."""

    id: str
    description: str
    code: str | None              # e.g. ICD-10 "I48.9"
    code_system: str | None       # e.g. "ICD-10"
    status: DiagnosisStatus
    diagnosed_on: date | None
    specialty: str | None
    practitioner: str | None


@dataclass(frozen=True, slots=True)
class SubstanceUse:
    """Alcohol, tabak en drugs: one line per substance."""

    id: str
    substance: str                # "alcohol", "tobacco" or "drugs"
    status: str                   # e.g. "Gebruikt", "Gestopt", "Nooit gebruikt"
    amount: str | None            # e.g. "2 eenheden per dag", "10 sigaretten per dag"
    start: date | None
    stop: date | None
    note: str | None
    recorded_on: date | None


@dataclass(frozen=True, slots=True)
class DeviceUse:
    """An implant (implantaat), inserted material (ingebracht materiaal: catheter, drain, ...)
    or medical aid (medisch hulpmiddel: rollator, hearing aid, ...)."""

    id: str
    description: str
    body_site: str | None
    start: date | None
    end: date | None              # removed / no longer used
    note: str | None = None
    product_id: str | None = None  # e.g. UDI or serial number of an implant


@dataclass(frozen=True, slots=True)
class StateObservation:
    """Lichamelijke en geestelijke toestand: one finding, e.g. mobility, cognition, mood."""

    id: str
    category: str                 # e.g. "Mobiliteit", "Cognitie", "Stemming"
    finding: str
    observed_on: date
    observer: str | None = None


class MedicationCategory(StrEnum):
    """The manual's six categories (2.4.1), in its order."""

    ACTIVE_HOME = "active_home"            # actieve thuismedicatie
    ACTIVE_INPATIENT = "active_inpatient"  # actieve klinische medicatie
    PLANNED = "planned"                    # geplande medicatie
    STOPPED = "stopped"                    # gestopte medicatie
    ENDED = "ended"                        # beëindigde medicatie
    SUSPENDED = "suspended"                # tot nader order gestopte medicatie


@dataclass(frozen=True, slots=True)
class Medication:
    """One medication agreement/use, with the category the connector derived for today."""

    id: str
    category: MedicationCategory
    name: str                     # e.g. "Metoprolol tablet 50mg"
    dosage: str | None            # e.g. "2 maal daags 1 tablet"
    route: str | None             # e.g. "Oraal"
    start: date | None
    end: date | None
    prescriber: str | None
    indication: str | None = None
    stop_reason: str | None = None


# --------------------------------------------------------------------------- record: reports, nursing, other


@dataclass(frozen=True, slots=True)
class ReportSection:
    heading: str                  # e.g. "Anamnese", "Conclusie", "Beleid"
    text: str


@dataclass(frozen=True, slots=True)
class Report:
    """A written report: behandelverslag (consult parts), verpleegkundig verslag or MDO
    (multidisciplinair overleg: question, participants, conclusion as sections)."""

    id: str
    written_at: datetime
    title: str                    # e.g. "Poliklinisch consult", "MDO Oncologie"
    author: str | None
    specialty: str | None         # or department for nursing reports
    sections: tuple[ReportSection, ...]


@dataclass(frozen=True, slots=True)
class LetterInfo:
    """A letter (brief) in the list; open it with ``get_letter(patient_id, id)``."""

    id: str
    date: date
    title: str                    # e.g. "Ontslagbrief", "Polibrief"
    author: str | None
    specialty: str | None
    addressee: str | None


class AlertKind(StrEnum):
    INFECTION_RISK = "infection_risk"  # besmettingsrisico (MRSA, BRMO, ...)
    CONDITION = "condition"            # aandoening worth signalling
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Alert:
    """Signalering (zib Alert)."""

    id: str
    kind: AlertKind
    description: str
    start: date | None
    end: date | None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Procedure:
    """Verrichting."""

    id: str
    performed_on: date
    description: str
    code: str | None
    specialty: str | None
    performer: str | None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class NursingOutcome:
    """A NOC outcome (doel) with its 1-5 scores."""

    noc_code: str | None
    outcome: str
    baseline_score: int | None
    target_score: int | None
    current_score: int | None
    scored_on: date | None


@dataclass(frozen=True, slots=True)
class NursingProblem:
    """Problemen, doelen en scores: a NANDA nursing diagnosis and its NOC outcomes."""

    id: str
    nanda_code: str | None
    problem: str
    status: str                   # e.g. "Actueel", "Opgelost"
    recorded_on: date
    outcomes: tuple[NursingOutcome, ...] = ()


@dataclass(frozen=True, slots=True)
class NursingIntervention:
    """Verpleegkundig behandelplan: a NIC intervention for a problem."""

    id: str
    nic_code: str | None
    intervention: str
    problem: str | None
    frequency: str | None         # e.g. "3x per dag"
    start: date | None
    end: date | None


class NutritionKind(StrEnum):
    ADVICE = "advice"             # advies voor eten en drinken
    AGREEMENT = "agreement"       # afspraken over eten en drinken


@dataclass(frozen=True, slots=True)
class NutritionEntry:
    id: str
    kind: NutritionKind
    description: str              # e.g. "Natriumbeperkt dieet 2 gram", "Vochtbeperking 1,5 liter"
    start: date | None
    end: date | None
    author: str | None


class RestrictionDecision(StrEnum):
    ALLOWED = "allowed"
    NOT_ALLOWED = "not_allowed"
    WITH_RESTRICTIONS = "with_restrictions"


@dataclass(frozen=True, slots=True)
class TreatmentRestriction:
    """Behandelbeperking (zib BehandelAanwijzing), e.g. reanimatie: not allowed."""

    id: str
    treatment: str                # e.g. "Reanimatie", "Beademing", "Opname IC"
    decision: RestrictionDecision
    decided_on: date
    discussed_with: str | None    # e.g. "Patiënt", "Partner"
    note: str | None = None


# --------------------------------------------------------------------------- results (Uitslagen)


class ResultFlag(StrEnum):
    LOW = "low"                   # shown blue
    HIGH = "high"                 # shown red


class OrderedBy(StrEnum):
    HOSPITAL = "hospital"
    GP = "gp"


@dataclass(frozen=True, slots=True)
class LabResult:
    """Labuitslag. ``value`` as reported ("5.4", "<0.1", "positief"); ``numeric_value`` when it
    is a number. ``flag`` is the lab's own judgement, else derived by ``flag_for``."""

    id: str
    test: str                     # e.g. "Hemoglobine"
    group: str | None             # e.g. "Hematologie"
    value: str
    numeric_value: float | None
    unit: str | None
    reference_low: float | None
    reference_high: float | None
    reference_text: str | None    # e.g. "8.5 - 11.0" or "negatief"
    flag: ResultFlag | None
    sampled_at: datetime
    reported_at: datetime | None
    ordered_by: OrderedBy
    code: str | None = None       # e.g. LOINC
    comment: str | None = None


def flag_for(value: float | None, low: float | None, high: float | None) -> ResultFlag | None:
    """LOW below the reference range, HIGH above it, None inside it or when unknown."""
    if value is None:
        return None
    if low is not None and value < low:
        return ResultFlag.LOW
    if high is not None and value > high:
        return ResultFlag.HIGH
    return None


@dataclass(frozen=True, slots=True)
class Measurement:
    """Meting: length, weight, blood pressure, glucose, ... ``value`` as recorded
    ("120/80" for blood pressure)."""

    id: str
    kind: str                     # e.g. "Lengte", "Gewicht", "Bloeddruk", "Glucose"
    value: str
    numeric_value: float | None
    unit: str | None
    measured_at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Susceptibility:
    antibiotic: str
    result: str                   # "S", "I" or "R"
    mic: str | None = None


@dataclass(frozen=True, slots=True)
class Organism:
    name: str                     # e.g. "Escherichia coli"
    quantity: str | None          # e.g. ">10^5 kve/ml"
    susceptibilities: tuple[Susceptibility, ...] = ()


@dataclass(frozen=True, slots=True)
class MicrobiologyResult:
    id: str
    test: str                     # e.g. "Urinekweek"
    material: str | None          # e.g. "Urine (midstream)"
    sampled_at: datetime
    reported_at: datetime | None
    conclusion: str
    organisms: tuple[Organism, ...] = ()


@dataclass(frozen=True, slots=True)
class PathologyReport:
    id: str
    title: str                    # e.g. "Histologie huidexcisie"
    material: str | None
    sampled_at: datetime
    reported_at: datetime | None
    text: str
    conclusion: str
    pathologist: str | None = None


class ImagingDiscipline(StrEnum):
    RADIOLOGY = "radiology"
    NUCLEAR = "nuclear"           # nucleaire geneeskunde


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """An image of an imaging study; open it with ``get_image(patient_id, id)``."""

    id: str
    title: str
    content_type: str             # e.g. "image/png", "image/jpeg"


@dataclass(frozen=True, slots=True)
class ImagingReport:
    """Radiologie en nucleaire onderzoeken: the report and its images (may be none).
    Studies referred by external providers are included (manual 2.5)."""

    id: str
    discipline: ImagingDiscipline
    modality: str                 # e.g. "CT", "MRI", "X-thorax", "Echo", "PET-CT"
    title: str
    performed_at: datetime
    reported_at: datetime | None
    requester: str | None
    text: str
    conclusion: str
    radiologist: str | None = None
    images: tuple[ImageInfo, ...] = ()
    #: The study's images are in the hospital's PACS: ``list_image_series`` gives them (their
    #: number is known only then; ``images`` holds what the EPD itself links).
    study_images: bool = False


@dataclass(frozen=True, slots=True)
class ImageSeries:
    """A series of an imaging study (``list_image_series``): its images in order."""

    number: int | None            # the series number; None for images the EPD links without a series
    description: str              # e.g. "Thorax PA"; may be ""
    modality: str | None          # DICOM modality, e.g. "CT", "DX"
    images: tuple[ImageInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """The content of a letter or image, ready to send to the browser."""

    content_type: str             # e.g. "application/pdf", "text/plain; charset=utf-8", "image/png"
    data: bytes
    title: str


# --------------------------------------------------------------------------- writes (Aanvragen, Melden overlijden)


@dataclass(frozen=True, slots=True)
class OrderableTest:
    """An item of the order catalogue (what an external provider may request)."""

    code: str
    name: str
    category: str                 # e.g. "Laboratorium", "Radiologie", "Functieonderzoek"


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """A diagnostic order (aanvraag) submitted by an external provider."""

    test_codes: tuple[str, ...]
    clinical_question: str        # vraagstelling / klinische gegevens
    requester_name: str
    requester_agb: str
    requester_uzi: str | None = None
    urgent: bool = False
    requested_date: date | None = None  # desired date; None = as soon as possible
    note: str | None = None


class OrderStatus(StrEnum):
    SUBMITTED = "submitted"
    SCHEDULED = "scheduled"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Order:
    """An order as the EPD holds it: ``id`` is the reference ``submit_order`` returned."""

    id: str
    submitted_at: datetime
    status: OrderStatus
    tests: tuple[OrderableTest, ...]
    clinical_question: str
    requester_name: str
    requester_agb: str | None
    urgent: bool = False
    requested_date: date | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DeathNotification:
    """Melden overlijden patiënt, by an external provider."""

    date_of_death: date
    reporter_name: str
    reporter_agb: str
    reporter_uzi: str | None = None
    place_of_death: str | None = None   # e.g. "Thuis", "Verpleeghuis"
    note: str | None = None
    reported_at: datetime | None = field(default=None, compare=False)
