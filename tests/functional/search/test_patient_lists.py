"""Klinische patiënten, SEH overzicht and Recente: only patients the provider may see."""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta, timezone

from markupsafe import escape
from sqlalchemy import select

from portal.access.decision import ProviderFacts, decide
from portal.access.models import RecentPatient
from portal.audit.models import AuditRecord
from support.access import HAP_ADDRESS
from support.screens import choose, choose_tokens, open_patient, text


def _entries(connector, path):
    if path.endswith("klinische-patienten"):
        return [e.patient for e in connector.list_admitted_patients()]
    return [e.patient for e in connector.list_emergency_visits(datetime.now(timezone.utc) - timedelta(days=7))]


def _shown(html: str, patient) -> bool:
    """Is there a row with this patient's name and birth date (names alone repeat)?"""
    name, born = str(escape(patient.display_name)), patient.birth_date.strftime("%d-%m-%Y")
    return any(name in row and born in row for row in re.findall(r"<tr.*?</tr>", html, flags=re.S))


def _may_see(demo, patient) -> bool:
    """The access rule (unit-tested in tests/unit/access) for the demo GP at the office."""
    facts = ProviderFacts(agb_code=demo.gp_agb, practice_agb=demo.practice_agb)
    return decide(facts, consent=patient.consent, relations=patient.relations, at_hap=False,
                  emergency_granted=False, today=date.today()).allowed


def test_overviews_show_only_the_providers_patients(gp, demo, app):
    connector = app.extensions["portal.connector"]
    mine = {p.patient_id for p in demo.mine}
    strangers = {s.patient_id for s in demo.strangers}
    for path, title in (("/patient-zoeken/klinische-patienten", "Klinische patiënten"),
                        ("/patient-zoeken/seh-overzicht", "SEH overzicht")):
        response = gp.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and f"<h1>{title}</h1>" in html
        everyone = _entries(connector, path)
        assert everyone, f"the demo EPD has no entries for {title}"
        for patient in everyone:
            if patient.patient_id in mine:
                assert _shown(html, patient), title
            elif patient.patient_id in strangers or not patient.consent:
                assert not _shown(html, patient), title
        expected = {p.patient_id for p in everyone if _may_see(demo, p)}
        assert len(set(choose_tokens(html))) == len(expected)
        if not expected:
            assert "empty-state" in html


def test_seh_overview_says_it_covers_seven_days(gp):
    assert "in de afgelopen 7 dagen zijn geregistreerd" in text(gp.get("/patient-zoeken/seh-overzicht"))


def test_at_a_hap_overviews_add_noodprocedure_patients_without_clinical_detail(client, login_as, demo, tenant_id, app):
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    login_as(client, demo.account())
    connector = app.extensions["portal.connector"]
    everyone = [e for e in connector.list_admitted_patients()]
    stranger = next(e for e in everyone if e.patient.consent and
                    e.patient.patient_id in {s.patient_id for s in demo.strangers})
    no_consent = [e.patient for e in everyone if not e.patient.consent]
    pages = [text(client.get("/patient-zoeken/klinische-patienten?pagina=1"))]
    pager = re.findall(r"pagina=(\d+)", pages[0])
    for number in sorted({int(n) for n in pager} - {1}):
        pages.append(text(client.get(f"/patient-zoeken/klinische-patienten?pagina={number}")))
    html = " ".join(pages)
    assert _shown(html, stranger.patient)
    assert "Gegevens zichtbaar na de noodprocedure" in html
    for patient in no_consent:
        assert not _shown(html, patient)


def test_a_long_list_is_paged(client, login_as, demo, tenant_id, platform):
    """Recente with more patients than fit on a page (at a HAP all consenting patients may be listed)."""
    account = login_as(client, demo.account())
    client.environ_base["REMOTE_ADDR"] = HAP_ADDRESS[tenant_id]
    patients = list(demo.strangers[:30])
    assert len(patients) == 30
    now = datetime.now(timezone.utc)
    with platform.database.session() as db:
        db.add_all(RecentPatient(account_id=account.id, patient_id=p.patient_id, opened_at=now - timedelta(minutes=n))
                   for n, p in enumerate(patients))
    first = client.get("/patient-zoeken/recente").get_data(as_text=True)
    second = client.get("/patient-zoeken/recente?pagina=2").get_data(as_text=True)
    assert len(choose_tokens(first)) == 25 and len(choose_tokens(second)) == 5
    assert "1–25 van 30" in first and "26–30 van 30" in second and 'rel="next"' in first
    # Newest first: the most recently opened patient heads page 1, the oldest ends page 2.
    assert first.index(str(escape(patients[0].display_name))) < first.index(str(escape(patients[1].display_name)))
    assert _shown(second, patients[-1]) and not _shown(first, patients[-1])
    # The tokens of the page shown are the ones that work.
    assert choose(client, choose_tokens(second)[0]).status_code == 302


def test_recente_lists_opened_patients_and_checks_access_again(gp, demo, platform):
    assert "U heeft op dit portaal nog geen patiënten ingezien." in text(gp.get("/patient-zoeken/recente"))
    open_patient(gp, demo.patient)
    html = gp.get("/patient-zoeken/recente").get_data(as_text=True)
    assert _shown(html, demo.patient) and len(choose_tokens(html)) == 1
    # A stranger in the recent list (say, opened earlier at a HAP) is not offered from the office.
    with platform.database.session() as db:
        account_id = db.execute(select(RecentPatient.account_id)).scalar_one()
        db.add(RecentPatient(account_id=account_id, patient_id=demo.strangers[0].patient_id))
    html = gp.get("/patient-zoeken/recente").get_data(as_text=True)
    assert not _shown(html, demo.strangers[0]) and len(choose_tokens(html)) == 1


def test_lists_are_audited(gp, app, platform):
    tenant_id = app.extensions["portal.tenant"].id
    html = gp.get("/patient-zoeken/seh-overzicht").get_data(as_text=True)
    with platform.database.session() as db:
        record = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id,
                                                      AuditRecord.action == "search")
                            .order_by(AuditRecord.seq.desc()).limit(1)).scalar_one()
        listed = db.execute(select(AuditRecord).where(AuditRecord.tenant_id == tenant_id,
                                                      AuditRecord.seq > record.seq)).scalars().all()
    assert json.loads(record.details)["list"] == "SEH overzicht"
    # Then one record per patient the list showed (tests/functional/search/test_lists_nen7513.py);
    # a patient with two visits on the page is one patient shown.
    assert len(listed) == len(set(choose_tokens(html))) > 0
    assert all(r.action == "listed" and r.data == "SEH overzicht" for r in listed)
