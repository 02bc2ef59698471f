"""Dossier, rapporten / verpleegkundig / overig: Composition, DocumentReference, Flag,
Procedure, Condition+Goal (nursing), CarePlan, NutritionOrder, Consent (treatment directive).

Approved means: Composition final/amended; DocumentReference current with docStatus
final/amended; Procedure completed; CarePlan active/completed; NutritionOrder
active/completed; Flag active/inactive; Consent active/inactive. Everything else is not shown.
"""
from __future__ import annotations

from datetime import date

from portal.epd.models import (
    Alert,
    AlertKind,
    LetterInfo,
    NursingIntervention,
    NursingOutcome,
    NursingProblem,
    NutritionEntry,
    NutritionKind,
    Procedure,
    Report,
    ReportSection,
    RestrictionDecision,
    TreatmentRestriction,
)

from .patients import Unmappable
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
    narrative,
    notes,
    parse_date,
    parse_datetime,
    reference,
    text,
)

APPROVED_COMPOSITION = {"final", "amended"}
APPROVED_DOC_STATUS = {"final", "amended"}
_ALERT_CONDITION = ("http://loinc.org|75323-6",)
_RESTRICTION_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"


def report_kind(composition: dict, settings: Settings) -> str | None:
    """"treatment", "nursing" or "mdo" by Composition.type/category; None for other kinds."""
    marks = [composition.get("type")] + as_list(composition.get("category"))
    for kind, wanted in (("mdo", settings.codes.mdo_report), ("nursing", settings.codes.nursing_report),
                         ("treatment", settings.codes.treatment_report)):
        if has_token(marks, wanted):
            return kind
    return None


def report(composition: dict) -> Report | None:
    if composition.get("status") not in APPROVED_COMPOSITION:
        return None
    written = parse_datetime(composition.get("date"))
    if written is None:
        raise Unmappable("report without a date")
    sections = []
    for section in dicts(composition.get("section")):
        body = narrative(get(section, "text", "div"))
        if body:
            sections.append(ReportSection(heading=text(section.get("title")) or concept_text(section.get("code")) or "",
                                          text=body))
    return Report(id=composition["id"], written_at=written,
                  title=text(composition.get("title")) or concept_text(composition.get("type")) or "",
                  author=next((display(a) for a in dicts(composition.get("author")) if display(a)), None),
                  specialty=_practice_setting(composition),
                  sections=tuple(sections))


def _practice_setting(resource: dict) -> str | None:
    return concept_text(get(resource, "context", "practiceSetting")) or concept_text(get(resource, "custodian"))


def is_approved_document(document: dict) -> bool:
    return document.get("status") == "current" and document.get("docStatus") in APPROVED_DOC_STATUS


def letter(document: dict) -> LetterInfo | None:
    if not is_approved_document(document):
        return None
    when = parse_date(document.get("date")) or parse_date(get(document, "context", "period", "start"))
    if when is None:
        raise Unmappable("letter without a date")
    attachments = (c.get("attachment") for c in dicts(document.get("content")))
    attachment = next((a for a in attachments if isinstance(a, dict)), {})
    return LetterInfo(id=document["id"], date=when,
                      title=text(document.get("description")) or text(attachment.get("title"))
                      or concept_text(document.get("type")) or "",
                      author=next((display(a) for a in dicts(document.get("author")) if display(a)), None),
                      specialty=_practice_setting(document),
                      addressee=_addressee(document))


def _addressee(document: dict) -> str | None:
    # R4 DocumentReference has no recipient element: an extension ending in /recipient
    # (as several national profiles define) names the addressee when present.
    for ext in dicts(document.get("extension")):
        if str(ext.get("url", "")).endswith("/recipient") and display(ext.get("valueReference")):
            return display(ext["valueReference"])
    return None


def alert(flag: dict, settings: Settings) -> Alert | None:
    if flag.get("status") not in ("active", "inactive"):
        return None
    description = concept_text(flag.get("code"))
    if description is None or "data-absent-reason" in str(flag.get("code")):
        condition = next((e.get("valueReference") for e in dicts(flag.get("extension"))
                          if str(e.get("url", "")).endswith("flag-detail")), None)
        description = display(condition) or description
    if description is None:
        raise Unmappable("alert without a description")
    marks = [flag.get("code")] + as_list(flag.get("category"))
    if has_token(marks, settings.codes.infection_risk):
        kind = AlertKind.INFECTION_RISK
    elif has_token(marks, _ALERT_CONDITION):
        kind = AlertKind.CONDITION
    else:
        kind = AlertKind.OTHER
    return Alert(id=flag["id"], kind=kind, description=description,
                 start=parse_date(get(flag, "period", "start")), end=parse_date(get(flag, "period", "end")),
                 note=notes(flag))


def procedure(resource: dict) -> Procedure | None:
    if resource.get("status") != "completed":
        return None
    performed = parse_date(resource.get("performedDateTime")) or parse_date(get(resource, "performedPeriod", "start"))
    if performed is None:
        raise Unmappable("procedure without a date")
    description = concept_text(resource.get("code"))
    if description is None:
        raise Unmappable("procedure without a description")
    code, _ = first_code(resource.get("code"))
    performer = next(dicts(resource.get("performer")), {})
    return Procedure(id=resource["id"], performed_on=performed, description=description, code=code,
                     specialty=concept_text(resource.get("category")) or concept_text(performer.get("function")),
                     performer=display(performer.get("actor")), location=display(resource.get("location")))


# --------------------------------------------------------------------------- nursing


def nursing_problem(condition: dict, goals: list[dict], scores: dict[str, dict],
                    settings: Settings) -> NursingProblem | None:
    if not has_token(condition.get("category"), settings.codes.nursing_problem):
        return None
    if codes([condition.get("verificationStatus")]) & {"entered-in-error", "refuted"}:
        return None
    problem = concept_text(condition.get("code"))
    recorded = parse_date(condition.get("recordedDate")) or parse_date(condition.get("onsetDateTime"))
    if problem is None or recorded is None:
        raise Unmappable("nursing problem without a description or date")
    ref = f"Condition/{condition['id']}"
    outcomes = []
    for goal in goals:
        if ref not in {reference(a) for a in dicts(goal.get("addresses"))}:
            continue
        if goal.get("lifecycleStatus") in ("proposed", "entered-in-error", "rejected", "cancelled"):
            continue
        target = next(dicts(goal.get("target")), {})
        outcome_scores = (scores.get(reference(r) or "") for r in dicts(goal.get("outcomeReference")))
        measured = sorted((o for o in outcome_scores if o), key=lambda o: o.get("effectiveDateTime") or "")
        values = [o.get("valueInteger") for o in measured if isinstance(o.get("valueInteger"), int)]
        noc, _ = first_code(target.get("measure")) if target else (None, None)
        outcomes.append(NursingOutcome(
            noc_code=noc or first_code(goal.get("description"))[0],
            outcome=concept_text(goal.get("description")) or concept_text(target.get("measure")) or "",
            baseline_score=values[0] if values else None,
            target_score=target.get("detailInteger") if isinstance(target.get("detailInteger"), int) else None,
            current_score=values[-1] if values else None,
            scored_on=parse_date(measured[-1].get("effectiveDateTime")) if measured else None))
    nanda, _ = first_code(condition.get("code"))
    active = bool(codes([condition.get("clinicalStatus")]) & {"active", "recurrence", "relapse"})
    return NursingProblem(id=condition["id"], nanda_code=nanda, problem=problem,
                          status="Actueel" if active else "Opgelost", recorded_on=recorded, outcomes=tuple(outcomes))


def nursing_interventions(plan: dict, settings: Settings) -> list[NursingIntervention]:
    if (plan.get("status") not in ("active", "completed", "on-hold")
            or not has_token(plan.get("category"), settings.codes.nursing_care_plan)):
        return []
    problem = next((display(a) for a in dicts(plan.get("addresses")) if display(a)), None)
    found, nameless = [], 0
    for index, activity in enumerate(dicts(plan.get("activity"))):
        detail = as_dict(activity.get("detail"))
        if detail.get("status") in ("cancelled", "entered-in-error"):
            continue
        intervention = concept_text(detail.get("code")) or text(detail.get("description"))
        if intervention is None:
            nameless += 1
            continue
        nic, _ = first_code(detail.get("code"))
        repeat = get(detail, "scheduledTiming", "repeat") or {}
        frequency = None
        if isinstance(repeat.get("frequency"), int) and repeat.get("periodUnit"):
            unit = {"d": "dag", "wk": "week", "h": "uur", "mo": "maand"}.get(repeat["periodUnit"], repeat["periodUnit"])
            frequency = f"{repeat['frequency']}x per {unit}"
        found.append(NursingIntervention(
            id=f"{plan['id']}.{index}", nic_code=nic, intervention=intervention, problem=problem, frequency=frequency,
            start=parse_date(get(plan, "period", "start")) or parse_date(get(detail, "scheduledPeriod", "start")),
            end=parse_date(get(plan, "period", "end")) or parse_date(get(detail, "scheduledPeriod", "end"))))
    if nameless and not found:  # a plan whose every intervention is unnamed cannot be shown
        raise Unmappable("nursing care plan without a named intervention")
    return found


# --------------------------------------------------------------------------- other


def nutrition(order: dict) -> NutritionEntry | None:
    if order.get("status") not in ("active", "completed", "on-hold"):
        return None
    diet = as_dict(order.get("oralDiet"))
    parts = [first_text(diet.get("type")), text(diet.get("instruction"))]
    parts += [concept_text(t.get("modifier")) for t in dicts(diet.get("texture"))]
    parts += [concept_text(s.get("type")) for s in dicts(order.get("supplement"))]
    description = ", ".join(p for p in parts if p) or notes(order)
    if not description:
        raise Unmappable("nutrition order without a description")
    schedule = next(dicts(diet.get("schedule")), {})
    bounds = get(schedule, "repeat", "boundsPeriod") or {}
    kind = NutritionKind.ADVICE if order.get("intent") == "proposal" else NutritionKind.AGREEMENT
    return NutritionEntry(id=order["id"], kind=kind,
                          description=description,
                          start=parse_date(bounds.get("start")) or parse_date(order.get("dateTime")),
                          end=parse_date(bounds.get("end")), author=display(order.get("orderer")))


def is_treatment_directive(consent: dict) -> bool:
    return "treatment" in codes([consent.get("scope")], _RESTRICTION_SCOPE)


def treatment_restriction(consent: dict, today: date) -> TreatmentRestriction | None:
    if not is_treatment_directive(consent) or consent.get("status") not in ("active",):
        return None
    provision = as_dict(consent.get("provision"))
    treatment = first_text(provision.get("code"))
    decided = parse_date(consent.get("dateTime"))
    if treatment is None or decided is None:
        raise Unmappable("treatment directive without a treatment or date")
    end = parse_date(get(provision, "period", "end"))
    if end is not None and end < today:
        return None
    restriction = next((text(e.get("valueString")) for e in dicts(consent.get("modifierExtension"))
                        if str(e.get("url", "")).endswith("SpecificationOther")), None)
    if restriction:
        decision = RestrictionDecision.WITH_RESTRICTIONS
    elif provision.get("type") == "deny":
        decision = RestrictionDecision.NOT_ALLOWED
    else:
        decision = RestrictionDecision.ALLOWED
    discussed = next((display(a.get("reference")) for a in dicts(provision.get("actor"))
                      if display(a.get("reference"))), None)
    return TreatmentRestriction(id=consent["id"], treatment=treatment, decision=decision, decided_on=decided,
                                discussed_with=discussed, note=restriction or notes(consent))
