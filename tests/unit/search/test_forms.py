"""The Patiënt zoeken form's rules, as pure functions (the screens are tested in tests/functional/search)."""
from datetime import date

import pytest

from portal.epd.models import PatientSummary, SearchKind, Sex
from portal.search.forms import parse_search

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize("fields, kind", [
    ({"patient_number": "02448128"}, SearchKind.PATIENT_NUMBER),
    ({"bsn": "999999096"}, SearchKind.BSN),
    ({"bsn": "9999.99.096"}, SearchKind.BSN),
    ({"birth_name": "test", "birth_date": "05-05-1955", "sex": "male"}, SearchKind.BIRTH_NAME),
    ({"partner_name": "test", "birth_date": "5/5/1955", "sex": "male"}, SearchKind.PARTNER_NAME),
    ({"postcode": "7513er", "house_number": "55a"}, SearchKind.ADDRESS),
    # The first complete combination in the manual's order is the search.
    ({"bsn": "999999096", "postcode": "7513 ER", "house_number": "55"}, SearchKind.BSN),
    ({"birth_name": "a", "partner_name": "b", "birth_date": "05051955", "sex": "female"}, SearchKind.BIRTH_NAME),
])
def test_accepted_combinations(fields, kind):
    form = parse_search(fields, TODAY)
    assert form.valid and form.criteria.kind is kind, form.error


def test_criteria_are_normalised():
    form = parse_search({"postcode": "7513 er", "house_number": "55-2"}, TODAY)
    assert (form.criteria.postcode, form.criteria.house_number) == ("7513ER", 55)


def _patient(**fields) -> PatientSummary:
    values = dict(patient_id="1", patient_number="02448128", bsn="999999096", initials="B.J.J.", given_name=None,
                  birth_name_prefix="van der", birth_name="Test", partner_name_prefix=None, partner_name="Jansen",
                  birth_date=date(1955, 5, 5), sex=Sex.MALE, consent=True)
    values.update(fields)
    return PatientSummary(**values)


def test_other_fields_filled_in_narrow_the_search():
    form = parse_search({"bsn": "999999096", "birth_name": "VANDERtest", "sex": "male", "partner_name": "jans"}, TODAY)
    assert set(form.refinements.values) == {"birth_name", "sex", "partner_name"}
    assert form.refinements.match_summary(_patient())
    assert not form.refinements.match_summary(_patient(sex=Sex.FEMALE))
    assert not form.refinements.match_summary(_patient(partner_name=None))


def test_address_refinement():
    form = parse_search({"patient_number": "02448128", "postcode": "7513 ER", "house_number": "55"}, TODAY)
    assert form.refinements.needs_address
    assert form.refinements.match_address("7513ER", 55)
    assert not form.refinements.match_address("7513ER", 57)


def test_audit_details_hold_the_criteria_as_typed():
    form = parse_search({"bsn": "999999096", "birth_name": "Test"}, TODAY)
    assert form.audit_details() == {"kind": "bsn", "bsn": "999999096", "birth_name": "Test"}


@pytest.mark.parametrize("bsn, ok", [("999999096", True), ("99999909", False), ("12345678", False),
                                     ("1234567890", False)])
def test_bsn_length_and_elfproef(bsn, ok):
    form = parse_search({"bsn": bsn}, TODAY)
    assert form.valid is ok
    if not ok:
        assert "bsn" in form.errors


def test_field_errors_stop_the_search_and_are_all_reported():
    form = parse_search({"bsn": "123456789", "postcode": "ABCD 12", "house_number": "0"}, TODAY)
    assert not form.valid and set(form.errors) == {"bsn", "postcode", "house_number"}


@pytest.mark.parametrize("typed, number, addition", [
    ("7", 7, None), ("7a", 7, "a"), ("7 A", 7, "a"), ("7-2", 7, "2"), ("7 - 2", 7, "2"), ("7/2", 7, "2"),
    ("120bis", 120, "bis")])
def test_a_house_number_is_parsed_into_number_and_addition(typed, number, addition):
    form = parse_search({"postcode": "7513 ER", "house_number": typed}, TODAY)
    assert form.criteria.house_number == number
    wanted = form.refinements.values.get("house_number")
    assert (wanted.addition if wanted else None) == addition


def test_a_typed_addition_must_match_the_patients_addition():
    form = parse_search({"postcode": "7513 ER", "house_number": "7-2"}, TODAY)
    assert form.refinements.needs_address
    assert form.refinements.match_address("7513ER", 7, "-2")
    assert form.refinements.match_address("7513ER", 7, "2")
    assert not form.refinements.match_address("7513ER", 7, "a")
    assert not form.refinements.match_address("7513ER", 7, None)
    assert not form.refinements.match_address("7513ER", 8, "-2")


def test_a_bare_number_matches_every_addition():
    form = parse_search({"postcode": "7513 ER", "house_number": "7"}, TODAY)
    assert not form.refinements.needs_address
