"""Property: whatever a provider does in several tabs of one browser — select a patient,
open an item, check or send a form — nothing is ever recorded, sent or shown for a patient
other than the one whose page the request came from.

Runs at MST, where Aanvragen really send to the EPD: each step counts the orders of every
patient in the EPD and the audit records written, before and after.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.audit.models import AuditRecord
from support.access import context_of_page
from support.screens import csrf, find_demo, open_patient

TABS = 3
step = st.tuples(st.sampled_from(["select", "open", "check", "send"]), st.integers(0, TABS - 1), st.integers(0, 2))


def _audit_since(platform, seq: int) -> list:
    with platform.database.session() as db:
        return list(db.execute(select(AuditRecord).where(AuditRecord.tenant_id == "mst", AuditRecord.seq > seq)
                               .order_by(AuditRecord.seq)).scalars())


def _last_seq(platform) -> int:
    records = _audit_since(platform, 0)
    return records[-1].seq if records else 0


@pytest.mark.slow
def test_no_request_ever_acts_on_another_patient_than_its_page(platform, login_as, demo_epd):
    app = platform.apps["mst"]
    connector = app.extensions["portal.connector"]
    demo = find_demo(connector, 300)
    patients = demo.mine[5:8]
    names = {p.patient_id: p.display_name for p in patients}
    assert len(set(names.values())) == len(patients)
    seen = {"own": 0, "other": 0}  # both branches must be exercised, or the test proves little

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=st.lists(step, min_size=2, max_size=8))
    # The two-tab sequence of the defect, always among the examples.
    @example(steps=[("select", 0, 0), ("select", 1, 1), ("check", 0, 0), ("send", 0, 0), ("send", 1, 0)])
    def check(steps):
        client = app.test_client()
        login_as(client, demo.account())
        tabs: dict[int, tuple] = {}  # tab -> (patient, the HTML of the page it shows)
        for kind, tab, who in steps:
            if kind == "select":
                open_patient(client, patients[who])
                tabs[tab] = (patients[who], client.get("/aanvragen/").get_data(as_text=True))
                continue
            if tab not in tabs:
                continue
            patient, html = tabs[tab]
            with client.session_transaction() as session:
                selected = session.get("selected_patient")
            fields = {"csrf_token": csrf(client), "patient_context": context_of_page(html), "test": "LAB-BB",
                      "clinical_question": "Controle Hb"}
            orders_before = {p.patient_id: len(connector.list_orders(p.patient_id)) for p in patients}
            seq = _last_seq(platform)
            if kind == "open":
                response = client.get("/aanvragen/nieuw", query_string={"patient_context": fields["patient_context"]})
            else:
                response = client.post("/aanvragen/nieuw" if kind == "check" else "/aanvragen/versturen", data=fields)
            body = response.get_data(as_text=True)
            orders_after = {p.patient_id: len(connector.list_orders(p.patient_id)) for p in patients}
            written = _audit_since(platform, seq)
            seen["own" if patient.patient_id == selected else "other"] += 1
            if patient.patient_id == selected:
                assert response.status_code in (200, 302), (kind, response.status_code)
                if response.status_code == 200:
                    assert names[patient.patient_id] in body
                    assert not any(name in body for pid, name in names.items() if pid != patient.patient_id)
                sent = 1 if kind == "send" else 0
                assert orders_after == {**orders_before, patient.patient_id: orders_before[patient.patient_id] + sent}
                assert written and all(r.patient_number == patient.patient_number for r in written)
            else:
                assert response.status_code == 409, (kind, response.status_code)
                assert "Er is niets opgeslagen, verstuurd of getoond." in body
                assert orders_after == orders_before
                assert written == []
            if response.status_code == 200:
                tabs[tab] = (patient, body)  # the tab now shows this page (same patient)

    check()
    assert seen["own"] > 0 and seen["other"] > 0, seen
