"""The inzagelog API through nginx with mutual TLS: the hospital's patient portal presents its
client certificate in the TLS handshake, nginx verifies it (its CA and CRL are in the client
bundles beside the UZI CAs) and forwards it, the portal accepts it by the fingerprint the
tenant YAML lists. Without it, or with a GP's card instead, nothing is returned."""
from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import text

BODY = {"bsn": "999990019", "from": (date.today() - timedelta(days=30)).isoformat(),
        "to": (date.today() + timedelta(days=1)).isoformat()}


def last_api_record(stack) -> tuple[str, str | None, dict]:
    with stack.platform.database.engine.connect() as conn:
        row = conn.execute(text("SELECT outcome, user_name, details FROM audit_log WHERE tenant_id = 'zgt' "
                                "AND action = 'export' ORDER BY seq DESC LIMIT 1")).one()
    details = row.details if isinstance(row.details, dict) else json.loads(row.details or "{}")
    return row.outcome, row.user_name, details


def test_the_patient_portal_calls_with_its_client_certificate(stack):
    with stack.client(certificate=stack.api_client) as patient_portal:
        answer = patient_portal.post("/api/inzagelog", json=BODY)
    assert answer.status_code == 200, answer.text
    assert answer.json()["resourceType"] == "Bundle"
    outcome, caller, details = last_api_record(stack)
    assert (outcome, caller, details["format"]) == ("success", "Patiëntenportaal ZGT", "fhir")


def test_without_the_certificate_nothing_is_returned(stack):
    forged = stack.api_client.pem.replace("\n", "%0A")
    for client, headers in ((stack.client(), {}),                                   # no certificate
                            (stack.client(card=True), {}),                          # a GP's card
                            (stack.client(), {"X-SSL-Client-Cert": forged})):       # the header forged
        with client:
            answer = client.post("/api/inzagelog", json=BODY, headers=headers)
        assert answer.status_code == 403 and "entry" not in answer.json(), answer.text
        outcome, caller, details = last_api_record(stack)
        assert (outcome, caller) == ("denied", None)
        assert details["code"] in ("certificate_missing", "certificate_unknown")
