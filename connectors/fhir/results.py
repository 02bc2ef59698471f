"""Uitslagen: Observation (laboratory, vital signs), DiagnosticReport (microbiology,
pathology, imaging) with ImagingStudy and Media -> view models.

Approved means Observation/DiagnosticReport status final, amended, corrected (or appended
for reports); preliminary, registered, cancelled and entered-in-error are never shown.
"""
from __future__ import annotations

import logging

from portal.epd.models import (
    ImageInfo,
    ImagingDiscipline,
    ImagingReport,
    LabResult,
    Measurement,
    MicrobiologyResult,
    OrderedBy,
    Organism,
    PathologyReport,
    ResultFlag,
    Susceptibility,
    flag_for,
)

from .dicomweb import study_uid
from .patients import Unmappable
from .record import APPROVED_OBSERVATION, OBS_CATEGORY, observation_value
from .settings import Settings
from .values import (
    as_dict,
    as_list,
    codes,
    concept_text,
    dicts,
    display,
    first_code,
    first_text,
    get,
    has_token,
    notes,
    parse_datetime,
    period_start,
    quantity_text,
    reference,
    text,
)

log = logging.getLogger(__name__)
APPROVED_REPORT = APPROVED_OBSERVATION | {"appended"}
REPORT_SECTION = "http://terminology.hl7.org/CodeSystem/v2-0074"
MICROBIOLOGY = {"MB"}
PATHOLOGY = {"SP", "PAT", "CP"}
RADIOLOGY = {"RAD", "RX", "CT", "VUS", "OUS", "CUS"}
NUCLEAR = {"NMR", "NMS"}
_LOW = {"L", "LL", "LU", "<"}
_HIGH = {"H", "HH", "HU", ">"}
_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_BLOOD_PRESSURE = ("http://loinc.org|85354-9", "http://snomed.info/sct|75367002")


def is_lab(observation: dict) -> bool:
    return "laboratory" in codes(observation.get("category"), OBS_CATEGORY)


def lab_result(observation: dict, panels: dict[str, str], gp_ordered: bool) -> LabResult | None:
    """``panels``: "Observation/id" of a member -> its panel's name; ``gp_ordered``: the
    ServiceRequest behind it was requested by a GP."""
    if observation.get("status") not in APPROVED_OBSERVATION or not is_lab(observation):
        return None
    value, numeric, unit = observation_value(observation)
    if value is None:
        if observation.get("hasMember"):
            return None  # a panel: its members are the results
        absent = concept_text(observation.get("dataAbsentReason"))
        if absent is None:
            raise Unmappable("lab result without a value")
        value = absent
    sampled = period_start(observation, "effective") or parse_datetime(observation.get("issued"))
    if sampled is None:
        raise Unmappable("lab result without a date")
    ranges = next(dicts(observation.get("referenceRange")), {})
    _, low, _ = quantity_text(ranges.get("low"))
    _, high, _ = quantity_text(ranges.get("high"))
    reference_text = text(ranges.get("text"))
    if reference_text is None and (low is not None or high is not None):
        reference_text = f"{'' if low is None else _number(low)} - {'' if high is None else _number(high)}".strip()
    interpretation = (codes(observation.get("interpretation"), _INTERPRETATION)
                      | codes(observation.get("interpretation")))
    flag: ResultFlag | None
    if interpretation & _LOW:
        flag = ResultFlag.LOW
    elif interpretation & _HIGH:
        flag = ResultFlag.HIGH
    else:
        flag = flag_for(numeric, low, high)
    code, _ = first_code(observation.get("code"), "http://loinc.org")
    return LabResult(
        id=observation["id"], test=concept_text(observation.get("code")) or "",
        group=panels.get(f"Observation/{observation['id']}"), value=value, numeric_value=numeric, unit=unit,
        reference_low=low, reference_high=high, reference_text=reference_text or None, flag=flag, sampled_at=sampled,
        reported_at=parse_datetime(observation.get("issued")),
        ordered_by=OrderedBy.GP if gp_ordered else OrderedBy.HOSPITAL,
        code=code, comment=notes(observation))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def panel_names(observations: list[dict]) -> dict[str, str]:
    names = {}
    for observation in observations:
        if observation.get("status") in APPROVED_OBSERVATION and observation.get("hasMember"):
            name = concept_text(observation.get("code"))
            for member in dicts(observation.get("hasMember")):
                ref = reference(member)
                if ref and name:
                    names[ref] = name
    return names


def measurement(observation: dict) -> Measurement | None:
    if observation.get("status") not in APPROVED_OBSERVATION:
        return None
    if "vital-signs" not in codes(observation.get("category"), OBS_CATEGORY):
        return None
    value, numeric, unit = observation_value(observation)
    if value is None and has_token([observation.get("code")], _BLOOD_PRESSURE):
        parts = [quantity_text(c.get("valueQuantity")) for c in dicts(observation.get("component"))]
        shown = [(part_value, part_unit) for part_value, _, part_unit in parts if part_value is not None]
        if shown:
            value, numeric, unit = "/".join(v for v, _ in shown), None, shown[0][1]
    if value is None:
        return None  # a grouper without a value of its own
    measured = period_start(observation, "effective") or parse_datetime(observation.get("issued"))
    if measured is None:
        raise Unmappable("measurement without a date")
    return Measurement(id=observation["id"], kind=concept_text(observation.get("code")) or "", value=value,
                       numeric_value=numeric, unit=unit, measured_at=measured, note=notes(observation))


# --------------------------------------------------------------------------- reports


def report_section(report: dict) -> set[str]:
    return codes(report.get("category"), REPORT_SECTION) | codes(report.get("category"))


def _dates(report: dict, what: str):
    sampled = period_start(report, "effective") or parse_datetime(report.get("issued"))
    if sampled is None:
        raise Unmappable(f"{what} without a date")
    return sampled, parse_datetime(report.get("issued"))


def _approved(report: dict, sections: set[str]) -> bool:
    return report.get("status") in APPROVED_REPORT and bool(report_section(report) & sections)


def _material(report: dict, specimens: dict[str, dict]) -> str | None:
    for ref in dicts(report.get("specimen")):
        specimen = specimens.get(reference(ref) or "")
        shown = (concept_text(specimen.get("type")) if specimen else None) or display(ref)
        if shown:
            return shown
    return None


def microbiology(report: dict, observations: dict[str, dict], specimens: dict[str, dict]) -> MicrobiologyResult | None:
    if not _approved(report, MICROBIOLOGY):
        return None
    sampled, reported = _dates(report, "microbiology result")
    organisms = []
    for ref in dicts(report.get("result")):
        found = observations.get(reference(ref) or "")
        if not found or found.get("status") not in APPROVED_OBSERVATION:
            continue
        name = concept_text(found.get("valueCodeableConcept"))
        if not name:
            continue
        susceptibilities = []
        for member_ref in dicts(found.get("hasMember")):
            member = observations.get(reference(member_ref) or "")
            if not member or member.get("status") not in APPROVED_OBSERVATION:
                continue
            result, _ = first_code(first(member.get("interpretation")))
            mic, _, unit = quantity_text(member.get("valueQuantity"))
            susceptibilities.append(Susceptibility(
                antibiotic=concept_text(member.get("code")) or "",
                result=result or concept_text(member.get("valueCodeableConcept")) or "",
                mic=f"{mic} {unit}".strip() if mic and unit else mic))
        quantity = next((observation_value(c)[0] for c in dicts(found.get("component"))), None)
        organisms.append(Organism(name=name, quantity=quantity or notes(found),
                                  susceptibilities=tuple(susceptibilities)))
    return MicrobiologyResult(id=report["id"], test=concept_text(report.get("code")) or "",
                              material=_material(report, specimens), sampled_at=sampled, reported_at=reported,
                              conclusion=_conclusion(report), organisms=tuple(organisms))


def first(value):
    return next(dicts(value), None)


def _conclusion(report: dict) -> str:
    return text(report.get("conclusion")) or first_text(report.get("conclusionCode")) or ""


def _report_text(report: dict, observations: dict[str, dict]) -> str:
    """The report's text: text/plain presentedForm, else its results' texts, else narrative."""
    import base64
    for form in dicts(report.get("presentedForm")):
        if str(form.get("contentType", "")).startswith("text/plain") and isinstance(form.get("data"), str):
            try:
                return base64.b64decode(form["data"]).decode("utf-8").strip()
            except (ValueError, UnicodeDecodeError):
                continue
    lines = []
    for ref in dicts(report.get("result")):
        found = observations.get(reference(ref) or "")
        if found and found.get("status") in APPROVED_OBSERVATION:
            value, _, _ = observation_value(found)
            if value:
                lines.append(value)
    return "\n".join(lines)


def pathology(report: dict, observations: dict[str, dict], specimens: dict[str, dict]) -> PathologyReport | None:
    if not _approved(report, PATHOLOGY):
        return None
    sampled, reported = _dates(report, "pathology report")
    return PathologyReport(id=report["id"], title=concept_text(report.get("code")) or "",
                           material=_material(report, specimens), sampled_at=sampled, reported_at=reported,
                           text=_report_text(report, observations), conclusion=_conclusion(report),
                           pathologist=next((display(p) for p in dicts(report.get("resultsInterpreter"))
                                             if display(p)), None))


def imaging_discipline(report: dict, studies: list[dict]) -> ImagingDiscipline | None:
    sections = report_section(report)
    modalities = {c for s in studies for c in _modalities(s)}
    if sections & NUCLEAR or modalities & {"NM", "PT"}:
        return ImagingDiscipline.NUCLEAR
    if sections & RADIOLOGY or studies:
        return ImagingDiscipline.RADIOLOGY
    return None


def _modalities(study: dict) -> set[str]:
    found = {code for code in (c.get("code") for c in dicts(study.get("modality"))) if code}
    found |= {get(s, "modality", "code") for s in dicts(study.get("series")) if get(s, "modality", "code")}
    return found


def imaging(report: dict, studies: dict[str, dict], media: dict[str, dict], observations: dict[str, dict],
            requesters: dict[str, str]) -> ImagingReport | None:
    if report.get("status") not in APPROVED_REPORT:
        return None
    linked = [studies[r] for r in (reference(s) for s in dicts(report.get("imagingStudy"))) if r in studies]
    discipline = imaging_discipline(report, linked)
    if discipline is None:
        return None
    performed = (period_start(report, "effective")
                 or next((parse_datetime(s.get("started")) for s in linked if s.get("started")), None)
                 or parse_datetime(report.get("issued")))
    if performed is None:
        raise Unmappable("imaging report without a date")
    modality = next((m for s in linked for m in sorted(_modalities(s))), None)
    images = []
    for link in dicts(report.get("media")):
        item = media.get(reference(link.get("link")) or "")
        if item is None or item.get("status") in ("entered-in-error", "not-done"):
            continue
        content = as_dict(item.get("content"))
        if not showable_image(text(content.get("contentType"))):
            # Offered as a link, it would open an error (DICOM, a Word file): not offered.
            log.info("FHIR Media/%s not offered as an image: its content type cannot be shown", item.get("id"))
            continue
        images.append(ImageInfo(id=item["id"], title=text(link.get("comment")) or text(content.get("title"))
                                or concept_text(item.get("modality")) or "",
                                content_type=text(content.get("contentType")) or "application/octet-stream"))
    return ImagingReport(
        id=report["id"], discipline=discipline, modality=modality or concept_text(report.get("code")) or "",
        title=concept_text(report.get("code")) or "", performed_at=performed,
        reported_at=parse_datetime(report.get("issued")),
        requester=next((requesters[r] for r in (reference(b) for b in dicts(report.get("basedOn")))
                        if r in requesters), None),
        text=_report_text(report, observations), conclusion=_conclusion(report),
        radiologist=next((display(p) for p in dicts(report.get("resultsInterpreter")) if display(p)), None)
        or next((display(p) for p in dicts(report.get("performer")) if display(p)), None),
        images=tuple(images),
        study_images=any(s.get("status") == "available" and study_uid(s) for s in linked))


#: What a browser shows as an image by itself; anything else (application/dicom, TIFF) is not
#: offered as a link and cannot be opened (``ItemUnusable``).
SHOWABLE_IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def showable_image(content_type: str | None) -> bool:
    """Whether a content type (parameters ignored) is one ``SHOWABLE_IMAGE_TYPES``."""
    return content_type is not None and content_type.split(";")[0].strip().lower() in SHOWABLE_IMAGE_TYPES


def is_gp_request(request: dict | None, roles: dict[str, dict], settings: Settings) -> bool:
    """Whether a ServiceRequest was requested by a GP: its requester's PractitionerRole
    code or specialty carries one of ``codes.general_practitioner``."""
    role = roles.get(reference(request.get("requester")) or "") if request else None
    if role is None:
        return False
    return has_token(as_list(role.get("code")) + as_list(role.get("specialty")), settings.codes.general_practitioner)
