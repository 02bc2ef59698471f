"""audit_log: index by tenant and time

Revision ID: 0016_audit_log_tenant_time
Revises: 0015_death_notification_outcome

``ix_audit_log_tenant_time`` on ``audit_log (tenant_id, occurred_at)``: the back office's log
review and its signal scan select a tenant's records by period; without it they scan the
tenant's whole chain. (On a large PostgreSQL log, create it beforehand with ``CREATE INDEX
CONCURRENTLY ix_audit_log_tenant_time ON audit_log (tenant_id, occurred_at)``; this migration
then finds it and leaves it.)
"""
import sqlalchemy as sa
from alembic import op

revision = '0016_audit_log_tenant_time'
down_revision = '0015_death_notification_outcome'
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("audit_log")}
    if "ix_audit_log_tenant_time" not in existing:
        op.create_index('ix_audit_log_tenant_time', 'audit_log', ['tenant_id', 'occurred_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_tenant_time', table_name='audit_log')
