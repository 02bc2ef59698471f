"""back office: patients' inzagelog requests and their delivery

Revision ID: 0014_backoffice_inzagelog
Revises: 0013_backoffice_signals

``backoffice_inzagelog_requests``: one row per request the privacy officer enters (who asked,
when, the period, the BSN as the audit log stores it) with its delivery (last download, by
whom, how many).
"""
import sqlalchemy as sa
from alembic import op

revision = '0014_backoffice_inzagelog'
down_revision = '0013_backoffice_signals'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backoffice_inzagelog_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('patient_bsn', sa.String(length=16), nullable=False),
    sa.Column('first_day', sa.Date(), nullable=False),
    sa.Column('last_day', sa.Date(), nullable=False),
    sa.Column('file_format', sa.String(length=8), nullable=False),
    sa.Column('requested_by', sa.String(length=200), nullable=False),
    sa.Column('requested_by_subject', sa.String(length=200), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=True),
    sa.Column('downloads', sa.Integer(), nullable=False),
    sa.Column('delivered_by', sa.String(length=200), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backoffice_inzagelog_requests'))
    )
    with op.batch_alter_table('backoffice_inzagelog_requests', schema=None) as batch_op:
        batch_op.create_index('ix_backoffice_inzagelog_requests_tenant', ['tenant_id', 'requested_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('backoffice_inzagelog_requests', schema=None) as batch_op:
        batch_op.drop_index('ix_backoffice_inzagelog_requests_tenant')
    op.drop_table('backoffice_inzagelog_requests')
