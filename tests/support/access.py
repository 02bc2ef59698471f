"""Helpers for tests that shape a demo patient's access facts and walk the patient choice."""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import delete, insert, select, update

from portal.db import make_engine
from portal_connectors.demo.schema import meta, patients, relations

HAP_ADDRESS = {"zgt": "10.88.4.20", "mst": "10.77.4.20"}
OFFICE_ADDRESS = "192.0.2.10"


class PatientFacts:
    """Rewrites one demo patient's consent and treatment relations in the demo EPD itself."""

    def __init__(self, connector, patient_id: str):
        self.connector = connector
        self.patient_id = int(patient_id)
        self.engine = make_engine(connector.database_url)
        with self.engine.connect() as conn:
            self.anchor = date.fromisoformat(conn.execute(select(meta.c.value).where(meta.c.key == "anchor")).scalar())

    def set(self, *, consent: bool, relations_: list[dict]) -> None:
        """``relations_``: dicts with kind, agb_code, practice_agb and day offsets from today
        (``from_days``/``until_days``, None = open)."""
        def stored(offset):
            return None if offset is None else (self.anchor + timedelta(days=offset)).isoformat()

        with self.engine.begin() as conn:
            conn.execute(update(patients).where(patients.c.id == self.patient_id).values(consent=consent))
            conn.execute(delete(relations).where(relations.c.patient_id == self.patient_id))
            next_id = (conn.execute(select(relations.c.id).order_by(relations.c.id.desc()).limit(1)).scalar() or 0) + 1
            for n, rel in enumerate(relations_):
                conn.execute(insert(relations).values(
                    id=next_id + n, patient_id=self.patient_id, kind=rel["kind"], agb_code=rel.get("agb_code"),
                    practice_agb=rel.get("practice_agb"), valid_from=stored(rel.get("from_days")),
                    valid_until=stored(rel.get("until_days"))))

    def close(self) -> None:
        self.engine.dispose()


def offer_and_choose(client, patient_id: str):
    """Put ``patient_id`` in the session as if a result list offered it, then choose it."""
    with client.session_transaction() as session:
        session["offered_patients"] = {"tok": patient_id}
    return client.post("/patient/kiezen", data={"patient": "tok", "csrf_token": csrf(client)})


def csrf(client) -> str:
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', html)
    assert match, "no CSRF token on the home page"
    return match.group(1)


#: A page behind the login: anonymous requests are sent to /login (the home page is public).
PRIVATE_PAGE = "/patient/bevestigen"


def is_logged_in(client) -> bool:
    """Is ``client`` logged in? (Asks a page behind the login whether it sends us to /login.)"""
    response = client.get(PRIVATE_PAGE)
    return not (response.status_code == 302 and response.headers["Location"].endswith("/login"))


CONTEXT_TOKEN = "ctx-test"


def bind_context(session, patient_id: str, name: str = "Test", birth_date: str = "01-01-1970") -> str:
    """Record in ``session`` (a ``session_transaction``) that a page of ``patient_id`` was
    shown, as the guard does; returns its context token for a form field or item link."""
    contexts = dict(session.get("patient_contexts") or {})
    token = f"{CONTEXT_TOKEN}-{patient_id}"
    contexts[token] = {"patient_id": patient_id, "display_name": name, "birth_date": birth_date}
    session["patient_contexts"] = contexts
    return token


def context_of_page(html: str) -> str:
    """The patient context token in a page's forms or item links."""
    match = re.search(r'patient_context(?:" value="|=)([A-Za-z0-9_-]+)', html)
    assert match, "no patient context on the page"
    return match.group(1)


def confirm_fields(client) -> dict[str, str]:
    """The hidden fields of the "Ga verder met deze patiënt" form as the page renders them
    for the chosen patient (CSRF token and patient context)."""
    html = client.get("/patient/bevestigen").get_data(as_text=True)
    return {"csrf_token": csrf(client), "patient_context": context_of_page(html)}


def selected_context(client) -> dict[str, str]:
    """``{"patient_context": token}`` of the selected patient, as its pages carry it (for a
    form or an item link a test builds itself)."""
    with client.session_transaction() as session:
        return {"patient_context": session["selected_patient_banner"]["context"]}
