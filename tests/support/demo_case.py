"""Pick, from a generated demo EPD, the provider and patients a browser test walks with.

Only the EPD contract and the access rule are used to choose, so the choice holds for
whatever data the generator makes: a GP account, the patient of theirs with the most kinds
of data, patients of theirs with a lab test measured more than once (the graph), a letter,
an image and a partner name, and a consenting stranger for the noodprocedure.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from portal.access.decision import Outcome, ProviderFacts, decide
from portal.epd.models import PatientDetails, PatientSummary
from portal_connectors.demo.schema import patients

#: Contract calls whose results the screens show; a richer patient makes a better walk.
LISTS = ("list_appointments", "list_operations", "list_admissions", "list_emergency_registrations",
         "list_referrals", "list_allergies", "list_conditions", "list_substance_use", "list_diagnoses",
         "list_implants", "list_inserted_materials", "list_state_observations", "list_medical_aids",
         "list_medication", "list_treatment_reports", "list_letters", "list_alerts", "list_procedures",
         "list_nursing_problems", "list_nursing_care_plan", "list_nursing_reports", "list_nutrition",
         "list_treatment_restrictions", "list_mdo_reports", "list_lab_results", "list_measurements",
         "list_microbiology", "list_pathology", "list_imaging")


@dataclass(frozen=True)
class DemoCase:
    account_id: int
    account_name: str
    patient: PatientDetails          # allowed for the account, with the most kinds of data
    graph_patient: PatientSummary    # allowed, with a lab test measured at least twice ...
    graph_test: str                  # ... namely this one
    letter_patient: PatientSummary   # allowed, with a letter
    image_patient: PatientSummary    # allowed, with an imaging report that has images
    partner_patient: PatientSummary  # allowed, with a partner name
    death_patient: PatientSummary    # allowed, used by no other test (its death gets reported)
    stranger: PatientSummary         # consent, no treatment relation with the account


def _facts(account) -> ProviderFacts:
    return ProviderFacts(agb_code=account.agb_code, practice_agb=account.practice_agb)


def _outcome(account, summary: PatientSummary, at_hap: bool) -> Outcome:
    return decide(_facts(account), consent=summary.consent, relations=summary.relations, at_hap=at_hap,
                  emergency_granted=False, today=date.today()).outcome


def _graph_test(connector, patient_id: str) -> tuple[datetime, str] | None:
    """The lab test with at least two numeric values in the last 12 months (the graph's
    period) that was sampled most recently, with that moment; None if there is none."""
    since = datetime.now() - timedelta(days=365)
    seen: dict[str, list[datetime]] = {}
    for result in connector.list_lab_results(patient_id):
        if result.numeric_value is not None and result.sampled_at.replace(tzinfo=None) >= since:
            seen.setdefault(result.test, []).append(result.sampled_at.replace(tzinfo=None))
    candidates = [(max(moments), test) for test, moments in seen.items() if len(moments) >= 2]
    return max(candidates) if candidates else None


def _richness(connector, patient_id: str) -> int:
    return sum(1 for name in LISTS if getattr(connector, name)(patient_id))


def find_case(connector, accounts) -> DemoCase:
    """The walk's case for one tenant: the first GP of ``accounts`` (active demo accounts)
    whose patients hold every kind the tests need."""
    for account in accounts:
        if account.role != "01.015":
            continue
        mine = [p for p in connector.patients_of(account.agb_code, limit=25)
                if p.consent and not p.deceased and _outcome(account, p, at_hap=False) is Outcome.ALLOWED]
        graphs = sorted(((t, p) for p in mine if (t := _graph_test(connector, p.patient_id))),
                        key=lambda pair: pair[0][0], reverse=True)
        letters = [p for p in mine if connector.list_letters(p.patient_id)]
        images = [p for p in mine if any(r.images for r in connector.list_imaging(p.patient_id))]
        partners = [p for p in mine if p.partner_name]
        if not (graphs and letters and images and partners):
            continue
        richest = max(mine, key=lambda p: _richness(connector, p.patient_id))
        # A full record has a letter, an image and lab series: prefer other patients for the
        # other roles, so tests that walk two patients of the case find two.
        graph_test, graph_patient = graphs[0]
        used = {graph_patient.patient_id}
        letter = _pick(letters, used)
        image = _pick(images, used)
        partner = _pick(partners, used)
        used |= {richest.patient_id}
        spare = [p for p in mine if p.patient_id not in used]
        if not spare:
            continue
        return DemoCase(account_id=account.id, account_name=account.name,
                        patient=connector.get_patient(richest.patient_id),
                        graph_patient=graph_patient, graph_test=graph_test[1], letter_patient=letter,
                        image_patient=image, partner_patient=partner, death_patient=spare[-1],
                        stranger=_stranger(connector, account))
    raise AssertionError(
        "no demo GP has patients with recent lab values, a letter, an image, a partner name and one spare")


def _pick(candidates: list[PatientSummary], used: set[str]) -> PatientSummary:
    """The first candidate not yet used (else the first), now marked used."""
    chosen = next((p for p in candidates if p.patient_id not in used), candidates[0])
    used.add(chosen.patient_id)
    return chosen


def _stranger(connector, account) -> PatientSummary:
    with connector.engine.connect() as conn:
        ids = conn.execute(select(patients.c.id).where(patients.c.consent.is_(True), patients.c.death_date.is_(None))
                           .order_by(patients.c.id)).scalars().all()
    for pid in ids:
        summary = connector.get_patient_summary(str(pid))
        if _outcome(account, summary, at_hap=True) is Outcome.EMERGENCY_AVAILABLE:
            return summary
    raise AssertionError("the demo EPD has no consenting patient without a relation to the chosen GP")
