"""back office: the log review's raised signals

Revision ID: 0013_backoffice_signals
Revises: 0012_backoffice_reviews

``backoffice_signals``: one row per signal raised from the audit log (kind, local day,
subject), unique on those so recomputing never duplicates; closed with a remark.
"""
import sqlalchemy as sa
from alembic import op

revision = '0013_backoffice_signals'
down_revision = '0012_backoffice_reviews'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backoffice_signals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('provider_uzi', sa.String(length=20), nullable=True),
    sa.Column('provider_name', sa.String(length=200), nullable=True),
    sa.Column('organisation', sa.String(length=200), nullable=True),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('baseline', sa.String(length=200), nullable=True),
    sa.Column('first_seq', sa.BigInteger(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=200), nullable=True),
    sa.Column('remark', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backoffice_signals')),
    sa.UniqueConstraint('tenant_id', 'kind', 'day', 'subject', name='uq_backoffice_signals_key')
    )
    with op.batch_alter_table('backoffice_signals', schema=None) as batch_op:
        batch_op.create_index('ix_backoffice_signals_open', ['tenant_id', 'closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('backoffice_signals', schema=None) as batch_op:
        batch_op.drop_index('ix_backoffice_signals_open')
    op.drop_table('backoffice_signals')
