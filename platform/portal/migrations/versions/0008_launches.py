"""launches: signed (HIS) and SMART (EHR) launch contexts, the replay barrier

Revision ID: 0008_launches
Revises: 0007_death_withdrawal
Create Date: 2026-12-03 10:00:00

One row per accepted launch; the unique constraint on (tenant_id, issuer, launch_id) makes a
``jti`` usable once across every process and node.
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_launches'
down_revision = '0007_death_withdrawal'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('launches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('issuer', sa.String(length=80), nullable=False),
    sa.Column('launch_id', sa.String(length=255), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('handle_hash', sa.LargeBinary(length=32), nullable=True),
    sa.Column('context', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('keep_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_launches')),
    sa.UniqueConstraint('handle_hash', name=op.f('uq_launches_handle_hash')),
    sa.UniqueConstraint('tenant_id', 'issuer', 'launch_id', name='uq_launches_tenant_issuer_launch')
    )
    op.create_index('ix_launches_keep_until', 'launches', ['keep_until'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_launches_keep_until', table_name='launches')
    op.drop_table('launches')
