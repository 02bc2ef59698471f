"""POST /afdrukken, what the "Afdrukken" button of a patient page calls before it opens the
print dialog: a PRINT record in the audit log, or a refusal (and then nothing is printed)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from portal.access import guard
from portal.audit import Action, AuditWriteError
from support.access import OFFICE_ADDRESS
from support.screens import open_patient


@pytest.fixture
def printer(client, login_as, demo):
    """``(client, account)``: the demo GP with their patient opened on Patiëntinformatie."""
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    account = login_as(client, demo.account())
    open_patient(client, demo.patient)
    return client, account


def button(client, url: str = "/patientinformatie") -> dict[str, str]:
    """What the page's Afdrukken button sends: its CSRF token (meta tag), patient context and title."""
    html = client.get(url).get_data(as_text=True)
    found = {name: re.search(pattern, html).group(1) for name, pattern in (
        ("csrf", r'<meta name="csrf-token" content="([^"]+)"'),
        ("patient_context", r'data-patient-context="([^"]+)"'),
        ("title", r'data-print-title="([^"]*)"'))}
    return found


def post_print(client, fields: dict[str, str], **changes):
    fields = {**fields, **changes}
    headers = {"X-CSRFToken": fields.pop("csrf")} if fields.get("csrf") else {}
    fields.pop("csrf", None)
    return client.post("/afdrukken", data=fields, headers=headers)


def print_rows(platform, tenant_id: str, uzi: str) -> list:
    with platform.database.engine.connect() as conn:
        return conn.execute(text("SELECT data, outcome, patient_bsn, patient_number, user_name FROM audit_log "
                                 "WHERE tenant_id = :t AND action = :a AND user_uzi = :u ORDER BY seq"),
                            {"t": tenant_id, "a": Action.PRINT.value, "u": uzi}).all()


def test_afdrukken_records_the_print_of_the_page(printer, demo, platform, tenant_id):
    client, account = printer
    fields = button(client, "/uitslagen/lab")
    assert fields["title"] == "Labuitslagen"
    response = post_print(client, fields)
    assert response.status_code == 204, response.get_data(as_text=True)[:300]
    [row] = print_rows(platform, tenant_id, account.uzi_number)
    assert row.data == "Afdrukken: Labuitslagen" and row.outcome == "success"
    assert (row.patient_bsn, row.patient_number) == (demo.patient.bsn, demo.patient.patient_number)
    assert row.user_name == account.name


def test_the_title_is_one_short_line_of_text(printer, platform, tenant_id):
    client, account = printer
    response = post_print(client, button(client), title="Labuitslagen\x00\n\t" + "x" * 500)
    assert response.status_code == 204
    [row] = print_rows(platform, tenant_id, account.uzi_number)
    assert row.data.startswith("Afdrukken: Labuitslagen x") and len(row.data) == len("Afdrukken: ") + 200


def test_without_the_csrf_header_nothing_is_recorded(printer, platform, tenant_id):
    client, account = printer
    fields = button(client)
    for token in (None, "forged-token"):
        response = post_print(client, fields, csrf=token)
        assert response.status_code == 400
    assert print_rows(platform, tenant_id, account.uzi_number) == []


def test_a_print_writes_one_record_and_no_view_record(printer, platform, tenant_id):
    """The guard writes the PRINT record itself (patient_view(action=PRINT)): a print is
    one record, not a view plus a print."""
    client, account = printer
    fields = button(client)
    with platform.database.engine.connect() as conn:
        before = conn.execute(text("SELECT max(seq) FROM audit_log WHERE tenant_id = :t"), {"t": tenant_id}).scalar()
    assert post_print(client, fields).status_code == 204
    with platform.database.engine.connect() as conn:
        written = conn.execute(text("SELECT action FROM audit_log WHERE tenant_id = :t AND seq > :s"),
                               {"t": tenant_id, "s": before}).scalars().all()
    assert written == ["print"]


def test_no_print_when_no_audit_record_can_be_written_at_all(printer, platform, tenant_id, monkeypatch):
    client, account = printer
    fields = button(client)

    def broken(event, *args, **kwargs):
        raise AuditWriteError("database down")

    monkeypatch.setattr(guard, "record", broken)
    assert post_print(client, fields).status_code == 503
    assert print_rows(platform, tenant_id, account.uzi_number) == []


def test_a_page_of_another_patient_is_not_printed_as_the_selected_one(printer, demo, platform, tenant_id):
    """Tab A shows patient X; tab B selects Y; Afdrukken in tab A must not log a print of Y."""
    client, account = printer
    tab_a = button(client)
    open_patient(client, demo.mine[1])  # tab B
    assert post_print(client, tab_a).status_code == 409
    for missing in ("", "forged"):
        assert post_print(client, tab_a, patient_context=missing).status_code == 409
    assert print_rows(platform, tenant_id, account.uzi_number) == []
    assert post_print(client, button(client)).status_code == 204  # tab B's own page prints


def test_nothing_is_recorded_without_a_selected_patient(printer, platform, tenant_id):
    client, account = printer
    fields = button(client)
    with client.session_transaction() as session:
        session.pop(guard.SELECTED)
    assert post_print(client, fields).status_code != 204
    assert print_rows(platform, tenant_id, account.uzi_number) == []
