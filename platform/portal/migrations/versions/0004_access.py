"""access

Revision ID: 0004_access
Revises: 0003_auth
Create Date: 2026-11-26 03:14:57.733140
"""
import sqlalchemy as sa
from alembic import op

revision = '0004_access'
down_revision = '0003_auth'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('patient_notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('patient_id', sa.String(length=128), nullable=False),
    sa.Column('patient_number', sa.String(length=32), nullable=True),
    sa.Column('patient_name', sa.String(length=200), nullable=True),
    sa.Column('provider_name', sa.String(length=200), nullable=False),
    sa.Column('provider_practice', sa.String(length=200), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_patient_notifications'))
    )
    with op.batch_alter_table('patient_notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_patient_notifications_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('covering_authorisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('practice_agb', sa.String(length=8), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_covering_authorisations_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_covering_authorisations')),
    sa.UniqueConstraint('account_id', 'practice_agb', name='uq_covering_account_practice')
    )
    with op.batch_alter_table('covering_authorisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_covering_authorisations_account_id'), ['account_id'], unique=False)

    op.create_table('emergency_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.String(length=128), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('network_address', sa.String(length=64), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_emergency_accesses_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emergency_accesses'))
    )
    with op.batch_alter_table('emergency_accesses', schema=None) as batch_op:
        batch_op.create_index('ix_emergency_lookup', ['tenant_id', 'account_id', 'patient_id', 'expires_at'], unique=False)

    op.create_table('recent_patients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.String(length=128), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_recent_patients_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recent_patients')),
    sa.UniqueConstraint('account_id', 'patient_id', name='uq_recent_account_patient')
    )
    with op.batch_alter_table('recent_patients', schema=None) as batch_op:
        batch_op.create_index('ix_recent_account_opened', ['account_id', 'opened_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('recent_patients', schema=None) as batch_op:
        batch_op.drop_index('ix_recent_account_opened')

    op.drop_table('recent_patients')
    with op.batch_alter_table('emergency_accesses', schema=None) as batch_op:
        batch_op.drop_index('ix_emergency_lookup')

    op.drop_table('emergency_accesses')
    with op.batch_alter_table('covering_authorisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_covering_authorisations_account_id'))

    op.drop_table('covering_authorisations')
    with op.batch_alter_table('patient_notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_patient_notifications_tenant_id'))

    op.drop_table('patient_notifications')
