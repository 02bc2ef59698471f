"""The fhir connector against a real FHIR server (Medplum, in memory) with the Nictiz
zib2020 examples and the portal's test patients (tests/data/fhir/)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from portal.epd import models as m
from portal.epd.contract import PATIENT_LIST_METHODS
from portal.epd.errors import EpdBadData, ItemNotFound, OrderRejected, PatientNotFound
from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.testing import DRAFT_MARKER, connector_settings


@pytest.fixture(scope="module")
def connector(fhir_server, tmp_path_factory):
    made = FhirConnector(connector_settings(fhir_server), tmp_path_factory.mktemp("fhir"))
    yield made
    made.close()


def _ids(items):
    return {item.patient_id for item in items}


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize("criteria, expected", [
    (m.SearchCriteria.by_bsn("999999096"), {"pt-jansen"}),
    (m.SearchCriteria.by_bsn("111222333"), {"nl-core-Patient-01"}),
    (m.SearchCriteria.by_patient_number("03115577"), {"pt-devries"}),
    (m.SearchCriteria.by_patient_number("0311557"), set()),
    (m.SearchCriteria.by_birth_name("bos", date(1938, 11, 2), m.Sex.FEMALE), {"pt-devries"}),
    (m.SearchCriteria.by_birth_name("BÓS", date(1938, 11, 2), m.Sex.FEMALE), {"pt-devries"}),
    (m.SearchCriteria.by_birth_name("bos", date(1938, 11, 2), m.Sex.MALE), set()),
    (m.SearchCriteria.by_birth_name("vries", date(1938, 11, 2), m.Sex.FEMALE), set()),
    (m.SearchCriteria.by_partner_name("De Vries", date(1938, 11, 2), m.Sex.FEMALE), {"pt-devries"}),
    (m.SearchCriteria.by_birth_name("van den berg", date(1982, 7, 15), m.Sex.FEMALE), {"pt-visser"}),
    (m.SearchCriteria.by_birth_name("den Ber", date(1982, 7, 15), m.Sex.FEMALE), {"pt-visser"}),
    (m.SearchCriteria.by_address("7514 dr", 120), {"pt-devries"}),
    (m.SearchCriteria.by_address("7514DR", 121), set()),
    (m.SearchCriteria.by_address("7511JD", 12), {"pt-plain"}),  # plain R4 address line "Stationsplein 12a"
])
def test_search_follows_the_matching_rules(connector, criteria, expected):
    assert _ids(connector.search_patients(criteria)) == expected


def test_search_results_carry_consent_and_relations(connector):
    jansen, = connector.search_patients(m.SearchCriteria.by_bsn("999999096"))
    assert jansen.consent is True and jansen.patient_number == "02448128" and jansen.initials == "B.J.J."
    kinds = {(r.kind, r.agb_code, r.practice_agb) for r in jansen.relations}
    assert kinds == {(m.RelationKind.REGISTERED_GP, "01234567", "01098765"),
                     (m.RelationKind.REFERRAL, "01345678", None)}
    devries = connector.get_patient_summary("pt-devries")
    assert devries.surname == "de Vries-Bos" and devries.given_name == "Ria"
    assert [(r.kind, r.agb_code, r.valid_from) for r in devries.relations] == [
        (m.RelationKind.ELDERLY_CARE_PHYSICIAN, "01456789", date(2023, 1, 1))]


@pytest.mark.parametrize("patient_id, consent", [
    ("pt-jansen", True), ("pt-smit", False), ("pt-visser", False), ("nl-core-Patient-01", False)])
def test_consent_is_the_newest_active_consent_with_the_consent_code(connector, patient_id, consent):
    # pt-visser gave consent in 2019 and withdrew it in 2024; the Nictiz patient has only
    # advance directives (Consent resources of another kind).
    assert connector.get_patient_summary(patient_id).consent is consent


def test_referral_by_logical_reference_gives_the_agb(connector):
    visser = connector.get_patient_summary("pt-visser")
    assert [(r.kind, r.agb_code) for r in visser.relations] == [(m.RelationKind.REFERRAL, "01567890")]


def test_search_limit(connector):
    criteria = m.SearchCriteria.by_address("7514DR", 120)
    assert connector.search_patients(criteria, limit=0) == ()
    assert len(connector.search_patients(criteria, limit=1)) == 1


# --------------------------------------------------------------------------- details


def test_patient_details(connector):
    details = connector.get_patient("pt-jansen")
    assert details.address.street_line == "Haaksbergerstraat 55" and details.address.postcode_display == "7513 ER"
    assert (details.phone_mobile, details.email) == ("0612345678", "b.jansen@example.nl")
    assert (details.gp.name, details.gp.agb_code, details.gp.practice_name) == (
        "M. Bakker", "01234567", "Huisartsenpraktijk Koningsplein")
    assert details.dentist is None
    assert details.pharmacy.name == "Apotheek Koningsplein"
    assert (details.insurance.company, details.insurance.policy_number, details.insurance.start_date,
            details.insurance.uzovi_code) == ("Menzis", "123456789", date(2021, 10, 26), "3332")
    other = connector.get_patient("pt-devries")
    assert other.dentist.name == "Tandartspraktijk De Molen" and other.gp is None
    assert other.address.street_line == "Oldenzaalsestraat 120b"


def test_unresolvable_references_do_not_break_a_patient(connector):
    plain = connector.get_patient("pt-plain")
    assert plain.summary.relations == () and plain.gp.name == "Onbekende huisarts"


@pytest.mark.parametrize("patient_id", ["pt-unknown", "../metadata", "Patient/pt-jansen", "", "a" * 65])
def test_unknown_or_malformed_patient_ids_are_not_found(connector, patient_id):
    with pytest.raises(PatientNotFound):
        connector.get_patient_summary(patient_id)
    with pytest.raises(PatientNotFound):
        connector.list_lab_results(patient_id)


# --------------------------------------------------------------------------- approved data only


def test_no_unapproved_item_of_any_kind_is_returned(connector):
    seen = 0
    for patient_id in ("pt-jansen", "pt-plain", "nl-core-Patient-01"):
        for method in PATIENT_LIST_METHODS:
            for item in getattr(connector, method)(patient_id):
                seen += 1
                assert DRAFT_MARKER not in repr(item), f"{method} returned unapproved data"
    assert seen > 100


@pytest.mark.parametrize("method, item_id", [
    ("get_letter", "doc-jansen-draft"), ("get_letter", "doc-jansen-superseded"), ("get_image", "media-jansen-draft")])
def test_unapproved_letters_and_images_do_not_open(connector, method, item_id):
    with pytest.raises(ItemNotFound):
        getattr(connector, method)("pt-jansen", item_id)


def test_letters_open_from_binary_and_inline_data(connector):
    pdf = connector.get_letter("pt-jansen", "doc-jansen-letter")
    assert (pdf.content_type == "application/pdf" and pdf.data.startswith(b"%PDF-")
            and pdf.title == "Ontslagbrief cardiologie")
    note = connector.get_letter("pt-jansen", "doc-jansen-polibrief")
    assert note.content_type == "text/plain; charset=utf-8" and "uw patiënt" in note.data.decode()
    with pytest.raises(ItemNotFound):
        connector.get_letter("pt-devries", "doc-jansen-letter")
    with pytest.raises(EpdBadData):
        connector.get_letter("pt-plain", "doc-plain-lost-binary")


def test_image_opens_for_its_patient_only(connector):
    image = connector.get_image("pt-jansen", "media-jansen-thorax")
    assert image.content_type == "image/png" and image.data.startswith(b"\x89PNG")
    with pytest.raises(ItemNotFound):
        connector.get_image("pt-smit", "media-jansen-thorax")


# --------------------------------------------------------------------------- mapping


def test_lab_results_flags_panels_and_gp_orders(connector):
    results = {r.id: r for r in connector.list_lab_results("pt-jansen")}
    assert results["lab-jansen-glucose"].flag is m.ResultFlag.HIGH
    assert results["lab-jansen-hb"].flag is m.ResultFlag.LOW  # the lab's own interpretation "L"
    assert results["lab-jansen-creat"].flag is None and results["lab-jansen-creat"].reference_text == "60 - 110"
    assert "lab-jansen-hba1c-gp" not in results
    with_gp = {r.id: r for r in connector.list_lab_results("pt-jansen", include_gp_orders=True)}
    assert with_gp["lab-jansen-hba1c-gp"].ordered_by is m.OrderedBy.GP
    nictiz = {r.test: r for r in connector.list_lab_results("nl-core-Patient-01")}
    assert nictiz["Hemoglobine"].group == "hemoglobine & hematocriet panel"


def test_one_odd_resource_is_left_out_not_fatal(connector, caplog):
    assert [r.id for r in connector.list_lab_results("pt-plain")] == ["lab-plain-ok"]
    assert [a.id for a in connector.list_appointments("pt-plain")] == ["appt-plain-ok"]
    assert "lab result left out, Observation/lab-plain-no-date: lab result without a date" in caplog.text
    assert "Natrium" not in caplog.text  # logs name the problem, never the content


def test_medication_categories(connector):
    by_id = {item.id: item.category for item in connector.list_medication("pt-jansen")}
    assert by_id == {
        "mr-jansen-metformine": m.MedicationCategory.ACTIVE_HOME,
        "ms-jansen-paracetamol": m.MedicationCategory.ACTIVE_HOME,
        "mr-jansen-insuline": m.MedicationCategory.ACTIVE_INPATIENT, "mr-jansen-planned": m.MedicationCategory.PLANNED,
        "mr-jansen-stopped": m.MedicationCategory.STOPPED, "ms-jansen-onhold": m.MedicationCategory.SUSPENDED}
    order = [item.category for item in connector.list_medication("pt-jansen")]
    assert order == sorted(order, key=list(m.MedicationCategory).index)


def test_care_events(connector):
    operation, = connector.list_operations("pt-jansen")  # the uncalled one is not shown
    assert (operation.status, operation.listed_on, operation.called_on) == (
        m.OperationStatus.POST_OPERATIVE, date(2024, 3, 1), date(2024, 3, 10))
    admissions = connector.list_admissions("pt-jansen")
    assert [a.status for a in admissions] == [m.AdmissionStatus.CURRENT, m.AdmissionStatus.DISCHARGED]
    assert admissions[1].department == "Verpleegafdeling Cardiologie" and admissions[1].practitioner == "Dr. F. Dekker"
    referral, = connector.list_referrals("pt-jansen")
    assert (referral.referrer_name, referral.specialty, referral.reason) == (
        "P.J. Mulder", "Cardiologie", "Hartkloppingen")
    appointments = connector.list_appointments("pt-jansen")
    assert appointments[0].start > appointments[-1].start  # newest first


def test_record_devices_reports_and_results(connector):
    assert [d.description for d in connector.list_implants("pt-jansen")] == ["Pacemaker"]
    assert [d.description for d in connector.list_inserted_materials("pt-jansen")] == ["Katheter"]
    assert [d.description for d in connector.list_medical_aids("pt-jansen")] == ["Rollator"]
    mdo, = connector.list_mdo_reports("pt-jansen")
    assert [s.heading for s in mdo.sections] == ["Vraagstelling", "Conclusie"]
    problem, = connector.list_nursing_problems("pt-jansen")
    outcome, = problem.outcomes
    assert (outcome.baseline_score, outcome.current_score, outcome.target_score) == (2, 3, 4)
    culture, = connector.list_microbiology("pt-jansen")
    organism, = culture.organisms
    assert organism.name == "Escherichia coli"
    susceptibilities = [(s.antibiotic, s.result) for s in organism.susceptibilities]
    assert susceptibilities == [("Amoxicilline", "R"), ("Nitrofurantoïne", "S")]
    bp = next(x for x in connector.list_measurements("pt-jansen") if x.kind == "Bloeddruk")
    assert bp.value == "145/90"
    imaging = {i.title: i for i in connector.list_imaging("pt-jansen")}
    assert imaging["PET-CT"].discipline is m.ImagingDiscipline.NUCLEAR
    assert imaging["X-thorax"].requester == "M. Bakker (huisarts)" and imaging["X-thorax"].modality == "DX"
    restriction, = connector.list_treatment_restrictions("pt-jansen")
    assert (restriction.treatment, restriction.decision) == ("Reanimatie", m.RestrictionDecision.NOT_ALLOWED)


# --------------------------------------------------------------------------- overviews


def test_admitted_patients_and_agb_prefilter(connector):
    admitted = connector.list_admitted_patients()
    assert {"pt-jansen", "pt-devries"} <= {e.patient.patient_id for e in admitted}
    assert all(e.admission.status is m.AdmissionStatus.CURRENT for e in admitted)
    mine = connector.list_admitted_patients(agb_codes={"01456789"})
    assert [e.patient.patient_id for e in mine] == ["pt-devries"]


def test_emergency_overview_shows_the_last_days_only(connector):
    visits = connector.list_emergency_visits(datetime.now() - timedelta(days=7))
    assert {e.patient.patient_id for e in visits} == {"pt-jansen", "pt-smit"}
    assert all(e.visit.arrived_at >= datetime.now() - timedelta(days=7) for e in visits)


# --------------------------------------------------------------------------- writes


def _order(**overrides):
    values = dict(test_codes=("HB", "GLUC"), clinical_question="Anemie? Moeheid sinds 2 maanden.",
                  requester_name="M. Bakker", requester_agb="01234567", urgent=True)
    return m.OrderRequest(**{**values, **overrides})


def test_catalogue_shows_active_definitions_only(connector):
    catalogue = connector.order_catalogue()
    assert [(t.category, t.name) for t in catalogue] == [
        ("Functieonderzoek", "ECG"), ("Laboratorium", "Glucose nuchter"), ("Laboratorium", "Hemoglobine"),
        ("Radiologie", "X-thorax")]


def test_order_is_stored_as_service_requests_and_listed(connector, fhir_server):
    reference = connector.submit_order("pt-visser", _order())
    order, = [o for o in connector.list_orders("pt-visser") if o.id == reference]
    assert {t.code for t in order.tests} == {"HB", "GLUC"} and order.urgent and order.status is m.OrderStatus.SUBMITTED
    assert order.requester_agb == "01234567"
    with fhir_server.client() as client:
        stored = client.get("ServiceRequest", params={"subject": "Patient/pt-visser", "_count": "100"}).json()
    mine = [e["resource"] for e in stored["entry"] if e["resource"].get("requisition", {}).get("value") == reference]
    assert len(mine) == 2 and all(r["intent"] == "order" and r["priority"] == "urgent" for r in mine)
    # An order is not a referral: the patient's relations are unchanged.
    assert [r.agb_code for r in connector.get_patient_summary("pt-visser").relations] == ["01567890"]


@pytest.mark.parametrize("bad", [dict(test_codes=("BSE",)), dict(test_codes=("HB", "NOPE")),
                                 dict(clinical_question="  "), dict(test_codes=())])
def test_rejected_orders_store_nothing(connector, bad):
    before = connector.list_orders("pt-devries")
    with pytest.raises(OrderRejected):
        connector.submit_order("pt-devries", _order(**bad))
    assert connector.list_orders("pt-devries") == before


def test_death_notification_is_a_task_for_the_hospital(connector, fhir_server):
    notification = m.DeathNotification(date_of_death=date.today() - timedelta(days=1), reporter_name="M. Bakker",
                                       reporter_agb="01234567", place_of_death="Thuis")
    reference = connector.submit_death_notification("pt-smit", notification)
    assert reference.startswith("Task/")
    with fhir_server.client() as client:
        task = client.get(reference).json()
    assert (task["status"], task["for"]["reference"], task["requester"]["identifier"]["value"]) == (
        "requested", "Patient/pt-smit", "01234567")
    inputs = {i.get("valueDate") or i.get("valueString") for i in task["input"]}
    assert inputs == {notification.date_of_death.isoformat(), "Thuis"}
    assert connector.get_patient_summary("pt-smit").deceased is False  # staff verify first


@pytest.mark.parametrize("when", [date.today() + timedelta(days=1), date(1969, 12, 31)])
def test_impossible_dates_of_death_are_rejected(connector, when):
    with pytest.raises(OrderRejected):
        connector.submit_death_notification("pt-smit", m.DeathNotification(
            date_of_death=when, reporter_name="M. Bakker", reporter_agb="01234567"))
