"""accounts

Revision ID: 0001_accounts
Revises:
Create Date: 2026-11-26 03:03:13.600922
"""
import sqlalchemy as sa
from alembic import op

revision = '0001_accounts'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('uzi_number', sa.String(length=9), nullable=False),
    sa.Column('agb_code', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=6), nullable=False),
    sa.Column('practice_name', sa.String(length=200), nullable=True),
    sa.Column('practice_agb', sa.String(length=8), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('tenant_id', 'uzi_number', name='uq_accounts_tenant_uzi')
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_accounts_agb_code'), ['agb_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_accounts_tenant_id'), ['tenant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_accounts_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_accounts_agb_code'))

    op.drop_table('accounts')
