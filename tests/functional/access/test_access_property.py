"""Property: over providers x patients x consent x relations x origin x emergency grants x
routes, a patient route answers with the data exactly when the manual's rule allows it.

Each example rewrites the patient's consent and relations in the demo EPD itself, the
provider's account and covering practices and any emergency grant in the portal database,
then requests a real route through the whole stack (login, session, guard, audit).
"""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, update

from portal.access.guard import CANDIDATE, MARK, SELECTED
from portal.access.models import CoveringAuthorisation, EmergencyAccess
from portal.accounts.models import Account
from portal.context.selection import SELECTION
from support.access import HAP_ADDRESS, OFFICE_ADDRESS, bind_context

AGBS = ["01100001", "01100002"]
PRACTICES = ["02200001", "02200002"]
KINDS = ["registered_gp", "referral", "elderly_care_physician"]

offsets = st.one_of(st.none(), st.integers(-2, 2))
relation = st.fixed_dictionaries({
    "kind": st.sampled_from(KINDS), "agb_code": st.one_of(st.none(), st.sampled_from(AGBS)),
    "practice_agb": st.one_of(st.none(), st.sampled_from(PRACTICES)),
    "from_days": offsets, "until_days": offsets})
case = st.fixed_dictionaries({
    "agb": st.sampled_from(AGBS), "practice": st.one_of(st.none(), st.sampled_from(PRACTICES)),
    "covers": st.lists(st.sampled_from(PRACTICES), max_size=2, unique=True),
    "consent": st.booleans(), "relations": st.lists(relation, max_size=3),
    "at_hap": st.booleans(), "granted": st.booleans(), "route": st.integers(0, 10_000)})


def expected(c) -> str:
    """The manual's rule, stated over sets (independently of portal.access.decision)."""
    def current(r):
        return (r["from_days"] is None or r["from_days"] <= 0) and (r["until_days"] is None or r["until_days"] >= 0)

    rels = [r for r in c["relations"] if current(r)]
    personal = {r["agb_code"] for r in rels}
    practices = {r["practice_agb"] for r in rels if r["kind"] == "registered_gp"} - {None}
    related = c["agb"] in personal or bool(practices & ({c["practice"]} | set(c["covers"])))
    if not c["consent"]:
        return "denied"
    if related or (c["at_hap"] and c["granted"]):
        return "allowed"
    return "emergency" if c["at_hap"] else "denied"


def patient_routes(app):
    routes = []
    for rule in app.url_map.iter_rules():
        marker = getattr(app.view_functions[rule.endpoint], MARK, None)
        if marker is not None and "GET" in rule.methods and not rule.arguments:
            routes.append((rule.rule, marker))
    return sorted(routes, key=lambda r: r[0])


@pytest.mark.slow
def test_access_exactly_when_the_rule_allows(client, app, tenant_id, login_as, patient_facts, platform):
    account = login_as(client)
    routes = patient_routes(app)
    assert routes, "no patient routes to test"
    patient_id = str(patient_facts.patient_id)

    @settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(c=case)
    def check(c):
        path, marker = routes[c["route"] % len(routes)]
        patient_facts.set(consent=c["consent"], relations_=c["relations"])
        with platform.database.session() as db:
            db.execute(update(Account).where(Account.id == account.id).values(
                agb_code=c["agb"], practice_agb=c["practice"]))
            db.execute(delete(CoveringAuthorisation).where(CoveringAuthorisation.account_id == account.id))
            db.add_all([CoveringAuthorisation(account_id=account.id, practice_agb=p) for p in c["covers"]])
            db.execute(delete(EmergencyAccess).where(EmergencyAccess.account_id == account.id))
            if c["granted"]:
                db.add(EmergencyAccess(tenant_id=tenant_id, account_id=account.id, patient_id=patient_id,
                                       reason="property test",
                                       expires_at=datetime.now(timezone.utc) + timedelta(hours=1)))
        client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id] if c["at_hap"] else OFFICE_ADDRESS
        with client.session_transaction() as session:
            session.pop(SELECTED, None)
            session.pop(CANDIDATE, None)
            session.pop(SELECTION, None)  # no selection made through the portal: decided on a fresh read
            session[marker.source] = patient_id
            # An item route is opened from a page of its patient (the page's context token).
            query = {"patient_context": bind_context(session, patient_id)} if marker.item else {}
        response = client.get(path, query_string=query)
        rule = expected(c)
        if rule == "denied":
            assert response.status_code == 403, (path, c)
        elif rule == "allowed" or marker.pending_emergency:
            assert response.status_code == 200, (path, c, response.status_code)
        else:
            assert response.status_code == 302, (path, c)
            assert response.headers["Location"].endswith("/patient/bevestigen")

    check()
