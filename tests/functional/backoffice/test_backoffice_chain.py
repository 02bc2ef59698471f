"""Chain status: the newest verified checkpoint of the hospital's chain, and *Nu controleren*
running the routine verify of ``portal audit verify`` (a verified checkpoint written with the
signing key; a changed record named). Privacy officer and application manager; audited; CSRF."""
from __future__ import annotations

import importlib
import json
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text

from portal.audit.checkpoints import Checkpoints, new_key_pair
from portal.audit.events import Action, AuditEvent
from portal.audit.models import AuditRecord
from portal.audit.writer import record
from portal.backoffice.trail import STAFF_SYSTEM
from support.cli import run_portal_cli
from support.staff_sso import MANAGER, SERVICE_DESK, backoffice_host

from .conftest import csrf_of, staff_login

HOST = backoffice_host("zgt")
# The trigger as the migration defines it (its module name starts with a digit).
_NO_UPDATE = next(s for s in importlib.import_module("portal.migrations.versions.0002_audit").SQLITE_TRIGGERS
                  if "audit_log_no_update" in s)


@contextmanager
def _tampering(database):
    """A transaction in which audit_log may be updated, as for someone with full database
    rights (PostgreSQL: replica mode; SQLite: the trigger dropped, then re-created)."""
    if database.dialect == "postgresql":
        with database.engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            yield conn
        return
    with database.engine.begin() as conn:
        conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
    try:
        with database.engine.begin() as conn:
            yield conn
    finally:
        with database.engine.begin() as conn:
            conn.exec_driver_sql(_NO_UPDATE)


def _staff_records(database, task: str) -> list[AuditRecord]:
    with database.session() as db:
        rows = db.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt", AuditRecord.system == STAFF_SYSTEM)
                          .order_by(AuditRecord.seq.desc()).limit(50)).all()
        db.expunge_all()
    return [r for r in rows if json.loads(r.details).get("task") == task]


@pytest.fixture
def signed(bo_platform, tmp_path):
    """The suite's database with a checkpoint file and the signing key, for this test only."""
    signing, _verify = new_key_pair()
    before = bo_platform.database.checkpoints
    bo_platform.database.checkpoints = Checkpoints(tmp_path / "checkpoints.log", signing, every=1_000_000)
    yield bo_platform.database.checkpoints
    bo_platform.database.checkpoints = before


def test_verify_writes_a_checkpoint_then_finds_a_changed_record(browser, staff_sso, bo_platform, signed):
    staff_login(browser, staff_sso, "zgt")
    page = browser.at(HOST, "/keten/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nog geen gecontroleerd checkpoint" in html
    assert _staff_records(bo_platform.database, "chain.status")
    assert browser.at(HOST, "/keten/controleren", "POST").status_code == 400  # no CSRF token

    first = browser.at(HOST, "/keten/controleren", "POST", data={"csrf_token": csrf_of(html)})
    shown = first.get_data(as_text=True)
    assert first.status_code == 200 and "Intact:" in shown and "Nieuw gecontroleerd checkpoint" in shown
    [written] = [c for c in signed.read("zgt") if c.kind == "verified"]
    assert f'data-testid="checkpoint-seq">{written.seq}<' in shown
    started = _staff_records(bo_platform.database, "chain.verify")[0]
    result = _staff_records(bo_platform.database, "chain.verify.result")[0]
    assert started.seq <= written.seq < result.seq and started.user_name == "Petra Privacy"
    assert json.loads(result.details)["intact"] == "yes" and json.loads(result.details)["written"] == str(written.seq)

    # A record changed after the checkpoint: the routine verify names it; nothing is vouched for.
    record(AuditEvent(action=Action.VIEW, outcome="success", tenant_id="zgt", user_uzi="900012345",
                      user_name="Dr. Jansen", user_role="01.015", data="Labuitslagen"), bo_platform.database)
    with bo_platform.database.session() as db:
        changed = db.scalars(select(AuditRecord).where(AuditRecord.tenant_id == "zgt")
                             .order_by(AuditRecord.seq.desc()).limit(1)).one()
        seq, original = changed.seq, changed.data
    with _tampering(bo_platform.database) as conn:
        conn.execute(text("UPDATE audit_log SET data = 'Niets' WHERE tenant_id = 'zgt' AND seq = :seq"), {"seq": seq})
    try:
        broken = browser.at(HOST, "/keten/controleren", "POST", data={"csrf_token": csrf_of(html)})
        body = broken.get_data(as_text=True)
        assert broken.status_code == 409 and "Niet intact" in body and f"(regel {seq})" in body
        failed = _staff_records(bo_platform.database, "chain.verify.result")[0]
        assert failed.outcome == "failure" and json.loads(failed.details)["intact"] == "no"
        assert [c.seq for c in signed.read("zgt") if c.kind == "verified"] == [written.seq]
    finally:
        with _tampering(bo_platform.database) as conn:
            conn.execute(text("UPDATE audit_log SET data = :data WHERE tenant_id = 'zgt' AND seq = :seq"),
                         {"data": original, "seq": seq})
    again = browser.at(HOST, "/keten/controleren", "POST", data={"csrf_token": csrf_of(html)})
    assert again.status_code == 200 and "Intact:" in again.get_data(as_text=True)


def test_without_checkpoints_the_whole_chain_is_walked_and_the_cli_still_verifies(browser, staff_sso, bo_platform):
    assert bo_platform.database.checkpoints is None
    staff_login(browser, staff_sso, "zgt", roles=(MANAGER,), name="Anna Beheer", sub="a.beheer")
    html = browser.at(HOST, "/keten/").get_data(as_text=True)
    assert "geen checkpoints ingesteld" in html
    run = browser.at(HOST, "/keten/controleren", "POST", data={"csrf_token": csrf_of(html)})
    assert run.status_code == 200 and "Intact:" in run.get_data(as_text=True)
    cli = run_portal_cli(bo_platform, "audit", "verify", "--tenant", "zgt")
    assert cli.exit_code == 0 and "is intact" in cli.output


def test_the_service_desk_may_not_check_the_chain(browser, staff_sso, bo_platform):
    staff_login(browser, staff_sso, "zgt", roles=(SERVICE_DESK,), name="Sam Servicedesk", sub="s.desk")
    assert browser.at(HOST, "/keten/").status_code == 403
    home = browser.at(HOST, "/").get_data(as_text=True)
    assert browser.at(HOST, "/keten/controleren", "POST", data={"csrf_token": csrf_of(home)}).status_code == 403
    assert not _staff_records(bo_platform.database, "chain.verify") or \
        _staff_records(bo_platform.database, "chain.verify")[0].user_name != "Sam Servicedesk"
