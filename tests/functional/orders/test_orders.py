"""Aanvragen: only where the tenant enables it (MST); a validated, confirmed, logged order."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from support.access import selected_context
from support.demo_epd import last_audit_record


@pytest.fixture
def tenant_id() -> str:
    """The order flow runs at MST, the tenant enabling Aanvragen (checked below)."""
    return "mst"


@pytest.fixture
def orders_client(patient_client, app):
    assert app.extensions["portal.tenant"].menu_enabled("orders")
    return patient_client


def _token(client) -> str:
    html = client.get("/aanvragen/nieuw", query_string=selected_context(client)).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("other_tenant", ["zgt", "mst"])
def test_orders_exist_only_where_the_tenant_enables_them(platform, login_as, csrf_token, other_tenant):
    app = platform.apps[other_tenant]
    enabled = app.extensions["portal.tenant"].menu_enabled("orders")
    assert enabled == (other_tenant == "mst")
    client = app.test_client()
    login_as(client, {})
    token = csrf_token(client, "/")
    expected = 200 if enabled else 404  # enabled: no patient selected yet, which the page says
    for path in ("/aanvragen/", "/aanvragen/nieuw"):
        response = client.get(path)
        assert response.status_code == expected
        assert not enabled or "Geen patiënt geselecteerd" in response.get_data(as_text=True)
    assert client.post("/aanvragen/versturen", data={"csrf_token": token}).status_code == expected
    assert ("orders.index" in app.view_functions) == enabled


def test_order_form_lists_the_catalogue(orders_client, connector):
    html = orders_client.get("/aanvragen/nieuw", query_string=selected_context(orders_client)).get_data(as_text=True)
    for test in connector.order_catalogue():
        assert f'value="{test.code}"' in html
    assert "<legend>Laboratorium</legend>" in html and "<legend>Radiologie</legend>" in html


def test_invalid_order_is_explained_and_nothing_is_sent(orders_client, connector, demo_patient):
    before = len(connector.list_orders(demo_patient.patient_id))
    token = _token(orders_client)
    response = orders_client.post("/aanvragen/nieuw", data={
        "csrf_token": token, **selected_context(orders_client), "test": "BESTAAT-NIET", "clinical_question": "",
        "requested_date": (date.today() - timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Kies alleen onderzoeken uit de lijst." in html
    assert "Vul de vraagstelling in." in html
    assert "De gewenste datum ligt in het verleden." in html
    # Also the final step checks again: its hidden fields are user input.
    response = orders_client.post("/aanvragen/versturen", data={
        "csrf_token": token, **selected_context(orders_client), "clinical_question": "Anemie?"})
    assert response.status_code == 400 and "Kies ten minste één onderzoek." in response.get_data(as_text=True)
    assert len(connector.list_orders(demo_patient.patient_id)) == before


def test_post_without_csrf_token_is_refused(orders_client, connector, demo_patient):
    before = len(connector.list_orders(demo_patient.patient_id))
    response = orders_client.post("/aanvragen/versturen", data={"test": "LAB-BB", "clinical_question": "Anemie?"})
    assert response.status_code == 400
    assert len(connector.list_orders(demo_patient.patient_id)) == before


def test_order_is_confirmed_sent_logged_and_listed_with_status(orders_client, connector, demo_patient, platform, app):
    token = _token(orders_client)
    wanted = (date.today() + timedelta(days=7))
    form = {"csrf_token": token, **selected_context(orders_client), "test": ["LAB-BB", "RAD-THORAX"],
            "clinical_question": "Moeheid, anemie? Pneumonie?",
            "urgent": "yes", "requested_date": wanted.isoformat(), "note": "Graag nuchter"}
    review = orders_client.post("/aanvragen/nieuw", data=form)
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert "Aanvraag controleren" in html and "X-thorax (Radiologie)" in html and wanted.strftime("%d-%m-%Y") in html
    assert connector.list_orders(demo_patient.patient_id) == () or all(
        o.clinical_question != form["clinical_question"] for o in connector.list_orders(demo_patient.patient_id))
    sent = orders_client.post("/aanvragen/versturen", data=form)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/aanvragen/")
    order = connector.list_orders(demo_patient.patient_id)[0]
    assert order.clinical_question == form["clinical_question"] and order.urgent and order.requested_date == wanted
    assert {t.code for t in order.tests} == {"LAB-BB", "RAD-THORAX"}
    record = last_audit_record(platform, app.extensions["portal.tenant"].id, "order")
    assert (record.outcome, record.data) == ("success", f"Aanvraag {order.id}")
    listing = orders_client.get("/aanvragen/").get_data(as_text=True)
    assert f"Uw aanvraag is verstuurd (referentie {order.id})." in listing
    row = listing.split(f"<td>{order.id}</td>")[1].split("</tr>")[0]
    assert "Verstuurd" in row and "(spoed)" in row


def test_change_from_the_confirmation_keeps_the_values(orders_client):
    token = _token(orders_client)
    response = orders_client.post("/aanvragen/nieuw", data={
        "csrf_token": token, **selected_context(orders_client), "test": "LAB-TSH", "clinical_question": "Schildklier?",
        "action": "change"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Nieuwe aanvraag" in html
    assert 'value="LAB-TSH" checked' in html and "Schildklier?</textarea>" in html
