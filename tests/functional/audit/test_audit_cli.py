"""``portal audit archive | verify | verify-archive | export`` as hospital IT runs them: new
processes on a database of their own, with signed checkpoints."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import insert

from portal import migrations
from portal.audit import Action, AuditEvent, record
from portal.audit.chain import GENESIS_HASH, canonical_details, record_hash
from portal.audit.checkpoints import Checkpoints, new_key_pair
from portal.audit.models import AuditChainHead, AuditRecord
from portal.db import Database

BSN = "999990019"


@pytest.fixture
def deployment(tmp_path):
    """zgt with six records from 2018-2019 (GP accesses to one patient), then one of today."""
    signing, verify = new_key_pair()
    database = Database(f"sqlite:///{tmp_path / 'audit.sqlite'}")
    migrations.upgrade(database)
    database.checkpoints = Checkpoints(tmp_path / "checkpoints.log", signing, every=100)
    prev = GENESIS_HASH
    times = [datetime(year, month, 10, 9, tzinfo=timezone.utc) for year in (2018, 2019) for month in (3, 6, 9)]
    with database.engine.begin() as conn:
        for seq, at in enumerate(times, start=1):
            fields = {"tenant_id": "zgt", "seq": seq, "prev_hash": prev, "occurred_at": at, "action": "view",
                      "outcome": "success", "system": "zorgverlenersportaal", "user_uzi": "900000001",
                      "user_name": "Dr. A. de Vries", "user_role": "01.015", "user_agb": None,
                      "user_organisation": "Huisartsenpraktijk De Linde", "responsible_uzi": None,
                      "network_address": None, "patient_bsn": BSN, "patient_number": None, "data": "Brieven",
                      "grounds": "consent+registered_gp", "details": canonical_details({})}
            fields["record_hash"] = prev = record_hash(fields)
            conn.execute(insert(AuditRecord.__table__).values(fields))
        conn.execute(insert(AuditChainHead.__table__).values(tenant_id="zgt", seq=len(times), record_hash=prev,
                                                             updated_at=times[-1]))
    record(AuditEvent(Action.VIEW, "success", "zgt", user_uzi="900000001", user_role="01.015",
                      user_organisation="Huisartsenpraktijk De Linde", patient_bsn=BSN, data="Labuitslagen"), database)
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": database.url, "PORTAL_INSTANCE_DIR": str(tmp_path),
           "PORTAL_AUDIT_CHECKPOINTS": str(tmp_path / "checkpoints.log"), "PORTAL_AUDIT_SIGNING_KEY": signing}
    database.dispose()

    def portal(*args: str, **extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "portal", *args], capture_output=True, text=True,
                              env={**env, **extra}, timeout=120, cwd=tmp_path)

    return portal, tmp_path, verify


def test_archive_then_verify_verify_archive_and_export(deployment):
    portal, tmp_path, verify_key = deployment
    archive = tmp_path / "zgt-2018.jsonl"
    refused = portal("audit", "archive", "--tenant", "zgt", "--before", "2030-01-01", "--output", str(archive))
    assert refused.returncode == 1 and "inside the minimum retention of 5 years" in refused.stderr
    assert not archive.exists()

    done = portal("audit", "archive", "--tenant", "zgt", "--before", "2019-01-01", "--output", str(archive))
    assert done.returncode == 0, done.stderr
    assert "archived records 1..3 of tenant 'zgt'" in done.stdout

    again = portal("audit", "archive", "--tenant", "zgt", "--before", "2019-01-01", "--output", str(archive))
    assert again.returncode == 1 and "never overwritten" in again.stderr

    verified = portal("audit", "verify", "--tenant", "zgt")
    assert verified.returncode == 0, verified.stderr
    assert "routine: from the archive checkpoint at record 3" in verified.stdout
    assert "4 records checked (4..7)" in verified.stdout and "verified checkpoint written: record 7" in verified.stdout
    full = portal("audit", "verify", "--tenant", "zgt", "--full", PORTAL_AUDIT_SIGNING_KEY="",
                  PORTAL_AUDIT_VERIFY_KEY=verify_key)
    assert full.returncode == 0, full.stderr
    assert "full (--full)" in full.stdout and "records up to 3 are archived" in full.stdout

    checked = portal("audit", "verify-archive", str(archive), PORTAL_AUDIT_SIGNING_KEY="",
                     PORTAL_AUDIT_VERIFY_KEY=verify_key)
    assert checked.returncode == 0, checked.stderr
    assert "is intact: records 1..3 (2018-03-10T09:00:00.000000Z .. 2018-09-10T09:00:00.000000Z)" in checked.stdout

    csv = portal("audit", "export", "--tenant", "zgt", "--bsn", BSN, "--from", "2018-01-01", "--to", "2030-12-31",
                 "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    assert "records up to 2018-09-10 are archived" in csv.stderr and "covers 2018-09-11 to 2030-12-31" in csv.stderr
    rows = csv.stdout.strip().splitlines()[1:]
    assert len(rows) == 4 and not any("2018" in row.split(";")[0] for row in rows)
    pdf_path = tmp_path / "inzagelog.pdf"
    pdf = portal("audit", "export", "--tenant", "zgt", "--bsn", BSN, "--from", "2018-01-01", "--to", "2030-12-31",
                 "--format", "pdf", "--output", str(pdf_path))
    assert pdf.returncode == 0, pdf.stderr
    text = " ".join(PdfReader(pdf_path).pages[0].extract_text().split())
    assert "Gegevens tot en met 10-09-2018 zijn gearchiveerd" in text


def test_audit_commands_build_no_web_app_and_csv_loads_no_pdf_library(deployment):
    """Start-up: an audit command reads the tenant YAML and the database, nothing of the web
    app (blueprints, templates, connectors' apps), and the PDF library only for a PDF."""
    portal, tmp_path, _verify_key = deployment
    probe = ("import sys\nfrom portal.cli import cli\n"
             "try:\n    cli.main(sys.argv[1:], prog_name='portal')\nexcept SystemExit:\n    pass\n"
             "print('loaded:', *sorted(m for m in ('portal.app', 'fpdf', 'portal.patient.views') if m in sys.modules),"
             " file=sys.stderr)\n")
    env = {**os.environ, "PORTAL_ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path / 'audit.sqlite'}",
           "PORTAL_INSTANCE_DIR": str(tmp_path)}
    args = ["audit", "export", "--tenant", "zgt", "--bsn", BSN, "--from", "2026-01-01", "--to", "2026-01-31"]
    csv = subprocess.run([sys.executable, "-c", probe, *args, "--format", "csv"], capture_output=True, text=True,
                         env=env, timeout=120)
    assert csv.returncode == 0 and csv.stdout.startswith("\ufeffDatum;"), csv.stderr
    assert csv.stderr.strip().endswith("loaded:"), csv.stderr
    pdf = subprocess.run([sys.executable, "-c", probe, *args, "--format", "pdf", "--output", str(tmp_path / "x.pdf")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert pdf.returncode == 0 and "loaded: fpdf" in pdf.stderr and "portal.app" not in pdf.stderr, pdf.stderr
