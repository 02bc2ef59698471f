"""A small generated demo EPD per tenant and the demo people the screen tests work with.

``demo_epd`` generates, once per run, a 150-patient demo EPD for every tenant (the tenant's
own seed) where its connector looks for it. ``demo`` picks, per tenant, a demo GP and
patients in known relation to that GP; ``open_patient`` walks the real patient choice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from portal.db import make_engine
from portal.epd.models import PatientSummary, RelationKind
from portal_connectors.demo.generator import generate

DEMO_PATIENTS = 150
HAP_ADDRESS = {"zgt": "10.88.4.20", "mst": "10.77.4.20"}
OFFICE_ADDRESS = "192.0.2.10"


@pytest.fixture(scope="session")
def demo_epd(platform):
    for app in platform.apps.values():
        connector = app.extensions["portal.connector"]
        engine = make_engine(connector.database_url)
        generate(engine, seed=connector.seed, patient_count=DEMO_PATIENTS)
        engine.dispose()
    return platform


@dataclass(frozen=True)
class Demo:
    """A demo GP (personal and practice AGB) and patients whose relation to them is known."""

    gp_agb: str
    practice_agb: str
    #: Consenting patients with this GP as registered GP, the richest in care events first.
    mine: tuple[PatientSummary, ...]
    #: Consenting, with a partner name, registered with this GP.
    with_partner: PatientSummary
    #: This GP's registered patient who did not consent.
    without_consent: PatientSummary
    #: Consenting patients with no relation to this GP or practice.
    strangers: tuple[PatientSummary, ...]

    @property
    def patient(self) -> PatientSummary:
        return self.mine[0]

    def account(self) -> dict:
        return {"agb_code": self.gp_agb, "practice_agb": self.practice_agb, "name": "Dr. H. Demo"}


_demos: dict[str, Demo] = {}


def _care_event_count(connector, patient_id: str) -> int:
    return sum(len(getattr(connector, m)(patient_id)) for m in
               ("list_appointments", "list_admissions", "list_emergency_registrations", "list_operations"))


@pytest.fixture
def demo(app, demo_epd) -> Demo:
    tenant_id = app.extensions["portal.tenant"].id
    if tenant_id not in _demos:
        connector = app.extensions["portal.connector"]
        patients = [connector.get_patient_summary(str(n)) for n in range(1, DEMO_PATIENTS + 1)]

        def gp_of(p):
            return next((r for r in p.relations if r.kind is RelationKind.REGISTERED_GP), None)

        # The GP with most consenting, living patients that have a BSN and a partner name among them.
        by_gp: dict[tuple[str, str], list[PatientSummary]] = {}
        for p in patients:
            rel = gp_of(p)
            if rel and p.consent and not p.deceased and p.bsn:
                by_gp.setdefault((rel.agb_code, rel.practice_agb), []).append(p)
        (agb, practice), mine = max(((k, v) for k, v in by_gp.items() if any(p.partner_name for p in v)),
                                    key=lambda kv: len(kv[1]))
        mine.sort(key=lambda p: -_care_event_count(connector, p.patient_id))
        strangers = tuple(p for p in patients if p.consent and not p.deceased and not any(
            {r.agb_code, r.practice_agb} & {agb, practice} for r in p.relations))
        without = next(p for p in patients if not p.consent and gp_of(p) and gp_of(p).practice_agb == practice)
        _demos[tenant_id] = Demo(gp_agb=agb, practice_agb=practice, mine=tuple(mine),
                                 with_partner=next(p for p in mine if p.partner_name),
                                 without_consent=without, strangers=strangers)
    return _demos[tenant_id]


class Ui:
    """What a provider does in the browser, as test helpers (the ``ui`` fixture)."""

    HAP_ADDRESS = HAP_ADDRESS
    OFFICE_ADDRESS = OFFICE_ADDRESS

    @staticmethod
    def csrf(client) -> str:
        return csrf(client)

    @staticmethod
    def search(client, **fields):
        return search(client, **fields)

    @staticmethod
    def choose_tokens(html: str) -> list[str]:
        return choose_tokens(html)

    @staticmethod
    def open_patient(client, patient, reason=None):
        return open_patient(client, patient, reason)


@pytest.fixture
def ui() -> type[Ui]:
    return Ui


def csrf(client) -> str:
    html = client.get("/patient-zoeken").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the search page"
    return match.group(1)


def search(client, **fields):
    """POST the Patiënt zoeken form (with its CSRF token); returns the response."""
    return client.post("/patient-zoeken", data={"csrf_token": csrf(client), **fields})


def choose_tokens(html: str) -> list[str]:
    """The "Kies deze patiënt" tokens of a result list, in page order."""
    return re.findall(r'name="patient" value="([^"]+)"', html)


def open_patient(client, patient: PatientSummary, reason: str | None = None):
    """Find ``patient`` by BSN, "Kies deze patiënt", then "Ga verder met deze patiënt"
    (with a reason for the noodprocedure); returns the final response."""
    response = search(client, bsn=patient.bsn)
    assert response.status_code == 200
    [token] = choose_tokens(response.get_data(as_text=True))
    response = client.post("/patient/kiezen", data={"patient": token, "csrf_token": csrf(client)})
    assert response.status_code == 302
    data = {"csrf_token": csrf(client)}
    if reason is not None:
        data["reason"] = reason
    return client.post("/patient/bevestigen", data=data)


@pytest.fixture
def gp(client, login_as, demo):
    """``client`` logged in as the demo GP (from an ordinary practice address)."""
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    login_as(client, demo.account())
    return client
