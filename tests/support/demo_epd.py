"""Writing extra approved records into a tenant's demo EPD (real connector, real database),
for data the generator leaves to chance: results exactly at a reference limit, results just
inside and outside the graph's 12 months, an infection risk."""
from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import select

from portal.db import make_engine
from portal_connectors.demo.schema import meta, records


def add_record(connector, patient_id: str, kind: str, payload: dict, moment: datetime) -> str:
    """Store an approved record of ``kind`` for the patient, its dates given in real time
    (the demo EPD stores them on its anchor's time line); returns the record id."""
    engine = make_engine(connector.database_url)
    with engine.begin() as conn:
        anchor = date.fromisoformat(conn.execute(select(meta.c.value).where(meta.c.key == "anchor")).scalar_one())
        shift = date.today() - anchor

        def stored(value):
            if isinstance(value, datetime):
                return (value - shift).isoformat(timespec="minutes")
            if isinstance(value, date):
                return (value - shift).isoformat()
            return value

        body = {key: stored(value) for key, value in payload.items()}
        new_id = conn.execute(records.insert().values(
            patient_id=int(patient_id), kind=kind, approved=True, starts_at=stored(moment), ends_at=None,
            payload=json.dumps(body, ensure_ascii=False))).inserted_primary_key[0]
    engine.dispose()
    return str(new_id)


def lab_payload(test: str, value: float, low: float | None, high: float | None, sampled_at: datetime,
                ordered_by: str = "hospital") -> dict:
    return {"test": test, "group": "Klinische chemie", "value": f"{value}", "numeric_value": value, "unit": "mmol/l",
            "reference_low": low, "reference_high": high, "reference_text": f"{low} - {high}", "sampled_at": sampled_at,
            "reported_at": sampled_at, "ordered_by": ordered_by, "code": None}


def last_audit_record(platform, tenant_id: str, action: str | None = None):
    """The newest audit record of ``tenant_id`` (of ``action`` if given), read in a session
    of its own that is closed at once (an open read would hold an old snapshot)."""
    from portal.audit.models import AuditRecord

    with platform.database.session() as session:
        query = select(AuditRecord).where(AuditRecord.tenant_id == tenant_id)
        if action is not None:
            query = query.where(AuditRecord.action == action)
        found = session.execute(query.order_by(AuditRecord.seq.desc()).limit(1)).scalar_one()
        session.expunge(found)
        return found
