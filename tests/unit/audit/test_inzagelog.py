"""The patient's inzagelog: `portal audit export` as CSV and PDF, in Dutch."""
import csv
import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from portal.audit import Action, AuditEvent, record
from portal.audit.inzagelog import _utc_bounds, access_log, function_name
from portal.audit.models import AuditRecord

TODAY = datetime.now(timezone.utc).date()
PERIOD = ((TODAY - timedelta(days=1)).isoformat(), (TODAY + timedelta(days=1)).isoformat())


@pytest.fixture
def accesses(platform, fresh_bsn):
    """A GP's views, an emergency access at a HAP, and events that are no access."""
    bsn, db = fresh_bsn(), platform.database
    gp = dict(user_uzi="900000011", user_name="Dr. A. de Vries", user_role="01.015", user_agb="01000011",
              user_organisation="Huisartsenpraktijk De Linde", patient_bsn=bsn, patient_number="Z100")
    hap = dict(user_uzi="900000012", user_name="Dr. B. Bakker", user_role="01.015", user_agb="01000012",
               user_organisation="Huisartsenpost Hengelo", patient_bsn=bsn, network_address="10.88.0.5")
    reason = "Patiënt op de post met pijn op de borst — medicatie nodig"
    record(AuditEvent(Action.VIEW, "success", "zgt", data="Labuitslagen", grounds="consent+registered_gp", **gp), db)
    record(AuditEvent(Action.VIEW, "success", "zgt", data="Brief 123", grounds="consent+registered_gp", **gp), db)
    record(AuditEvent(Action.EMERGENCY_ACCESS, "success", "zgt", data="Dossier",
                      grounds=f"emergency_access: {reason}", **hap), db)
    record(AuditEvent(Action.VIEW, "success", "zgt", data="Medicatie",
                      grounds=f"emergency_access: {reason}", **hap), db)
    record(AuditEvent(Action.ACCESS_DENIED, "denied", "zgt", data="Dossier", **gp), db)  # not an access
    record(AuditEvent(Action.VIEW, "success", "mst", data="Labuitslagen", **gp), db)  # another hospital
    return bsn, reason


def test_access_log_lists_accesses_only(platform, accesses):
    bsn, reason = accesses
    entries = access_log(platform.database, "zgt", bsn, TODAY - timedelta(days=1), TODAY + timedelta(days=1))
    assert [e.activity for e in entries] == ["Ingezien: Labuitslagen", "Ingezien: Brief 123",
                                             "Dossier geopend via noodprocedure: Dossier", "Ingezien: Medicatie"]
    assert [e.emergency for e in entries] == [False, False, True, True]
    assert entries[2].emergency_reason == reason and entries[0].emergency_reason is None
    assert {e.function for e in entries} == {"huisarts"}
    assert entries[0].organisation == "Huisartsenpraktijk De Linde"
    assert entries[0].occurred_at.tzinfo is not None
    earlier = access_log(platform.database, "zgt", bsn, TODAY - timedelta(days=30), TODAY - timedelta(days=2))
    assert earlier == []


def test_period_is_dutch_days():
    start, end = _utc_bounds(date(2026, 7, 1), date(2026, 7, 1))  # summer time: UTC+2
    assert (start, end) == (datetime(2026, 6, 30, 22, tzinfo=timezone.utc),
                            datetime(2026, 7, 1, 22, tzinfo=timezone.utc))


@pytest.mark.parametrize("role, on_behalf, name", [
    ("01.015", False, "huisarts"), ("01.047", False, "specialist ouderengeneeskunde"),
    ("01.010", False, "arts"), ("17.000", False, "apotheker"), ("00.000", True, "medewerker namens een zorgverlener"),
    ("99.999", False, "zorgverlener (rol 99.999)"), (None, False, "zorgverlener"),
])
def test_function_names(role, on_behalf, name):
    assert function_name(role, on_behalf) == name


def _exports(platform, bsn) -> int:
    with platform.database.session() as session:
        return session.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.tenant_id == "zgt", AuditRecord.patient_bsn == bsn, AuditRecord.action == "export"))


def test_export_csv(run_cli, platform, accesses, tmp_path):
    bsn, reason = accesses
    out = tmp_path / "inzagelog.csv"
    result = run_cli("audit", "export", "--tenant", "zgt", "--bsn", bsn, "--from", PERIOD[0], "--to", PERIOD[1],
                     "--format", "csv", "--output", str(out))
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Datum", "Tijd", "Organisatie / praktijk", "Functie", "Wat is ingezien", "Noodprocedure",
                       "Reden noodprocedure"]
    assert len(rows) == 5
    assert rows[1][2:7] == ["Huisartsenpraktijk De Linde", "huisarts", "Ingezien: Labuitslagen", "nee", ""]
    assert rows[3][2:7] == ["Huisartsenpost Hengelo", "huisarts", "Dossier geopend via noodprocedure: Dossier",
                            "ja", reason]
    assert re.fullmatch(r"\d\d-\d\d-\d{4}", rows[1][0]) and re.fullmatch(r"\d\d:\d\d", rows[1][1])
    assert "Dr. A. de Vries" not in raw.decode("utf-8-sig")  # function and practice, not the person
    assert _exports(platform, bsn) == 1  # the export itself is logged


def test_export_pdf_text(run_cli, accesses, tmp_path):
    bsn, reason = accesses
    out = tmp_path / "inzagelog.pdf"
    result = run_cli("audit", "export", "--tenant", "zgt", "--bsn", bsn, "--from", PERIOD[0], "--to", PERIOD[1],
                     "--format", "pdf", "--output", str(out))
    assert result.exit_code == 0, result.output
    text = " ".join(page.extract_text() for page in PdfReader(out).pages)
    text = " ".join(text.split())
    for expected in ("Inzagelog", "Ziekenhuisgroep Twente", bsn, "Huisartsenpraktijk De Linde", "huisarts",
                     "Ingezien: Labuitslagen", "Noodprocedure", "pijn op de borst", "Patiënt"):
        assert expected in text, expected


def test_export_pdf_without_accesses_says_so(run_cli, fresh_bsn, tmp_path):
    out = tmp_path / "leeg.pdf"
    result = run_cli("audit", "export", "--tenant", "zgt", "--bsn", fresh_bsn(), "--from", "2020-01-01",
                     "--to", "2020-12-31", "--format", "pdf", "--output", str(out))
    assert result.exit_code == 0, result.output
    text = " ".join(PdfReader(out).pages[0].extract_text().split())
    assert "geen zorgverlener uw gegevens geraadpleegd" in text and "01-01-2020 tot en met 31-12-2020" in text


@pytest.mark.parametrize("args, message", [
    (("--bsn", "123456789"), "not a valid BSN"),
    (("--bsn", "abc"), "not a valid BSN"),
    (("--from", "2026-13-01"), "YYYY-MM-DD"),
    (("--from", "2026-02-01", "--to", "2026-01-01"), "starts (2026-02-01) after it ends (2026-01-01)"),
    (("--tenant", "nope"), "unknown tenant 'nope'"),
    (("--format", "xml"), "'xml' is not one of"),
])
def test_export_refuses_bad_input(run_cli, platform, tmp_path, args, message):
    options = {"--tenant": "zgt", "--bsn": "999990019", "--from": "2026-01-01", "--to": "2026-01-31", "--format": "csv"}
    options.update(dict(zip(args[::2], args[1::2])))
    out = tmp_path / "x.csv"
    before = _exports(platform, "999990019")
    result = run_cli("audit", "export", *[x for kv in options.items() for x in kv], "--output", str(out))
    assert result.exit_code == 2
    assert message in result.output
    assert not out.exists() and _exports(platform, "999990019") == before
