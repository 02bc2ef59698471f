"""death notifications

Revision ID: 0006_death_notifications
Revises: 0005_rate_limits
Create Date: 2026-11-26 03:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_death_notifications'
down_revision = '0005_rate_limits'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('death_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=128), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('reporter_name', sa.String(length=200), nullable=False),
    sa.Column('reporter_agb', sa.String(length=8), nullable=False),
    sa.Column('reporter_uzi', sa.String(length=9), nullable=True),
    sa.Column('date_of_death', sa.Date(), nullable=False),
    sa.Column('place_of_death', sa.String(length=200), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_death_notifications_account_id_accounts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_death_notifications')),
    sa.UniqueConstraint('tenant_id', 'patient_id', name='uq_death_notifications_tenant_patient')
    )


def downgrade() -> None:
    op.drop_table('death_notifications')
