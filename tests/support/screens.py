"""What a provider does on the screens, as test helpers, and the demo people to do it with."""
from __future__ import annotations

import re
from dataclasses import dataclass

from portal.epd.models import PatientSummary, RelationKind

from .access import confirm_fields


@dataclass(frozen=True)
class Demo:
    """A demo GP (personal and practice AGB) and patients whose relation to them is known."""

    gp_agb: str
    practice_agb: str
    #: Consenting, living patients with a BSN, registered with this GP; richest in care events first.
    mine: tuple[PatientSummary, ...]
    #: One of ``mine`` with a partner name.
    with_partner: PatientSummary
    #: A patient of this GP's practice who did not consent.
    without_consent: PatientSummary
    #: Consenting, living patients with no relation to this GP or practice.
    strangers: tuple[PatientSummary, ...]

    @property
    def patient(self) -> PatientSummary:
        return self.mine[0]

    def account(self) -> dict:
        return {"agb_code": self.gp_agb, "practice_agb": self.practice_agb, "name": "Dr. H. Demo"}


def find_demo(connector, patient_count: int) -> Demo:
    """Pick the demo GP with the most consenting patients (one with a partner name among them)."""
    # Patient 1 is left out: the access tests rewrite its consent and relations.
    patients = [connector.get_patient_summary(str(n)) for n in range(2, patient_count + 1)]

    def gp_of(p):
        return next((r for r in p.relations if r.kind is RelationKind.REGISTERED_GP), None)

    by_gp: dict[tuple[str, str], list[PatientSummary]] = {}
    for p in patients:
        rel = gp_of(p)
        if rel and p.consent and not p.deceased and p.bsn:
            by_gp.setdefault((rel.agb_code, rel.practice_agb), []).append(p)
    (agb, practice), mine = max(((k, v) for k, v in by_gp.items() if any(p.partner_name for p in v)),
                                key=lambda kv: len(kv[1]))
    mine.sort(key=lambda p: -care_event_count(connector, p.patient_id))
    strangers = tuple(p for p in patients if p.consent and not p.deceased and p.bsn and not any(
        {r.agb_code, r.practice_agb} & {agb, practice} for r in p.relations))
    without = next(p for p in patients if not p.consent and p.bsn and gp_of(p) and gp_of(p).practice_agb == practice)
    return Demo(gp_agb=agb, practice_agb=practice, mine=tuple(mine),
                with_partner=next(p for p in mine if p.partner_name),
                without_consent=without, strangers=strangers)


def care_event_count(connector, patient_id: str) -> int:
    return sum(len(getattr(connector, m)(patient_id)) for m in
               ("list_appointments", "list_admissions", "list_emergency_registrations", "list_operations"))


def text(response) -> str:
    """The response body with whitespace collapsed (templates wrap long sentences)."""
    return " ".join(response.get_data(as_text=True).split())


def csrf(client) -> str:
    html = client.get("/patient-zoeken").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the search page"
    return match.group(1)


def search(client, **fields):
    """POST the Patiënt zoeken form (with its CSRF token); returns the response."""
    return client.post("/patient-zoeken", data={"csrf_token": csrf(client), **fields})


def choose_tokens(html: str) -> list[str]:
    """The "Kies deze patiënt" tokens of a patient list, in page order."""
    return re.findall(r'name="patient" value="([^"]+)"', html)


def choose(client, token: str):
    return client.post("/patient/kiezen", data={"patient": token, "csrf_token": csrf(client)})


def open_patient(client, patient: PatientSummary, reason: str | None = None):
    """Find ``patient`` by BSN, "Kies deze patiënt", then "Ga verder met deze patiënt"
    (with a reason for the noodprocedure); returns that last response."""
    response = search(client, bsn=patient.bsn)
    assert response.status_code == 200
    [token] = choose_tokens(response.get_data(as_text=True))
    assert choose(client, token).status_code == 302
    data = confirm_fields(client)
    if reason is not None:
        data["reason"] = reason
    response = client.post("/patient/bevestigen", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-400:]
    return response


def epd_down(monkeypatch, connector, method: str) -> None:
    """Make ``connector.method`` fail as an unreachable EPD does."""
    from portal.epd.errors import EpdUnavailable

    def down(*args, **kwargs):
        raise EpdUnavailable("test: EPD down")

    monkeypatch.setattr(connector, method, down)

