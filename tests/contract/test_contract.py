"""The EPD contract (portal.epd.contract), checked against every registered connector."""
from __future__ import annotations

import dataclasses
import unicodedata
from datetime import date, datetime, timedelta

import pytest
from pydantic import BaseModel

from portal.epd import models as m
from portal.epd.contract import PATIENT_LIST_METHODS, EpdConnector
from portal.epd.errors import ItemNotFound, OrderRejected, PatientNotFound
from portal.epd.registry import available_connectors

# What each per-patient list method returns.
ITEM_TYPES = {
    "list_appointments": m.Appointment, "list_operations": m.Operation, "list_admissions": m.Admission,
    "list_emergency_registrations": m.EmergencyVisit, "list_referrals": m.Referral, "list_allergies": m.Allergy,
    "list_conditions": m.Condition, "list_substance_use": m.SubstanceUse, "list_diagnoses": m.Diagnosis,
    "list_implants": m.DeviceUse, "list_inserted_materials": m.DeviceUse, "list_state_observations": m.StateObservation,
    "list_medical_aids": m.DeviceUse, "list_medication": m.Medication, "list_treatment_reports": m.Report,
    "list_letters": m.LetterInfo, "list_alerts": m.Alert, "list_procedures": m.Procedure,
    "list_nursing_problems": m.NursingProblem, "list_nursing_care_plan": m.NursingIntervention,
    "list_nursing_reports": m.Report, "list_nutrition": m.NutritionEntry,
    "list_treatment_restrictions": m.TreatmentRestriction, "list_mdo_reports": m.Report,
    "list_lab_results": m.LabResult, "list_measurements": m.Measurement, "list_microbiology": m.MicrobiologyResult,
    "list_pathology": m.PathologyReport, "list_imaging": m.ImagingReport,
}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _texts(value) -> list[str]:
    """Every string inside a view model (recursively)."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value):
        return [t for f in dataclasses.fields(value) for t in _texts(getattr(value, f.name))]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _texts(v)]
    return []


def test_every_list_method_has_a_declared_item_type():
    assert set(ITEM_TYPES) == set(PATIENT_LIST_METHODS)


def test_connector_implements_the_protocol(contract):
    connector = contract.connector
    assert isinstance(connector, EpdConnector)
    cls = type(connector)
    assert issubclass(cls.Settings, BaseModel)
    assert cls.Settings.model_config.get("extra") == "forbid"
    assert any(cls is ep.load() for ep in available_connectors().values())
    connector.check_available()


def test_search_by_patient_number_and_bsn(contract):
    known = contract.patient
    for criteria in (m.SearchCriteria.by_patient_number(known.patient_number), m.SearchCriteria.by_bsn(known.bsn)):
        found = contract.connector.search_patients(criteria)
        assert [p.patient_id for p in found] == [known.patient_id]
        summary = found[0]
        assert (summary.patient_number, summary.bsn, summary.birth_date, summary.sex, summary.consent) == (
            known.patient_number, known.bsn, known.birth_date, known.sex, known.consent)
        assert known.relation_agb_codes <= {r.agb_code for r in summary.relations}


@pytest.mark.parametrize("transform", [str.upper, str.lower, _strip_accents, lambda s: s[1:4] if len(s) > 4 else s])
def test_search_by_part_of_birth_name_ignores_case_and_accents(contract, transform):
    known = contract.patient
    criteria = m.SearchCriteria.by_birth_name(transform(known.birth_name), known.birth_date, known.sex)
    found = contract.connector.search_patients(criteria)
    assert known.patient_id in [p.patient_id for p in found]
    for p in found:
        assert (p.birth_date, p.sex) == (known.birth_date, known.sex)
        assert m.normalise_name(criteria.name) in m.normalise_name(f"{p.birth_name_prefix or ''}{p.birth_name}")


def test_search_by_partner_name(contract):
    known = contract.patient
    assert known.partner_name, "the fixture's patient needs a partner name"
    found = contract.connector.search_patients(
        m.SearchCriteria.by_partner_name(known.partner_name.upper(), known.birth_date, known.sex))
    assert known.patient_id in [p.patient_id for p in found]
    other_sex = m.Sex.FEMALE if known.sex is m.Sex.MALE else m.Sex.MALE
    assert known.patient_id not in [p.patient_id for p in contract.connector.search_patients(
        m.SearchCriteria.by_partner_name(known.partner_name, known.birth_date, other_sex))]


def test_search_by_postcode_and_house_number(contract):
    known = contract.patient
    found = contract.connector.search_patients(
        m.SearchCriteria.by_address(f"{known.postcode[:4]} {known.postcode[4:].lower()}", known.house_number))
    assert known.patient_id in [p.patient_id for p in found]


def test_search_without_match_is_empty_and_limit_holds(contract):
    known = contract.patient
    assert list(contract.connector.search_patients(m.SearchCriteria.by_bsn("000000000"))) == []
    wrong_day = known.birth_date - timedelta(days=1)
    found = contract.connector.search_patients(m.SearchCriteria.by_birth_name(known.birth_name, wrong_day, known.sex))
    assert known.patient_id not in [p.patient_id for p in found]
    assert len(contract.connector.search_patients(m.SearchCriteria.by_birth_name("e", known.birth_date, known.sex),
                                                  limit=1)) <= 1


def test_consent_is_reported(contract):
    summary = contract.connector.get_patient_summary(contract.patient_without_consent.patient_id)
    assert summary.consent is False
    assert contract.connector.get_patient_summary(contract.patient.patient_id).consent is contract.patient.consent


def test_relations_are_open_today(contract):
    today = date.today()
    for pid in (contract.patient.patient_id, contract.rich_patient_id, *contract.other_patient_ids):
        for relation in contract.connector.get_patient_summary(pid).relations:
            assert isinstance(relation.kind, m.RelationKind)
            assert relation.agb_code is None or (len(relation.agb_code) == 8 and relation.agb_code.isdigit())
            assert relation.valid_from is None or relation.valid_from <= today
            assert relation.valid_until is None or relation.valid_until >= today


def test_patient_details(contract):
    details = contract.connector.get_patient(contract.patient.patient_id)
    assert isinstance(details, m.PatientDetails)
    assert details.summary.patient_id == contract.patient.patient_id
    assert details.address is None or details.address.postcode == contract.patient.postcode
    for provider in (details.gp, details.dentist, details.pharmacy):
        assert provider is None or isinstance(provider, m.CareProvider)


def test_unknown_patient_raises_everywhere(contract):
    unknown = contract.unknown_patient_id
    calls = [getattr(contract.connector, name) for name in PATIENT_LIST_METHODS]
    calls += [contract.connector.get_patient, contract.connector.get_patient_summary]
    for call in calls:
        with pytest.raises(PatientNotFound):
            call(unknown)
    with pytest.raises(PatientNotFound):
        contract.connector.get_letter(unknown, "1")


def test_rich_patient_has_every_kind_of_data(contract):
    for name in contract.expected_kinds():
        items = getattr(contract.connector, name)(contract.rich_patient_id)
        assert isinstance(items, (tuple, list)), name
        assert items, f"{name}: no data for the rich patient"
        assert all(isinstance(item, ITEM_TYPES[name]) for item in items), name
        ids = [item.id for item in items]
        assert all(isinstance(i, str) and i for i in ids) and len(set(ids)) == len(ids), name


def _walk_everything(contract):
    """Every model any read method returns for the fixture's patients and overviews."""
    connector = contract.connector
    for pid in {contract.rich_patient_id, contract.patient.patient_id, *contract.other_patient_ids}:
        yield connector.get_patient(pid)
        for name in PATIENT_LIST_METHODS:
            yield from getattr(connector, name)(pid)
        yield from connector.list_lab_results(pid, include_gp_orders=True)
        for letter in connector.list_letters(pid):
            yield connector.get_letter(pid, letter.id)
    yield from connector.list_admitted_patients()
    yield from connector.list_emergency_visits(datetime.now() - timedelta(days=7))


def test_unapproved_data_never_leaves_the_connector(contract):
    seen = 0
    for item in _walk_everything(contract):
        texts = _texts(item)
        if isinstance(item, m.Document):
            texts.append(item.data.decode("utf-8", "replace"))
        seen += len(texts)
        for marker in contract.draft_markers:
            assert not any(marker in t for t in texts), f"draft data in {type(item).__name__}"
    assert seen > 100


def test_letters_and_images_open_only_for_their_patient(contract):
    connector, rich = contract.connector, contract.rich_patient_id
    letter = connector.list_letters(rich)[0]
    document = connector.get_letter(rich, letter.id)
    assert document.data and document.content_type and document.title
    images = [i for study in connector.list_imaging(rich) for i in study.images]
    assert images, "the rich patient needs an imaging study with images"
    picture = connector.get_image(rich, images[0].id)
    assert picture.content_type.startswith("image/") and len(picture.data) > 100
    other = contract.patient.patient_id
    with pytest.raises(ItemNotFound):
        connector.get_letter(other, letter.id)
    with pytest.raises(ItemNotFound):
        connector.get_image(other, images[0].id)
    with pytest.raises(ItemNotFound):
        connector.get_letter(rich, "no-such-letter")


def test_image_series_open_only_for_their_patient(contract):
    connector, rich = contract.connector, contract.rich_patient_id
    study = next(s for s in connector.list_imaging(rich) if s.images)
    series = connector.list_image_series(rich, study.id)
    listed = [image.id for item in series for image in item.images]
    assert set(listed) >= {image.id for image in study.images}, "the report's own images are among its series"
    numbers = [item.number for item in series if item.number is not None]
    assert numbers == sorted(numbers), "series in series-number order"
    picture = connector.get_image(rich, listed[0])
    assert picture.content_type.startswith("image/") and len(picture.data) > 100
    with pytest.raises(ItemNotFound):
        connector.list_image_series(contract.patient.patient_id, study.id)
    with pytest.raises(ItemNotFound):
        connector.list_image_series(rich, "no-such-report")
    with pytest.raises(PatientNotFound):
        connector.list_image_series(contract.unknown_patient_id, study.id)


def test_care_event_rules(contract):
    connector, rich = contract.connector, contract.rich_patient_id
    assert all(op.called_on is not None for op in connector.list_operations(rich))
    today = date.today()
    assert all(r.valid_until is None or r.valid_until >= today for r in connector.list_referrals(rich))
    hospital_only = connector.list_lab_results(rich)
    assert all(r.ordered_by is m.OrderedBy.HOSPITAL for r in hospital_only)
    everything = connector.list_lab_results(rich, include_gp_orders=True)
    assert {r.id for r in hospital_only} <= {r.id for r in everything}
    for result in everything:
        if result.flag is not None and result.numeric_value is not None:
            expected = m.flag_for(result.numeric_value, result.reference_low, result.reference_high)
            assert expected in (None, result.flag)


def test_medication_is_grouped_by_the_manuals_categories(contract):
    items = contract.connector.list_medication(contract.rich_patient_id)
    order = list(m.MedicationCategory)
    positions = [order.index(item.category) for item in items]
    assert positions == sorted(positions)


def test_overviews(contract):
    since = datetime.now() - timedelta(days=7)
    visits = contract.connector.list_emergency_visits(since)
    assert visits, "the fixture should have SEH visits in the last 7 days"
    for entry in visits:
        assert isinstance(entry.patient, m.PatientSummary)
        assert entry.visit.arrived_at >= since - timedelta(minutes=1)
    admitted = contract.connector.list_admitted_patients()
    assert admitted
    now = datetime.now()
    for entry in admitted:
        assert entry.admission.admitted_at <= now + timedelta(minutes=1)
        assert entry.admission.discharged_at is None
    some_agb = next(iter(contract.patient.relation_agb_codes or {"00000000"}))
    filtered = contract.connector.list_admitted_patients(agb_codes=[some_agb])
    for entry in filtered:
        assert any(some_agb in (r.agb_code, r.practice_agb) for r in entry.patient.relations)


def test_orders_and_death_notification(contract):
    if not contract.supports_writes:
        pytest.skip("this connector declares no write support (ContractFixture.supports_writes)")
    connector, pid = contract.connector, contract.patient.patient_id
    catalogue = connector.order_catalogue()
    assert catalogue and all(isinstance(t, m.OrderableTest) for t in catalogue)
    before = len(connector.list_orders(pid))
    request = m.OrderRequest(test_codes=(catalogue[0].code,), clinical_question="Anemie?",
                             requester_name="T. Test", requester_agb="01000001")
    reference = connector.submit_order(pid, request)
    orders = connector.list_orders(pid)
    assert len(orders) == before + 1 and orders[0].id == reference
    assert orders[0].tests[0].code == catalogue[0].code and orders[0].clinical_question == "Anemie?"
    with pytest.raises(OrderRejected):
        connector.submit_order(pid, dataclasses.replace(request, test_codes=("NO-SUCH-TEST",)))
    assert len(connector.list_orders(pid)) == before + 1
    with pytest.raises(PatientNotFound):
        connector.submit_order(contract.unknown_patient_id, request)
    notification = m.DeathNotification(date_of_death=date.today(), reporter_name="T. Test", reporter_agb="01000001")
    assert connector.submit_death_notification(pid, notification)
    with pytest.raises(OrderRejected):
        connector.submit_death_notification(pid, dataclasses.replace(notification,
                                                                     date_of_death=date.today() + timedelta(days=1)))


def test_worklist_discharges_and_new_documents(contract):
    """Mijn patiënten in het ziekenhuis: by practice codes and time, never by patient."""
    from datetime import timezone

    from portal.clock import HospitalClock

    connector, codes = contract.connector, contract.worklist_agb_codes
    assert codes, "the fixture names the AGB codes of its worklist data (ContractFixture.worklist_agb_codes)"
    clock = HospitalClock()
    since = datetime.now(timezone.utc) - timedelta(days=14)
    start, now = clock.to_local(since), clock.local_now() + timedelta(minutes=1)

    def related(patient: m.PatientSummary) -> bool:
        return any(codes & {r.agb_code, r.practice_agb} for r in patient.relations)

    discharges = connector.list_discharges(since, codes)
    assert discharges and all(isinstance(e, m.DischargeEntry) for e in discharges)
    moments = [clock.to_local(e.admission.discharged_at) for e in discharges if e.admission.discharged_at]
    assert len(moments) == len(discharges) and moments == sorted(moments, reverse=True)
    assert all(start <= moment <= now for moment in moments)
    assert all(related(e.patient) and e.admission.status is m.AdmissionStatus.DISCHARGED for e in discharges)
    with_letter = [e for e in discharges if e.discharge_letter is not None]
    assert with_letter, "a discharge with its discharge letter"
    for entry in with_letter:
        assert connector.get_letter(entry.patient.patient_id, entry.discharge_letter.id).data

    documents = connector.list_new_documents(since, codes)
    assert {d.kind for d in documents} == set(m.NewDocumentKind)
    available = [clock.to_local(d.available_at) for d in documents]
    assert available == sorted(available, reverse=True) and all(start <= a <= now for a in available)
    for document in documents:
        assert related(document.patient) and document.title
        if document.kind is m.NewDocumentKind.LETTER:
            assert connector.get_letter(document.patient.patient_id, document.id).data
        else:
            assert document.id in {r.id for r in connector.list_imaging(document.patient.patient_id)}

    # No practice, or a practice without patients: nothing; documents after everything: none.
    for method in (connector.list_discharges, connector.list_new_documents):
        assert list(method(since, frozenset())) == []
        assert list(method(since, {"00000000"})) == []
    assert list(connector.list_new_documents(datetime.now(timezone.utc) + timedelta(minutes=5), codes)) == []
