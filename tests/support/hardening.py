"""Fixtures and helpers for the hardening suites (tests/security, tests/faults, tests/multinode).

They walk each tenant app's url_map rather than naming pages, so every screen merged
later is covered without touching these tests:

- ``hardening_epd``: the demo EPD of every tenant (generated only when missing, so it
  does not disturb other suites sharing the same files);
- ``selected``: a logged-in GP with demo patient 1 selected through the real flow;
- ``page_urls(app)`` / ``post_rules(app)``: concrete URLs for every GET route and the POST
  routes; ``forms_on(html)``: the forms a page offers, with their fields;
- ``row_counts(platform, app)``: row counts of every portal table and of the tenant's demo
  EPD, to prove that refused input changed nothing.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, inspect, select

from portal.db import make_engine
from portal.models import metadata
from portal_connectors.demo.accounts import sync_accounts
from portal_connectors.demo.generator import generate
from portal_connectors.demo.schema import metadata as demo_metadata
from portal_connectors.demo.schema import patients
from support.access import OFFICE_ADDRESS, PatientFacts, confirm_fields, csrf, offer_and_choose

PATIENT_ID = "1"
#: Sample values for URL arguments (item ids); any that do not exist must answer 404.
SAMPLE_ARGUMENTS = {"filename": "theme.css"}
_agb = itertools.count(2_000_000)


@pytest.fixture(scope="session")
def hardening_epd(platform):
    """Every demo tenant's EPD, generated (150 patients) only when it has no patients yet."""
    for app in platform.apps.values():
        connector = app.extensions["portal.connector"]
        engine = make_engine(connector.database_url)
        try:
            with engine.connect() as conn:
                present = inspect(conn).has_table("patients") and conn.execute(
                    select(func.count()).select_from(patients)).scalar()
            if not present:
                generate(engine, seed=connector.seed, patient_count=150)
        finally:
            engine.dispose()
        with platform.database.session() as session:
            sync_accounts(connector, session)
    return platform


@dataclass
class Selected:
    client: object
    account: object
    patient: object  # the PatientSummary, to look for leaks of its identifiers


@pytest.fixture
def selected(client, app, login_as, hardening_epd):
    """``client`` logged in as a GP with a registered_gp relation to demo patient 1, that
    patient selected ("Ga verder met deze patiënt"), from an ordinary practice address."""
    connector = app.extensions["portal.connector"]
    agb = f"01{next(_agb) % 1_000_000:06d}"
    facts = PatientFacts(connector, PATIENT_ID)
    facts.set(consent=True, relations_=[{"kind": "registered_gp", "agb_code": agb}])
    account = login_as(client, {"agb_code": agb})
    client.environ_base["REMOTE_ADDR"] = OFFICE_ADDRESS
    assert offer_and_choose(client, PATIENT_ID).status_code == 302
    response = client.post("/patient/bevestigen", data={**confirm_fields(client), "csrf_token": csrf(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[-400:]
    yield Selected(client, account, connector.get_patient_summary(PATIENT_ID))
    facts.close()


def _url(app, rule, values: dict) -> str:
    with app.test_request_context(base_url=f"http://{next(iter(app.extensions['portal.tenant'].hostnames))}"):
        from flask import url_for

        return url_for(rule.endpoint, **values)


def page_urls(app, sample: str = "1") -> list[tuple[str, str]]:
    """(endpoint, URL) of every GET route, URL arguments filled with ``sample``."""
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        values = {arg: SAMPLE_ARGUMENTS.get(arg, sample) for arg in rule.arguments}
        urls.append((rule.endpoint, _url(app, rule, values)))
    return urls


def post_rules(app, sample: str = "1") -> list[tuple[str, str]]:
    """(endpoint, URL) of every POST route."""
    return [(rule.endpoint, _url(app, rule, {arg: sample for arg in rule.arguments}))
            for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule) if "POST" in rule.methods]


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str]  # name -> value as rendered (hidden fields keep theirs)
    kinds: dict[str, str]   # name -> input type / "select" / "textarea"


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower(), {}, {}))
        elif self.forms and tag in ("input", "textarea", "select") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            if kind in ("submit", "button", "image", "reset"):
                return
            form = self.forms[-1]
            if kind in ("radio", "checkbox") and a["name"] in form.fields and "checked" not in a:
                return
            form.fields[a["name"]] = a.get("value", "")
            form.kinds[a["name"]] = kind
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and self._select and self.forms:
            form = self.forms[-1]
            if not form.fields.get(self._select) or "selected" in a:
                form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def forms_on(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def row_counts(platform, app) -> dict[str, int]:
    """Rows per table of the portal database and of ``app``'s demo EPD."""
    counts = {}
    with platform.database.engine.connect() as conn:
        for table in metadata.sorted_tables:
            counts[table.name] = conn.execute(select(func.count()).select_from(table)).scalar()
    engine = make_engine(app.extensions["portal.connector"].database_url)
    try:
        with engine.connect() as conn:
            for table in demo_metadata.sorted_tables:
                counts[f"epd.{table.name}"] = conn.execute(select(func.count()).select_from(table)).scalar()
    finally:
        engine.dispose()
    return counts


#: What an error page must never show: internals of Python, Flask, SQL or the database.
INTERNALS = re.compile(r"Traceback|File \"|sqlalchemy|psycopg|sqlite3|werkzeug|jinja2|"
                       r"Internal Server Error|Bad Request|Method Not Allowed|OperationalError", re.I)


def token_on(client, path: str = "/login") -> str:
    """The CSRF token on ``path`` in ``client``'s session (meta tag or hidden field)."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def with_limits(monkeypatch, app, **limits):
    """Set ``app``'s tenant rate limits for one test: ``with_limits(mp, app, login_per_address=(3, 300))``
    (the tenant object is frozen: a changed copy is swapped in and restored afterwards)."""
    from portal.tenants.schema import RateLimit

    tenant = app.extensions["portal.tenant"]
    changed = tenant.rate_limits.model_copy(update={k: RateLimit(count=c, seconds=s) for k, (c, s) in limits.items()})
    monkeypatch.setitem(app.extensions, "portal.tenant", tenant.model_copy(update={"rate_limits": changed}))
