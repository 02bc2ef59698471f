"""audit archives: old records may be removed once archived (NEN 7513 retention)

``audit_archives`` records how far each tenant's chain is archived (and is itself
append-only). The audit_log DELETE trigger now lets a record go only when an archive row of
its tenant covers its seq; UPDATE and TRUNCATE stay refused.

Revision ID: 0009_audit_archives
Revises: 0008_launches
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_audit_archives'
down_revision = '0008_launches'
branch_labels = None
depends_on = None

POSTGRESQL_UPGRADE = [
    """
    CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$
    """,
    """
    CREATE FUNCTION audit_log_delete_archived_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM audit_archives
                       WHERE tenant_id = OLD.tenant_id AND through_seq >= OLD.seq) THEN
            RAISE EXCEPTION 'audit_log: DELETE of record % of % refused: not archived', OLD.seq, OLD.tenant_id
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN OLD;
    END $$
    """,
    "DROP TRIGGER audit_log_append_only ON audit_log",
    """
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    """,
    """
    CREATE TRIGGER audit_log_delete_archived BEFORE DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_delete_archived_only()
    """,
    """
    CREATE TRIGGER audit_archives_append_only BEFORE UPDATE OR DELETE ON audit_archives
        FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()
    """,
    """
    CREATE TRIGGER audit_archives_no_truncate BEFORE TRUNCATE ON audit_archives
        FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()
    """,
]

POSTGRESQL_DOWNGRADE = [
    "DROP TRIGGER audit_log_delete_archived ON audit_log",
    "DROP TRIGGER audit_log_no_update ON audit_log",
    """
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()
    """,
]

#: The SQLite trigger that replaces 0002's audit_log_no_delete.
SQLITE_DELETE_TRIGGER = """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    WHEN NOT EXISTS (SELECT 1 FROM audit_archives WHERE tenant_id = OLD.tenant_id AND through_seq >= OLD.seq)
    BEGIN SELECT RAISE(ABORT, 'audit_log: DELETE refused: record not archived'); END
    """

SQLITE_UPGRADE = [
    "DROP TRIGGER audit_log_no_delete",
    SQLITE_DELETE_TRIGGER,
    """
    CREATE TRIGGER audit_archives_no_update BEFORE UPDATE ON audit_archives
    BEGIN SELECT RAISE(ABORT, 'audit_archives is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_archives_no_delete BEFORE DELETE ON audit_archives
    BEGIN SELECT RAISE(ABORT, 'audit_archives is append-only: DELETE refused'); END
    """,
]

SQLITE_DOWNGRADE = [
    "DROP TRIGGER audit_log_no_delete",
    """
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END
    """,
]


def upgrade() -> None:
    op.create_table('audit_archives',
    sa.Column('tenant_id', sa.String(length=32), nullable=False),
    sa.Column('through_seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('through_hash', sa.String(length=64), nullable=False),
    sa.Column('through_occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'through_seq', name=op.f('pk_audit_archives'))
    )
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL_UPGRADE, "sqlite": SQLITE_UPGRADE}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"postgresql": POSTGRESQL_DOWNGRADE, "sqlite": SQLITE_DOWNGRADE}.get(dialect, []):
        op.execute(statement)
    op.drop_table('audit_archives')
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_delete_archived_only()")
        op.execute("DROP FUNCTION IF EXISTS audit_refuse_change()")
