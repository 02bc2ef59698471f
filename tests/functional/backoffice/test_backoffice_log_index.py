"""The log review and the signal scan read a tenant's audit records by period: that read uses
``ix_audit_log_tenant_time`` (migration 0016), not a scan of the tenant's whole chain."""
from __future__ import annotations

import pytest
from sqlalchemy import text


def test_a_tenants_period_is_read_through_the_index(bo_platform):
    if bo_platform.database.dialect != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    with bo_platform.database.engine.connect() as conn:
        plan = " ".join(str(row[-1]) for row in conn.execute(text(
            "EXPLAIN QUERY PLAN SELECT seq FROM audit_log WHERE tenant_id = 'zgt' "
            "AND occurred_at >= '2026-11-01' AND occurred_at < '2026-12-01' ORDER BY occurred_at")))
    assert "ix_audit_log_tenant_time" in plan, plan
