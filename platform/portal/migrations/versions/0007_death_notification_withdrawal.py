"""death notifications: withdrawal by the reporter, processing by the hospital

Revision ID: 0007_death_withdrawal
Revises: 0006_death_notifications
Create Date: 2026-12-01 13:30:00

A withdrawn report no longer blocks a new one for the same patient: the one-per-patient
rule becomes a unique index over the reports that are not withdrawn.
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_death_withdrawal'
down_revision = '0006_death_notifications'
branch_labels = None
depends_on = None

_ACTIVE = sa.text("withdrawn_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table('death_notifications') as batch:
        batch.add_column(sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('withdrawn_reason', sa.Text(), nullable=True))
        batch.add_column(sa.Column('processed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('processed_by', sa.String(length=200), nullable=True))
        batch.drop_constraint('uq_death_notifications_tenant_patient', type_='unique')
    op.create_index('uq_death_notifications_active', 'death_notifications', ['tenant_id', 'patient_id'],
                    unique=True, postgresql_where=_ACTIVE, sqlite_where=_ACTIVE)


def downgrade() -> None:
    op.drop_index('uq_death_notifications_active', table_name='death_notifications')
    op.execute("DELETE FROM death_notifications WHERE withdrawn_at IS NOT NULL")
    with op.batch_alter_table('death_notifications') as batch:
        batch.create_unique_constraint('uq_death_notifications_tenant_patient', ['tenant_id', 'patient_id'])
        batch.drop_column('processed_by')
        batch.drop_column('processed_at')
        batch.drop_column('withdrawn_reason')
        batch.drop_column('withdrawn_at')
