"""SMART App Launch (EHR launch) against a real authorization server (npm oidc-provider) and
the project's FHIR test server: the EHR names the patient, the portal finds their BSN through
the EHR's FHIR API and opens them by its own rules."""
from __future__ import annotations

import itertools
from urllib.parse import parse_qs, urlsplit

import pytest

from portal.access import guard
from support.launch import client_of, last_launch_record
from support.screens import text
from support.smart_ehr import ehr_resources

RETURN = "http://zgt.localhost/launch/smart/terug"
_ids = itertools.count(1)


@pytest.fixture
def gp_account(make_account, demo):
    return make_account(**demo.account())


@pytest.fixture
def ehr_patient(ehr_fhir, gp_account, demo):
    """The EHR's own records of the GP (a Practitioner) and of their patient, by BSN."""
    n = next(_ids)
    practitioner, patient = f"prac-{n}", f"pat-{n}"
    ehr_fhir.load(ehr_resources(practitioner, gp_account.uzi_number, gp_account.agb_code,
                                {patient: demo.patient.bsn}))
    return practitioner, patient


def _launch(client, ehr, iss: str, launch: str):
    """The EHR opens the portal; the browser goes through the authorization server and back."""
    response = client.get("/launch/smart", query_string={"iss": iss, "launch": launch})
    assert response.status_code == 302, text(response)[-400:]
    authorize = response.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["launch"] == [launch]
    assert set(query["scope"][0].split()) >= {"launch", "openid", "fhirUser", "patient/Patient.read"}
    assert query["aud"] == [iss]
    return ehr.walk(authorize, RETURN)


def test_an_ehr_launch_opens_the_patient(smart_platform, smart_ehr, login_as, gp_account, ehr_patient, demo):
    client = client_of(smart_platform)
    login_as(client, gp_account)
    back = _launch(client, smart_ehr, smart_ehr.fhir_base, smart_ehr.create_launch(ehr_patient[1], ehr_patient[0]))
    response = client.get(back)
    assert response.status_code == 302 and response.headers["Location"].endswith("/launch/openen")
    response = client.get("/launch/openen")
    assert response.status_code == 302 and response.headers["Location"].endswith("/patientinformatie")
    assert demo.patient.display_name in text(client.get("/patientinformatie"))
    record, details = last_launch_record(smart_platform, "zgt")
    assert record.action == "view" and details["launch"] == "smart" and details["issuer"] == "Test-EPD"
    assert details["launch_id"] and details["provider_uzi"] == gp_account.uzi_number


def test_the_login_comes_between(smart_platform, smart_ehr, login_as, gp_account, ehr_patient, demo):
    client = client_of(smart_platform)
    back = _launch(client, smart_ehr, smart_ehr.fhir_base, smart_ehr.create_launch(ehr_patient[1], ehr_patient[0]))
    assert client.get(back).headers["Location"].endswith("/launch/openen")
    assert client.get("/launch/openen").headers["Location"].endswith("/login")
    login_as(client, gp_account)
    assert client.get("/launch/openen").headers["Location"].endswith("/patientinformatie")
    with client.session_transaction() as session:
        assert session[guard.SELECTED] == demo.patient.patient_id


def test_a_confidential_client(confidential_platform, smart_ehr, login_as, gp_account, ehr_patient):
    client = client_of(confidential_platform)
    login_as(client, gp_account)
    # The tenant spells the issuer with a trailing slash, the EHR without: the same issuer.
    back = _launch(client, smart_ehr, smart_ehr.fhir_base, smart_ehr.create_launch(ehr_patient[1], ehr_patient[0]))
    assert client.get(back).headers["Location"].endswith("/launch/openen")
    assert client.get("/launch/openen").headers["Location"].endswith("/patientinformatie")


def test_an_unknown_issuer_is_refused(smart_platform, smart_ehr):
    client = client_of(smart_platform)
    response = client.get("/launch/smart", query_string={"iss": "https://ehr.elsewhere.example/fhir", "launch": "x"})
    assert response.status_code == 403 and "Onbekend systeem" in text(response)
    assert "Location" not in response.headers  # nothing is asked of an unknown server
    _, details = last_launch_record(smart_platform, "zgt")
    assert details["refusal"] == "unknown_issuer" and details["launch"] == "smart"


def test_the_answer_is_used_once(smart_platform, smart_ehr, login_as, gp_account, ehr_patient):
    client = client_of(smart_platform)
    login_as(client, gp_account)
    back = _launch(client, smart_ehr, smart_ehr.fhir_base, smart_ehr.create_launch(ehr_patient[1], ehr_patient[0]))
    assert client.get(back).status_code == 302
    again = client.get(back)
    assert again.status_code == 400 and "Link verlopen of al gebruikt" in text(again)
    assert last_launch_record(smart_platform, "zgt")[1]["refusal"] == "no_launch"


def test_a_state_of_another_launch_is_refused(smart_platform, smart_ehr, login_as, gp_account, ehr_patient):
    client = client_of(smart_platform)
    login_as(client, gp_account)
    back = _launch(client, smart_ehr, smart_ehr.fhir_base, smart_ehr.create_launch(ehr_patient[1], ehr_patient[0]))
    forged = back.replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 400
    _, details = last_launch_record(smart_platform, "zgt")
    assert details["refusal"] == "no_launch" and details["problem"] == "state does not match"
    assert client.get(back).status_code == 400  # and the launch is spent


def test_an_answer_in_another_browser_is_refused(smart_platform, smart_ehr, gp_account, ehr_patient):
    back = _launch(client_of(smart_platform), smart_ehr, smart_ehr.fhir_base,
                   smart_ehr.create_launch(ehr_patient[1], ehr_patient[0]))
    response = client_of(smart_platform).get(back)
    assert response.status_code == 400 and last_launch_record(smart_platform, "zgt")[1]["refusal"] == "no_launch"


def test_another_clinician_in_the_ehr_is_refused(smart_platform, smart_ehr, login_as, make_account, demo,
                                                 ehr_patient):
    client = client_of(smart_platform)
    login_as(client, make_account(**demo.account()))
    back = _launch(client, smart_ehr, smart_ehr.fhir_base, smart_ehr.create_launch(ehr_patient[1], ehr_patient[0]))
    client.get(back)
    response = client.get("/launch/openen")
    assert response.status_code == 403 and "Andere zorgverlener" in text(response)
    assert last_launch_record(smart_platform, "zgt")[1]["refusal"] == "other_provider"


def test_an_ehr_refusing_the_launch(smart_platform, smart_ehr, login_as, gp_account):
    client = client_of(smart_platform)
    login_as(client, gp_account)
    back = _launch(client, smart_ehr, smart_ehr.fhir_base, "not-a-launch-of-this-ehr")
    assert "error=access_denied" in back
    response = client.get(back)
    assert response.status_code == 502 and "Openen vanuit het EPD mislukt" in text(response)
    assert last_launch_record(smart_platform, "zgt")[1]["refusal"] == "smart_failed"
