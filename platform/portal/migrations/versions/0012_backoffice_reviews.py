"""back office: the privacy officer's verdicts on noodprocedures

Revision ID: 0012_backoffice_reviews
Revises: 0011_worklist_notifications

``backoffice_emergency_reviews``: one row per verdict on an emergency access (justified, to be
discussed, unjustified) with the remark and the reviewer; the newest row of an access counts.
"""
import sqlalchemy as sa
from alembic import op

revision = '0012_backoffice_reviews'
down_revision = '0011_worklist_notifications'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('backoffice_emergency_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('access_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('remark', sa.Text(), nullable=False),
    sa.Column('reviewer_name', sa.String(length=200), nullable=False),
    sa.Column('reviewer_subject', sa.String(length=200), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['access_id'], ['emergency_accesses.id'],
                            name=op.f('fk_backoffice_emergency_reviews_access_id_emergency_accesses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_backoffice_emergency_reviews'))
    )
    with op.batch_alter_table('backoffice_emergency_reviews', schema=None) as batch_op:
        batch_op.create_index('ix_backoffice_emergency_reviews_access', ['tenant_id', 'access_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('backoffice_emergency_reviews', schema=None) as batch_op:
        batch_op.drop_index('ix_backoffice_emergency_reviews_access')
    op.drop_table('backoffice_emergency_reviews')
