"""accounts: optional dezi_number and ura (logging in with Dezi)

Revision ID: 0010_account_dezi
Revises: 0009_audit_archives

A Dezi login finds the account by its Dezi-nummer (unique per tenant; NULL for accounts
ZorgNetOost sent none for) and checks the verklaring's organisation against ``ura``.
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_account_dezi'
down_revision = '0009_audit_archives'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dezi_number', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('ura', sa.String(length=8), nullable=True))
        batch_op.create_unique_constraint('uq_accounts_tenant_dezi', ['tenant_id', 'dezi_number'])


def downgrade() -> None:
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_constraint('uq_accounts_tenant_dezi', type_='unique')
        batch_op.drop_column('ura')
        batch_op.drop_column('dezi_number')
