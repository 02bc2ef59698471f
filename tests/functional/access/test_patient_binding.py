"""The right patient, always: a form or item link made on a page of patient X never acts on,
or shows, patient Y selected meanwhile in another tab.

Two tabs share one session (one browser). "Tab A" is a page's HTML kept in the test; "tab B"
selects another patient through the real flow (search, Kies deze patiënt, Ga verder). Each
test first shows the form working for its own patient, then the stale tab refused.
"""
from __future__ import annotations

import re

from markupsafe import escape
from sqlalchemy import func, select

from portal.access.models import EmergencyAccess
from portal.audit.models import AuditRecord
from portal.patient.models import DeathNotificationRecord
from support.access import HAP_ADDRESS, context_of_page, csrf
from support.screens import open_patient, text


def _audit_count(platform, tenant_id: str, **where) -> int:
    with platform.database.session() as db:
        query = select(func.count()).select_from(AuditRecord).where(AuditRecord.tenant_id == tenant_id)
        for column, value in where.items():
            query = query.where(getattr(AuditRecord, column) == value)
        return db.execute(query).scalar_one()


def _death_rows(platform, patient_id: str) -> list:
    with platform.database.session() as db:
        return list(db.execute(select(DeathNotificationRecord).where(
            DeathNotificationRecord.patient_id == patient_id)).scalars())


def _conflict(response, came_from, current) -> str:
    """Asserts the conflict page naming both patients; returns its text."""
    assert response.status_code == 409, response.status_code
    page = text(response)
    assert "U heeft intussen een andere patiënt geselecteerd" in page
    assert came_from.display_name in page and current.display_name in page
    assert "Er is niets opgeslagen, verstuurd of getoond." in page
    return page


def test_a_death_notification_of_tab_a_is_never_recorded_for_tab_b(gp, demo, app, platform, tenant_id):
    x, y = demo.mine[-2], demo.mine[-3]
    open_patient(gp, x)
    form_of_x = gp.get("/patientinformatie/overlijden", query_string={
        "patient_context": context_of_page(gp.get("/patientinformatie").get_data(as_text=True))})
    assert form_of_x.status_code == 200 and str(escape(x.display_name)) in text(form_of_x)
    token_x = context_of_page(form_of_x.get_data(as_text=True))
    open_patient(gp, y)  # tab B
    deaths_before = _audit_count(platform, tenant_id, action="death_notification")
    response = gp.post("/patientinformatie/overlijden", data={
        "csrf_token": csrf(gp), "patient_context": token_x, "date_of_death": "01-01-2026", "confirm": "yes"})
    _conflict(response, x, y)
    assert _death_rows(platform, x.patient_id) == [] and _death_rows(platform, y.patient_id) == []
    assert _audit_count(platform, tenant_id, action="death_notification") == deaths_before
    # Without any context (a forged or very old form): refused as well.
    assert gp.post("/patientinformatie/overlijden", data={
        "csrf_token": csrf(gp), "date_of_death": "01-01-2026", "confirm": "yes"}).status_code == 409
    assert _death_rows(platform, y.patient_id) == []


def test_going_on_with_the_page_patient_from_the_conflict(gp, demo):
    x, y = demo.mine[1], demo.mine[2]
    open_patient(gp, x)
    token_x = context_of_page(gp.get("/patientinformatie").get_data(as_text=True))
    open_patient(gp, y)
    conflict = gp.get("/patientinformatie/overlijden", query_string={"patient_context": token_x})
    page = _conflict(conflict, x, y)
    assert f"Verder met {x.display_name}" in page and f"Verder met {y.display_name}" in page
    back = gp.post("/patient/hervatten", data={"csrf_token": csrf(gp), "patient_context": token_x})
    assert back.status_code == 302 and back.headers["Location"].endswith("/patient/bevestigen")
    confirm = gp.get("/patient/bevestigen")
    assert str(escape(x.display_name)) in text(confirm) and "Ga verder met deze patiënt" in text(confirm)
    done = gp.post("/patient/bevestigen", data={"csrf_token": csrf(gp),
                                                "patient_context": context_of_page(confirm.get_data(as_text=True))})
    assert done.status_code == 302
    # X is selected again, with the same context: tab A's form works again, for X.
    again = gp.get("/patientinformatie/overlijden", query_string={"patient_context": token_x})
    assert again.status_code == 200 and str(escape(x.display_name)) in text(again)


def test_ga_verder_of_tab_a_never_selects_the_patient_chosen_in_tab_b(gp, demo):
    from support.screens import choose, choose_tokens, search

    x, y = demo.mine[1], demo.mine[2]
    [token] = choose_tokens(search(gp, bsn=x.bsn).get_data(as_text=True))
    choose(gp, token)
    page_a = gp.get("/patient/bevestigen").get_data(as_text=True)  # tab A: "Ga verder" for X
    [token] = choose_tokens(search(gp, bsn=y.bsn).get_data(as_text=True))
    choose(gp, token)  # tab B chooses Y: its "Ga verder met deze patiënt" page
    assert str(escape(y.display_name)) in text(gp.get("/patient/bevestigen"))
    response = gp.post("/patient/bevestigen", data={"csrf_token": csrf(gp), "patient_context": context_of_page(page_a)})
    _conflict(response, x, y)
    with gp.session_transaction() as session:
        assert session.get("selected_patient") is None


def test_an_item_link_of_tab_a_shows_nothing_of_tab_b(patient_client, connector, demo_patient, platform, tenant_id):
    letters_a = patient_client.get("/dossier/brieven").get_data(as_text=True)
    link = re.search(r'href="(/dossier/brieven/[^"]+)"', letters_a).group(1).replace("&amp;", "&")
    assert patient_client.get(link).status_code == 200
    # Tab B selects another patient (the state "Ga verder met deze patiënt" leaves).
    with patient_client.session_transaction() as session:
        session["selected_patient"] = demo_patient.other_patient_id
    views_before = _audit_count(platform, tenant_id, action="view")
    response = patient_client.get(link)
    assert response.status_code == 409 and "Andere patiënt geselecteerd" in text(response)
    assert response.mimetype == "text/html"  # the conflict page, not the letter
    assert _audit_count(platform, tenant_id, action="view") == views_before


def test_orders_check_and_send_are_bound_to_their_patient(client, login_as, platform):
    """MST (the tenant with Aanvragen): a checked aanvraag of X, sent after Y was selected."""
    from support.screens import find_demo

    app = platform.apps["mst"]
    mst = app.test_client()
    connector = app.extensions["portal.connector"]
    demo = find_demo(connector, 300)
    login_as(mst, demo.account())
    x, y = demo.mine[3], demo.mine[4]
    open_patient(mst, x)
    form = mst.get("/aanvragen/nieuw", query_string={
        "patient_context": context_of_page(mst.get("/aanvragen/").get_data(as_text=True))}).get_data(as_text=True)
    fields = {"csrf_token": csrf(mst), "patient_context": context_of_page(form), "test": "LAB-BB",
              "clinical_question": "Anemie?"}
    check = mst.post("/aanvragen/nieuw", data=fields)
    assert check.status_code == 200 and str(escape(x.display_name)) in text(check)
    assert "Voor deze patiënt" in text(check)
    orders_x, orders_y = len(connector.list_orders(x.patient_id)), len(connector.list_orders(y.patient_id))
    open_patient(mst, y)  # tab B
    _conflict(mst.post("/aanvragen/nieuw", data=fields), x, y)
    _conflict(mst.post("/aanvragen/versturen", data=fields), x, y)
    assert len(connector.list_orders(x.patient_id)) == orders_x
    assert len(connector.list_orders(y.patient_id)) == orders_y


def test_the_noodprocedure_reason_of_tab_a_grants_nothing_for_tab_b(client, login_as, patient_facts, tenant_id,
                                                                    platform):
    from support.access import offer_and_choose

    login_as(client, {"agb_code": "01234571"})
    patient_facts.set(consent=True, relations_=[])
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    offer_and_choose(client, str(patient_facts.patient_id))
    page_a = client.get("/patient/bevestigen").get_data(as_text=True)
    assert "Waarom wilt u dit dossier bekijken?" in page_a
    other = "2" if str(patient_facts.patient_id) != "2" else "3"
    offer_and_choose(client, other)  # tab B chooses another patient
    response = client.post("/patient/bevestigen", data={
        "csrf_token": csrf(client), "patient_context": context_of_page(page_a),
        "reason": "Patiënt op de huisartsenpost met pijn op de borst"})
    assert response.status_code == 409, (response.status_code, response.headers.get("Location"))
    with platform.database.session() as db:
        assert db.execute(select(func.count()).select_from(EmergencyAccess)).scalar_one() == 0


def test_a_patient_page_without_a_selected_patient_says_so(gp):
    for path in ("/patientinformatie", "/dossier/", "/uitslagen/lab"):
        response = gp.get(path)
        assert response.status_code == 200
        page = text(response)
        assert "Geen patiënt geselecteerd" in page and "Patiënt zoeken" in page and "Recente" in page


def test_check_pages_name_the_patient_above_the_button(gp, demo):
    from stdnum.nl import bsn

    patient = demo.mine[1]
    open_patient(gp, patient)
    token = context_of_page(gp.get("/patientinformatie").get_data(as_text=True))
    form = gp.get("/patientinformatie/overlijden", query_string={"patient_context": token}).get_data(as_text=True)
    card = form.split('data-testid="patient-card"', 1)[1].split("</dl>", 1)[0]
    assert patient.display_name in card and bsn.format(patient.bsn) in card
    assert patient.birth_date.strftime("%d-%m-%Y") in card
    assert form.index('data-testid="patient-card"') < form.index("Melden overlijden patiënt</button>")


def test_the_ga_verder_page_never_shows_the_previous_patient_in_the_bar(gp, demo):
    from support.screens import choose, choose_tokens, search

    x, y = demo.mine[1], demo.mine[2]
    open_patient(gp, x)
    [token] = choose_tokens(search(gp, bsn=y.bsn).get_data(as_text=True))
    choose(gp, token)
    page = gp.get("/patient/bevestigen").get_data(as_text=True)
    bar = page.split('data-testid="patient-banner"', 1)[1].split("</div>", 1)[0]
    assert "Patiënt kiezen" in bar and x.display_name not in bar
    assert y.display_name in page.split("<main", 1)[1]


def test_the_selected_patients_context_outlives_many_others(app, demo):
    """Contexts are capped per session; the selected patient's is never the one dropped."""
    from dataclasses import replace

    from portal.context import selection

    with app.test_request_context("/"):
        from flask import session

        selection.select(demo.mine[0])
        kept = selection.banner()["context"]
        for n in range(selection.MAX_CONTEXTS + 10):
            selection.bind(replace(demo.mine[1], patient_id=f"other-{n}"))
        assert len(session[selection.CONTEXTS]) == selection.MAX_CONTEXTS
        assert selection.context(kept).patient_id == demo.mine[0].patient_id
        assert selection.bind(demo.mine[0]) == kept
