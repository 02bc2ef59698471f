"""Dossier, medische gegevens: AllergyIntolerance, Condition, Observation (social history,
functional/mental state), Device/DeviceUseStatement, MedicationRequest/Statement -> models.

Mappers return None for what is not shown and raise ``Unmappable`` for what cannot be shown.
"""
from __future__ import annotations

from datetime import date

from portal.epd.models import (
    Allergy,
    Condition,
    DeviceUse,
    Diagnosis,
    DiagnosisStatus,
    Medication,
    MedicationCategory,
    StateObservation,
    SubstanceUse,
)

from .patients import Unmappable
from .settings import Settings
from .values import (
    as_list,
    codes,
    concept_text,
    dicts,
    display,
    first_code,
    first_text,
    get,
    has_token,
    lookup,
    notes,
    parse_date,
    parse_datetime,
    period_start,
    quantity_text,
    reference,
    text,
)

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
APPROVED_OBSERVATION = {"final", "amended", "corrected"}
_ALLERGY_CATEGORY = {"medication": "Medicijn", "food": "Voedsel", "environment": "Omgeving", "biologic": "Biologisch"}
_SEVERITY = {"mild": "Licht", "moderate": "Matig", "severe": "Ernstig"}
_CRITICALITY = {"high": "Hoog", "low": "Laag", "unable-to-assess": "Onbekend"}
_ALLERGY_STATUS = {"active": "Actief", "inactive": "Niet actief", "resolved": "Verdwenen"}
_CODE_SYSTEMS = {"http://hl7.org/fhir/sid/icd-10-nl": "ICD-10", "http://hl7.org/fhir/sid/icd-10": "ICD-10",
                 "http://snomed.info/sct": "SNOMED CT", "http://hl7.org/fhir/sid/icpc-1-nl": "ICPC"}


def _verification(resource: dict) -> set[str]:
    return codes([resource.get("verificationStatus")])


def _clinical(resource: dict) -> set[str]:
    return codes([resource.get("clinicalStatus")])


def allergy(resource: dict) -> Allergy | None:
    if _verification(resource) & {"entered-in-error", "refuted"}:
        return None
    substance = concept_text(resource.get("code"))
    reactions = list(dicts(resource.get("reaction")))
    if substance is None and reactions:
        substance = concept_text(reactions[0].get("substance"))
    if substance is None:
        raise Unmappable("allergy without a substance")
    reaction = next((first_text(r.get("manifestation")) for r in reactions if first_text(r.get("manifestation"))), None)
    severity = next((lookup(_SEVERITY, r.get("severity")) for r in reactions if r.get("severity")), None)
    category = next((_ALLERGY_CATEGORY.get(c) for c in as_list(resource.get("category")) if isinstance(c, str)), None)
    status = next((_ALLERGY_STATUS[c] for c in _clinical(resource) if c in _ALLERGY_STATUS), "Actief")
    return Allergy(id=resource["id"], substance=substance, category=category, reaction=reaction, severity=severity,
                   criticality=lookup(_CRITICALITY, resource.get("criticality")), status=status,
                   recorded_on=parse_date(resource.get("recordedDate")) or parse_date(resource.get("onsetDateTime")))


def is_diagnosis(resource: dict) -> bool:
    """Encounter diagnoses, and zib Problems typed 'diagnose' (SNOMED 282291009)."""
    categories = resource.get("category")
    return ("encounter-diagnosis" in codes(categories)
            or has_token(categories, ("http://snomed.info/sct|282291009",)))


def _condition_ok(resource: dict, settings: Settings) -> bool:
    return (not _verification(resource) & {"entered-in-error"}
            and not has_token(resource.get("category"), settings.codes.nursing_problem))


def condition(resource: dict, settings: Settings) -> Condition | None:
    if not _condition_ok(resource, settings) or is_diagnosis(resource) or _verification(resource) & {"refuted"}:
        return None
    description = concept_text(resource.get("code"))
    if description is None:
        raise Unmappable("condition without a description")
    active = bool(_clinical(resource) & {"active", "recurrence", "relapse"}) or not _clinical(resource)
    return Condition(id=resource["id"], description=description, status="Actueel" if active else "Niet actueel",
                     onset=(parse_date(resource.get("onsetDateTime"))
                            or parse_date(get(resource, "onsetPeriod", "start"))),
                     end=(parse_date(resource.get("abatementDateTime"))
                          or parse_date(get(resource, "abatementPeriod", "end"))),
                     specialty=None)


def diagnosis(resource: dict, settings: Settings) -> Diagnosis | None:
    if not _condition_ok(resource, settings) or not is_diagnosis(resource):
        return None
    description = concept_text(resource.get("code"))
    if description is None:
        raise Unmappable("diagnosis without a description")
    verification, clinical = _verification(resource), _clinical(resource)
    if "refuted" in verification:
        status = DiagnosisStatus.REFUTED
    elif clinical & {"resolved", "inactive", "remission"}:
        status = DiagnosisStatus.RESOLVED
    elif "differential" in verification:
        status = DiagnosisStatus.DIFFERENTIAL
    elif verification & {"provisional", "unconfirmed"}:
        status = DiagnosisStatus.WORKING
    else:
        status = DiagnosisStatus.CONFIRMED
    code, system = None, None
    for wanted in _CODE_SYSTEMS:
        code, system = first_code(resource.get("code"), wanted)
        if code:
            break
    return Diagnosis(id=resource["id"], description=description, code=code, code_system=lookup(_CODE_SYSTEMS, system),
                     status=status, diagnosed_on=parse_date(resource.get("recordedDate"))
                     or parse_date(resource.get("onsetDateTime")),
                     specialty=None,
                     practitioner=display(resource.get("asserter")) or display(resource.get("recorder")))


def observation_value(resource: dict) -> tuple[str | None, float | None, str | None]:
    """(value as shown, numeric value, unit) of an Observation's value[x]."""
    if "valueQuantity" in resource:
        return quantity_text(resource["valueQuantity"])
    if isinstance(resource.get("valueCodeableConcept"), dict):
        return concept_text(resource["valueCodeableConcept"]), None, None
    for key in ("valueString", "valueInteger", "valueBoolean", "valueDateTime"):
        value = resource.get(key)
        if isinstance(value, bool):
            return ("ja" if value else "nee"), None, None
        if isinstance(value, (str, int, float)):
            return str(value), (float(value) if isinstance(value, (int, float)) else None), None
    return None, None, None


def substance_use(resource: dict, settings: Settings) -> SubstanceUse | None:
    if resource.get("status") not in APPROVED_OBSERVATION:
        return None
    kinds = (("alcohol", settings.codes.alcohol), ("tobacco", settings.codes.tobacco), ("drugs", settings.codes.drugs))
    substance = next((name for name, wanted in kinds if has_token([resource.get("code")], wanted)), None)
    if substance is None:
        return None
    value, _, _ = observation_value(resource)
    amounts = []
    for component in dicts(resource.get("component")):
        shown, _, unit = observation_value(component)
        if shown:
            amounts.append(f"{shown} {unit}".strip() if unit else shown)
    if not value and not amounts:  # "Tabak" alone says nothing about the use
        raise Unmappable("substance use without a status or amount")
    return SubstanceUse(id=resource["id"], substance=substance, status=value or "",
                        amount=", ".join(amounts) or None,
                        start=parse_date(get(resource, "effectivePeriod", "start")),
                        stop=parse_date(get(resource, "effectivePeriod", "end")), note=notes(resource),
                        recorded_on=parse_date(resource.get("issued")) or parse_date(resource.get("effectiveDateTime")))


def state_observation(resource: dict, settings: Settings) -> StateObservation | None:
    """Functional or mental state: approved Observations of category exam/survey/functional
    that are neither measurements nor substance use."""
    if resource.get("status") not in APPROVED_OBSERVATION:
        return None
    categories = codes(resource.get("category"), OBS_CATEGORY)
    if not categories & {"exam", "survey", "functional"} and not has_token(
            [resource.get("code")], ("http://snomed.info/sct|118228005", "http://snomed.info/sct|384821006")):
        return None
    finding, _, unit = observation_value(resource)
    if finding is None:
        return None  # a grouping observation (hasMember) without a finding of its own
    observed = period_start(resource, "effective") or parse_datetime(resource.get("issued"))
    if observed is None:
        raise Unmappable("state observation without a date")
    return StateObservation(id=resource["id"], category=concept_text(resource.get("code")) or "",
                            finding=f"{finding} {unit}" if unit else finding, observed_on=observed.date(),
                            observer=next((display(p) for p in dicts(resource.get("performer")) if display(p)), None))


def device_kind(device: dict | None, settings: Settings) -> str:
    """"implant", "inserted_material" or "medical_aid" by Device.type."""
    kinds = [device.get("type")] if device else []
    if has_token(kinds, settings.codes.implant):
        return "implant"
    if has_token(kinds, settings.codes.inserted_material):
        return "inserted_material"
    return "medical_aid"


def device_use(statement: dict, device: dict | None) -> DeviceUse | None:
    if statement.get("status") in ("entered-in-error", "intended", "not-done"):
        return None
    description = (concept_text(device.get("type")) if device else None) or display(statement.get("device"))
    if device and not description:
        description = next((text(n.get("name")) for n in dicts(device.get("deviceName"))), None)
    if description is None:
        raise Unmappable("device use without a device description")
    product = next((text(u.get("carrierHRF")) or text(u.get("deviceIdentifier"))
                    for u in dicts(device.get("udiCarrier"))), None) if device else None
    return DeviceUse(id=statement["id"], description=description, body_site=concept_text(statement.get("bodySite")),
                     start=(parse_date(get(statement, "timingPeriod", "start"))
                            or parse_date(statement.get("timingDateTime")) or parse_date(statement.get("recordedOn"))),
                     end=parse_date(get(statement, "timingPeriod", "end")), note=notes(statement),
                     product_id=product or (text(device.get("serialNumber")) if device else None))


# --------------------------------------------------------------------------- medication

_REQUEST_SHOWN = {"active", "on-hold", "completed", "stopped"}
_STATEMENT_SHOWN = {"active", "on-hold", "completed", "stopped", "intended"}


def medication(resource: dict, medications: dict[str, dict], today: date) -> Medication | None:
    """A MedicationRequest (hospital agreement) or MedicationStatement (use, e.g. home
    medication); category derived for ``today``."""
    is_request = resource.get("resourceType") == "MedicationRequest"
    if resource.get("status") not in (_REQUEST_SHOWN if is_request else _STATEMENT_SHOWN):
        return None
    if is_request and resource.get("intent") not in ("order", "plan", "original-order", "instance-order", None):
        return None
    med = medications.get(reference(resource.get("medicationReference")) or "")
    name = (concept_text(resource.get("medicationCodeableConcept")) or (concept_text(med.get("code")) if med else None)
            or display(resource.get("medicationReference")))
    if name is None:
        raise Unmappable("medication without a name")
    dosage = next(dicts(resource.get("dosageInstruction" if is_request else "dosage")), {})
    bounds = get(dosage, "timing", "repeat", "boundsPeriod") or {}
    if is_request:
        validity = get(resource, "dispenseRequest", "validityPeriod") or {}
        start = (parse_date(bounds.get("start")) or parse_date(validity.get("start"))
                 or parse_date(resource.get("authoredOn")))
        end = parse_date(bounds.get("end")) or parse_date(validity.get("end"))
    else:
        start = parse_date(get(resource, "effectivePeriod", "start")) or parse_date(resource.get("effectiveDateTime")) \
            or parse_date(bounds.get("start"))
        end = parse_date(get(resource, "effectivePeriod", "end")) or parse_date(bounds.get("end"))
    return Medication(
        id=resource["id"], category=_medication_category(resource, start, end, today), name=name,
        dosage=text(dosage.get("text")), route=concept_text(dosage.get("route")), start=start, end=end,
        prescriber=display(resource.get("requester")) or display(resource.get("informationSource")),
        indication=first_text(resource.get("reasonCode")), stop_reason=concept_text(resource.get("statusReason"))
        or first_text(resource.get("statusReason")))


def _medication_category(resource: dict, start: date | None, end: date | None, today: date) -> MedicationCategory:
    status = resource.get("status")
    if status == "on-hold":
        return MedicationCategory.SUSPENDED
    if status == "stopped":
        return MedicationCategory.STOPPED
    if status == "completed" or (end is not None and end < today):
        return MedicationCategory.ENDED
    if status == "intended" or (start is not None and start > today):
        return MedicationCategory.PLANNED
    category = codes(resource.get("category"))
    if "inpatient" in category:
        return MedicationCategory.ACTIVE_INPATIENT
    return MedicationCategory.ACTIVE_HOME


def medication_reference(resource: dict) -> str | None:
    return reference(resource.get("medicationReference"))


def device_reference(statement: dict) -> str | None:
    return reference(statement.get("device"))
