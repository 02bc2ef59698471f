"""Patiënt zoeken by each criterion of the manual, then choosing the patient found."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from portal.core.formatting import nl_date, nl_sex
from support.flows import login, result_row, search


def _criteria(case, kind: str) -> tuple[dict[str, str], object]:
    """The form fields for ``kind`` and the patient they must find."""
    details = case.patient
    patient = details.summary
    if kind == "patient_number":
        return {"patient_number": patient.patient_number}, patient
    if kind == "bsn":
        return {"bsn": patient.bsn}, patient
    if kind == "birth_name":
        return {"birth_name": patient.birth_name, "birth_date": nl_date(patient.birth_date),
                "sex": nl_sex(patient.sex)}, patient
    if kind == "partner_name":
        partner = case.partner_patient
        return {"partner_name": partner.partner_name, "birth_date": nl_date(partner.birth_date),
                "sex": nl_sex(partner.sex)}, partner
    assert kind == "address"
    return {"postcode": details.address.postcode, "house_number": str(details.address.house_number)}, patient


@pytest.mark.parametrize("kind", ["patient_number", "bsn", "birth_name", "partner_name", "address"])
def test_search_by_each_criterion_finds_the_patient(portal, page, tenant_id, case, kind):
    fields, expected = _criteria(case, kind)
    login(page, portal.office, tenant_id, case.account_name)
    search(page, portal.office, tenant_id, **fields)
    row = result_row(page, expected.display_name)
    expect(row.first).to_contain_text(nl_date(expected.birth_date))
    address_bar = urlsplit(page.url)
    for value in fields.values():  # the criteria never travel in the address bar (path or query)
        assert value not in address_bar.path + "?" + address_bar.query
    row.first.get_by_role("button", name="Kies deze patiënt").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ga verder met deze patiënt")
    page.get_by_role("button", name="Ga verder met deze patiënt").click()
    expect(page.get_by_test_id("patient-banner")).to_contain_text(expected.display_name)
    assert page.problems == []


def test_search_with_too_few_criteria_says_so(portal, page, tenant_id, case):
    login(page, portal.office, tenant_id, case.account_name)
    search(page, portal.office, tenant_id, birth_name=case.patient.summary.birth_name)
    expect(page.get_by_role("alert").first).to_be_visible()
    expect(page.locator("table tbody tr")).to_have_count(0)
