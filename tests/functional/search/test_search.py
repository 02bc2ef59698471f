"""Patiënt zoeken (manual 2.1.1) on every tenant, against the demo EPD."""
from __future__ import annotations

import json

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal.audit.models import AuditRecord
from portal.epd.models import normalise_name
from portal_connectors.demo.schema import patients
from support.access import HAP_ADDRESS, confirm_fields
from support.cli import run_portal_cli
from support.screens import choose, choose_tokens, csrf, epd_down, open_patient, search, text


def _details(patient, connector):
    return connector.get_patient(patient.patient_id)


def test_the_form_has_the_manuals_fields_buttons_and_help(gp):
    html = text(gp.get("/patient-zoeken"))
    for label in ("Patiëntnummer", "BSN", "Geboortenaam", "Partnernaam", "Geboortedatum", "Geslacht", "Postcode",
                  "Huisnummer", "Zoeken", "Wissen", "Recente", 'placeholder="dd-mm-jjjj"'):
        assert label in html
    assert "Als u te weinig gegevens heeft ingevuld, verschijnt een foutmelding." in html
    assert 'method="post"' in html


def _found(response, patient) -> bool:
    return str(escape(patient.display_name)) in response.get_data(as_text=True)


def test_search_by_patient_number(gp, demo):
    response = search(gp, patient_number=demo.patient.patient_number)
    assert response.status_code == 200 and _found(response, demo.patient)
    assert "Kies deze patiënt" in response.get_data(as_text=True)


def test_search_by_bsn(gp, demo):
    assert _found(search(gp, bsn=demo.patient.bsn), demo.patient)


def test_search_by_part_of_birth_name_with_birth_date_and_sex(gp, demo):
    p = demo.patient
    part = p.birth_name[1:4].upper()  # a part, in other case
    response = search(gp, birth_name=part, birth_date=p.birth_date.strftime("%d-%m-%Y"), sex=p.sex.value)
    assert _found(response, p)


def test_search_by_partner_name_with_birth_date_and_sex(gp, demo):
    p = demo.with_partner
    response = search(gp, partner_name=p.partner_name, birth_date=p.birth_date.strftime("%d-%m-%Y"), sex=p.sex.value)
    assert _found(response, p)


def test_search_by_postcode_and_house_number(gp, demo, app):
    p = demo.patient
    address = _details(p, app.extensions["portal.connector"]).address
    postcode = f"{address.postcode[:4]} {address.postcode[4:].lower()}"
    assert _found(search(gp, postcode=postcode, house_number=str(address.house_number)), p)


def test_extra_fields_narrow_the_results(gp, demo):
    p = demo.patient
    wrong_name = "Qqqxyz"
    response = search(gp, bsn=p.bsn, birth_name=wrong_name)
    assert response.status_code == 200 and not _found(response, p)
    assert "Er is geen patiënt gevonden" in response.get_data(as_text=True)
    assert _found(search(gp, bsn=p.bsn, birth_date=p.birth_date.strftime("%d-%m-%Y")), p)


@pytest.mark.parametrize("fields, missing", [
    ({}, ["patiëntnummer", "BSN", "postcode met huisnummer"]),
    ({"birth_name": "Jans"}, ["Geboortedatum en Geslacht"]),
    ({"partner_name": "Jans", "sex": "female"}, ["Geboortedatum"]),
    ({"birth_date": "01-01-1960", "sex": "male"}, ["Geboortenaam of Partnernaam"]),
    ({"postcode": "7513 ER"}, ["Huisnummer"]),
    ({"house_number": "55"}, ["Postcode"]),
    ({"birth_name": "Jans", "birth_date": "01-01-1960", "postcode": "7513 ER"}, ["Geslacht (zoeken op naam)",
                                                                                  "Huisnummer (zoeken op postcode"]),
])
def test_too_little_names_what_is_missing(gp, fields, missing):
    response = search(gp, **fields)
    html = text(response)
    assert response.status_code == 400
    assert "te weinig gegevens" in html
    for wanted in missing:
        assert wanted in html
    assert choose_tokens(html) == []


@pytest.mark.parametrize("fields, message", [
    ({"bsn": "123456789"}, "voldoet niet aan de elfproef"),
    ({"bsn": "12345"}, "Een BSN bestaat uit 9 cijfers."),
    ({"birth_name": "Jans", "birth_date": "31-02-1960", "sex": "male"}, "De geboortedatum 31-02-1960 bestaat niet."),
    ({"birth_name": "Jans", "birth_date": "1960", "sex": "male"}, "Vul de geboortedatum in als dd-mm-jjjj"),
    ({"birth_name": "Jans", "birth_date": "01-01-2999", "sex": "male"}, "De geboortedatum ligt in de toekomst."),
    ({"postcode": "751 ER", "house_number": "5"}, "Deze postcode is niet geldig. Vul de postcode in als 1234 AB."),
    ({"postcode": "7513 ER", "house_number": "vijf"}, "Vul het huisnummer in als getal"),
    ({"birth_name": "123", "birth_date": "01-01-1960", "sex": "male"},
     "Vul bij Geboortenaam (een deel van) de naam in"),
    ({"birth_name": "Jans", "birth_date": "01-01-1960", "sex": "x"}, "Kies een geslacht uit de lijst."),
])
def test_each_bad_field_has_its_own_message(gp, fields, message):
    response = search(gp, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert 'aria-invalid="true"' in html


def test_a_stranger_never_appears(gp, demo):
    for stranger in demo.strangers[:5]:
        for fields in ({"bsn": stranger.bsn}, {"patient_number": stranger.patient_number}):
            response = search(gp, **fields)
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            assert str(escape(stranger.display_name)) not in html
            assert stranger.birth_date.strftime("%d-%m-%Y") not in html
            assert choose_tokens(html) == []


def test_own_patient_without_consent_never_appears(gp, demo):
    html = search(gp, bsn=demo.without_consent.bsn).get_data(as_text=True)
    assert str(escape(demo.without_consent.display_name)) not in html and choose_tokens(html) == []


def test_a_search_is_never_a_get_with_criteria(gp, demo):
    response = gp.get(f"/patient-zoeken?bsn={demo.patient.bsn}")
    assert not _found(response, demo.patient)


def test_every_search_is_audited_with_its_criteria(gp, demo, app, platform):
    tenant_id = app.extensions["portal.tenant"].id
    search(gp, bsn=demo.patient.bsn)
    with platform.database.session() as db:
        record, listed = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id)
                                    .order_by(AuditRecord.seq.desc()).limit(2)).scalars().all()[::-1]
    details = json.loads(record.details)
    assert record.action == "search" and record.user_agb == demo.gp_agb
    assert details["kind"] == "bsn" and details["bsn"] == demo.patient.bsn and details["results"] == "1"
    # The one patient shown has a record of its own, for that patient's inzagelog.
    assert (listed.action, listed.data, listed.patient_number) == (
        "listed", "Patiënt zoeken", demo.patient.patient_number)


def test_choosing_leads_to_ga_verder_and_patient_information(gp, demo):
    response = search(gp, bsn=demo.patient.bsn)
    [token] = choose_tokens(response.get_data(as_text=True))
    response = choose(gp, token)
    assert response.headers["Location"].endswith("/patient/bevestigen")
    assert "Ga verder met deze patiënt" in gp.get("/patient/bevestigen").get_data(as_text=True)
    response = gp.post("/patient/bevestigen", data={**confirm_fields(gp), "csrf_token": csrf(gp)})
    assert response.headers["Location"].endswith("/patientinformatie")
    assert demo.patient.patient_number in gp.get("/patientinformatie").get_data(as_text=True)


def test_noodprocedure_from_a_hap(client, login_as, demo, tenant_id, platform, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")  # FlaskGroup sets it; monkeypatch restores it
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    login_as(client, demo.account())
    stranger = demo.strangers[0]
    html = search(client, bsn=stranger.bsn).get_data(as_text=True)
    assert str(escape(stranger.display_name)) in html and "alleen via de noodprocedure" in html
    [token] = choose_tokens(html)
    choose(client, token)
    page = client.get("/patient/bevestigen").get_data(as_text=True)
    assert "geen behandelrelatie bekend" in page and "Waarom wilt u dit dossier bekijken?" in page
    refused = client.post("/patient/bevestigen",
                          data={**confirm_fields(client), "csrf_token": csrf(client), "reason": ""})
    assert refused.status_code == 400
    response = client.post("/patient/bevestigen", data={**confirm_fields(client), "csrf_token": csrf(client),
                                                       "reason": "Dienst huisartsenpost, patiënt met pijn op de borst"})
    assert response.headers["Location"].endswith("/patientinformatie")
    assert stranger.patient_number in client.get("/patientinformatie").get_data(as_text=True)

    result = run_portal_cli(platform, "notifications", "list", "--tenant", tenant_id)
    assert result.exit_code == 0, result.output
    assert stranger.patient_number in result.output and "pijn op de borst" in result.output


def test_the_hap_offers_nothing_without_consent(client, login_as, demo, tenant_id):
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    login_as(client, demo.account())
    assert choose_tokens(search(client, bsn=demo.without_consent.bsn).get_data(as_text=True)) == []


def test_name_match_is_accent_and_case_insensitive(gp, demo):
    p = demo.patient
    assert normalise_name(p.birth_name)  # the demo name has letters to search by
    response = search(gp, birth_name=p.birth_name.upper(), birth_date=p.birth_date.strftime("%Y-%m-%d"),
                      sex=p.sex.value)
    assert _found(response, p)


def test_open_patient_helper_reaches_patient_information(gp, demo):
    assert open_patient(gp, demo.patient).status_code == 302


def test_an_epd_outage_during_a_search_is_said_and_audited(gp, demo, app, platform, monkeypatch):
    tenant_id = app.extensions["portal.tenant"].id
    epd_down(monkeypatch, app.extensions["portal.connector"], "search_patients")
    response = search(gp, bsn=demo.patient.bsn)
    assert response.status_code == 200 and "Zoeken is op dit moment niet mogelijk" in text(response)
    assert choose_tokens(response.get_data(as_text=True)) == []
    with platform.database.session() as db:
        record = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id)
                            .order_by(AuditRecord.seq.desc()).limit(1)).scalar_one()
    assert (record.action, record.outcome) == ("search", "failure")
    assert json.loads(record.details)["bsn"] == demo.patient.bsn


@pytest.mark.parametrize("typed, found", [
    ("{n}-2", True), ("{n} - 2", True), ("{n}/2", True), ("{n} 2", True), ("{n}", True),
    ("{n}a", False), ("{n}-3", False), ("{n} A", False)])
def test_a_house_number_addition_is_matched_too(gp, demo, app, typed, found):
    """"7-2", "7 - 2", "7/2" and "7 2" name the addition "-2" the EPD holds; another addition
    finds nobody; a bare number finds every addition."""
    p = demo.patient
    connector = app.extensions["portal.connector"]
    address = _details(p, connector).address
    with connector.engine.begin() as conn:
        old = conn.execute(select(patients.c.house_number_addition)
                           .where(patients.c.patient_number == p.patient_number)).scalar_one()
        conn.execute(patients.update().where(patients.c.patient_number == p.patient_number)
                     .values(house_number_addition="-2"))
    try:
        typed = typed.format(n=address.house_number)
        assert _found(search(gp, postcode=address.postcode, house_number=typed), p) is found
    finally:
        with connector.engine.begin() as conn:
            conn.execute(patients.update().where(patients.c.patient_number == p.patient_number)
                         .values(house_number_addition=old))
