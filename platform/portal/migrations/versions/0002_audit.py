"""audit log (NEN 7513): hash-chained records and per-tenant chain heads

The database itself keeps the log append-only: triggers refuse UPDATE, DELETE and
TRUNCATE of ``audit_log``, and let a chain head only advance by exactly one record.

Revision ID: 0002_audit
Revises: 0001_accounts
"""
import sqlalchemy as sa
from alembic import op

revision = '0002_audit'
down_revision = '0001_accounts'
branch_labels = None
depends_on = None

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    """,
    """
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
    """,
    """
    CREATE FUNCTION audit_chain_head_advance_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' OR NEW.tenant_id <> OLD.tenant_id OR NEW.seq <> OLD.seq + 1 THEN
            RAISE EXCEPTION 'audit_chain_heads only advance by one record: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE TRIGGER audit_chain_heads_advance_only BEFORE UPDATE OR DELETE ON audit_chain_heads
        FOR EACH ROW EXECUTE FUNCTION audit_chain_head_advance_only()
    """,
    """
    CREATE TRIGGER audit_chain_heads_no_truncate BEFORE TRUNCATE ON audit_chain_heads
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()
    """,
]

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END
    """,
    """
    CREATE TRIGGER audit_chain_heads_advance_only BEFORE UPDATE ON audit_chain_heads
    WHEN NEW.tenant_id <> OLD.tenant_id OR NEW.seq <> OLD.seq + 1
    BEGIN SELECT RAISE(ABORT, 'audit_chain_heads only advance by one record: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_chain_heads_no_delete BEFORE DELETE ON audit_chain_heads
    BEGIN SELECT RAISE(ABORT, 'audit_chain_heads only advance by one record: DELETE refused'); END
    """,
]


def upgrade() -> None:
    op.create_table('audit_chain_heads',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_audit_chain_heads'))
    )
    op.create_table('audit_log',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('system', sa.String(length=100), nullable=False),
    sa.Column('user_uzi', sa.String(length=20), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=True),
    sa.Column('user_role', sa.String(length=16), nullable=True),
    sa.Column('user_agb', sa.String(length=16), nullable=True),
    sa.Column('user_organisation', sa.String(length=200), nullable=True),
    sa.Column('responsible_uzi', sa.String(length=20), nullable=True),
    sa.Column('network_address', sa.String(length=64), nullable=True),
    sa.Column('patient_bsn', sa.String(length=16), nullable=True),
    sa.Column('patient_number', sa.String(length=64), nullable=True),
    sa.Column('data', sa.Text(), nullable=True),
    sa.Column('grounds', sa.Text(), nullable=True),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('record_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'seq', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_audit_log_patient', ['tenant_id', 'patient_bsn', 'occurred_at'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL_TRIGGERS, "sqlite": SQLITE_TRIGGERS}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    # Dropping the tables drops their triggers; the PostgreSQL functions go separately.
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_log_patient')

    op.drop_table('audit_log')
    op.drop_table('audit_chain_heads')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head_advance_only()")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse_change()")
