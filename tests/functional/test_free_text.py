"""Free text is what it looks like: every free-text field is normalised (NFKC, no control or
format characters) before its length is checked and before it is stored; a reason that is
empty once normalised is refused; the inzagelog's CSV never starts a spreadsheet formula."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from portal.access.models import EmergencyAccess
from portal.audit.export import to_csv
from portal.audit.inzagelog import access_log
from support.access import HAP_ADDRESS, PatientFacts, confirm_fields, csrf, offer_and_choose

INVISIBLE = "\u200b\u200d\u202e\u2066\u2069\x00\x07"


def test_a_noodprocedure_reason_of_invisible_characters_is_refused(client, app, platform, tenant_id, login_as,
                                                                   demo_epd):
    facts = PatientFacts(app.extensions["portal.connector"], "1")
    facts.set(consent=True, relations_=[])
    try:
        account = login_as(client, {})
        client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
        offer_and_choose(client, "1")
        minimum = app.extensions["portal.tenant"].access.min_reason_length
        padded = "ab" + INVISIBLE * minimum  # long enough as typed, two letters as seen
        refused = client.post("/patient/bevestigen", data={**confirm_fields(client), "reason": padded})
        assert refused.status_code == 400 and "Vul de reden in" in refused.get_data(as_text=True)
        with platform.database.session() as db:
            assert db.scalars(select(EmergencyAccess).where(EmergencyAccess.account_id == account.id)).all() == []
        typed = "Pijn\u202e op de\u200b borst, \ufb01bromyalgie bekend; =HYPERLINK(\"x\")"
        accepted = client.post("/patient/bevestigen", data={**confirm_fields(client), "reason": typed})
        assert accepted.status_code == 302
        with platform.database.session() as db:
            grant = db.scalars(select(EmergencyAccess).where(EmergencyAccess.account_id == account.id)).one()
        assert grant.reason == "Pijn op de borst, fibromyalgie bekend; =HYPERLINK(\"x\")"
    finally:
        facts.close()


def test_the_csv_export_neutralises_formulas(client, app, platform, tenant_id, login_as, demo_epd):
    facts = PatientFacts(app.extensions["portal.connector"], "1")
    facts.set(consent=True, relations_=[])
    try:
        login_as(client, {"practice_name": "=cmd|' /C calc'!A0"})
        client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
        offer_and_choose(client, "1")
        reason = "=HYPERLINK(\"https://example.org\";\"klik\") acute dyspneu"
        assert client.post("/patient/bevestigen", data={**confirm_fields(client), "reason": reason}).status_code == 302
        bsn = app.extensions["portal.connector"].get_patient_summary("1").bsn
        entries = access_log(platform.database, tenant_id, bsn, date.today(), date.today())
        text = to_csv(entries).decode("utf-8-sig")
        cells = [cell for line in text.splitlines()[1:] for cell in line.split(";")]
        assert cells and not any(cell.lstrip('"').startswith(("=", "+", "-", "@")) for cell in cells), text
        assert "'=HYPERLINK" in text and "'=cmd" in text
    finally:
        facts.close()


def test_order_and_death_texts_are_stored_normalised(gp, demo, app, platform):
    from portal.patient.models import DeathNotificationRecord
    from support.access import selected_context
    from support.screens import open_patient

    patient = demo.mine[-4]
    open_patient(gp, patient)
    response = gp.post("/patientinformatie/overlijden", data={
        "csrf_token": csrf(gp), **selected_context(gp), "date_of_death": date.today().strftime("%d-%m-%Y"),
        "place_of_death": "Thuis\u200b", "note": "Rustig\u202e ingeslapen\x07", "confirm": "yes"})
    assert response.status_code == 302
    with platform.database.session() as db:
        row = db.scalars(select(DeathNotificationRecord).where(
            DeathNotificationRecord.patient_id == patient.patient_id)).one()
    assert (row.place_of_death, row.note) == ("Thuis", "Rustig ingeslapen")
