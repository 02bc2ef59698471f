"""death notifications keep their outcome; patient notifications who sent them

Revision ID: 0015_death_notification_outcome
Revises: 0014_backoffice_inzagelog

``death_notifications.processed_outcome`` (confirmed in the EPD / rejected) and
``processed_remark``, as the back office records them; ``patient_notifications.sent_by``,
the staff member who marked the message sent. All nullable: rows processed before stay as
they were.
"""
import sqlalchemy as sa
from alembic import op

revision = '0015_death_notification_outcome'
down_revision = '0014_backoffice_inzagelog'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('death_notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processed_outcome', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('processed_remark', sa.Text(), nullable=True))
    with op.batch_alter_table('patient_notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_by', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('patient_notifications', schema=None) as batch_op:
        batch_op.drop_column('sent_by')
    with op.batch_alter_table('death_notifications', schema=None) as batch_op:
        batch_op.drop_column('processed_remark')
        batch_op.drop_column('processed_outcome')
