"""The noodprocedure: a GP at a huisartsenpost opens the record of a patient with whom no
treatment relation is known, giving a reason that is logged; at the practice the same
patient is not even listed."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from portal.audit.models import AuditRecord
from support.flows import login, result_row, search

REASON = "Patiënt op de HAP met pijn op de borst, medicatie onbekend"


def _emergency_records(portal, tenant_id: str, patient) -> list[AuditRecord]:
    with portal.platform.database.session() as session:
        return list(session.scalars(select(AuditRecord).where(
            AuditRecord.tenant_id == tenant_id, AuditRecord.action == "emergency_access",
            AuditRecord.patient_number == patient.patient_number)))


def test_noodprocedure_from_a_hap_address(portal, page, tenant_id, case):
    stranger = case.stranger
    before = len(_emergency_records(portal, tenant_id, stranger))
    login(page, portal.hap, tenant_id, case.account_name)
    search(page, portal.hap, tenant_id, patient_number=stranger.patient_number)
    row = result_row(page, stranger.display_name).first
    expect(row).to_contain_text("noodprocedure")
    row.get_by_role("button", name="Kies deze patiënt").click()

    expect(page.get_by_role("note")).to_contain_text("geen behandelrelatie bekend")
    reason = page.get_by_label("Waarom wilt u dit dossier bekijken?")
    expect(reason).to_have_attribute("required", "")
    reason.fill(REASON)
    page.get_by_role("button", name="Ga verder met deze patiënt").click()

    expect(page.get_by_test_id("patient-banner")).to_contain_text(stranger.display_name)
    expect(page.get_by_role("heading", level=1)).to_have_text("Patiëntinformatie")
    records = _emergency_records(portal, tenant_id, stranger)
    assert len(records) == before + 1
    assert REASON in records[-1].grounds and records[-1].network_address.startswith("127.")
    assert page.problems == []


def test_outside_a_hap_the_stranger_is_not_listed(portal, page, tenant_id, case):
    stranger = case.stranger
    login(page, portal.office, tenant_id, case.account_name)
    search(page, portal.office, tenant_id, patient_number=stranger.patient_number)
    expect(page.get_by_role("heading", level=1)).to_have_text("Patiënt zoeken")
    expect(result_row(page, stranger.display_name)).to_have_count(0)
    expect(page.get_by_role("button", name="Kies deze patiënt")).to_have_count(0)
