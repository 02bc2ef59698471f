"""auth: server-side sessions and login challenges

Revision ID: 0003_auth
Revises: 0002_audit
Create Date: 2026-11-26 03:11:41.486391
"""
import sqlalchemy as sa
from alembic import op

revision = '0003_auth'
down_revision = '0002_audit'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('auth_challenges',
    sa.Column('challenge_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('session_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('challenge_hash', name=op.f('pk_auth_challenges'))
    )
    with op.batch_alter_table('auth_challenges', schema=None) as batch_op:
        batch_op.create_index('ix_auth_challenges_expires_at', ['expires_at'], unique=False)

    op.create_table('auth_sessions',
    sa.Column('id_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('data', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_auth_sessions_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id_hash', name=op.f('pk_auth_sessions'))
    )
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_auth_sessions_account_id'), ['account_id'], unique=False)
        batch_op.create_index('ix_auth_sessions_expires_at', ['expires_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('auth_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_auth_sessions_expires_at')
        batch_op.drop_index(batch_op.f('ix_auth_sessions_account_id'))

    op.drop_table('auth_sessions')
    with op.batch_alter_table('auth_challenges', schema=None) as batch_op:
        batch_op.drop_index('ix_auth_challenges_expires_at')

    op.drop_table('auth_challenges')
