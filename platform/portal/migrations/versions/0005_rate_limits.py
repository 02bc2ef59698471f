"""rate limits

Revision ID: 0005_rate_limits
Revises: 0004_access
Create Date: 2026-11-26 09:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0005_rate_limits'
down_revision = '0004_access'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_counters',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('window_index', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('key_hash', 'window_index', name=op.f('pk_rate_limit_counters'))
    )
    op.create_index('ix_rate_limit_counters_expires_at', 'rate_limit_counters', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rate_limit_counters_expires_at', table_name='rate_limit_counters')
    op.drop_table('rate_limit_counters')
