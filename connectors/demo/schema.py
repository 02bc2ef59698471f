"""The demo EPD's own database schema (not the portal's: it has its own MetaData).

Dates and moments are ISO-8601 text ("1955-05-05", "2024-11-03T14:20"): portable between
SQLite and PostgreSQL, ordered correctly as text, and cheap to bulk-load.

Clinical data of every kind sits in one ``records`` table: a kind, an approval flag, the
moments screens sort and filter by, and a JSON payload holding the kind's fields (named as
the view model's fields). Search columns of ``patients`` are stored normalised beside the
display values, so every search path is an index lookup.

Indexes are created after bulk loading (``create_indexes``): loading into unindexed tables
and indexing once is several times faster than maintaining indexes row by row.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Connection

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)

#: GPs, practices' elderly-care physicians, dentists and pharmacies.
providers = Table(
    "providers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(24), nullable=False),  # gp, elderly_care_physician, dentist, pharmacy
    Column("name", String(200), nullable=False),
    Column("agb_code", String(8)),
    Column("uzi_number", String(9)),
    Column("practice_name", String(200)),
    Column("practice_agb", String(8)),
    Column("street", String(120)),
    Column("house_number", Integer),
    Column("postcode", String(6)),
    Column("city", String(80)),
    Column("phone", String(20)),
)

patients = Table(
    "patients", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("patient_number", String(12), nullable=False),
    Column("bsn", String(9)),
    Column("initials", String(20), nullable=False),
    Column("given_name", String(60)),
    Column("birth_name_prefix", String(20)),
    Column("birth_name", String(80), nullable=False),
    Column("partner_name_prefix", String(20)),
    Column("partner_name", String(80)),
    Column("name_usage", String(12), nullable=False),
    Column("birth_name_norm", String(100), nullable=False),
    Column("partner_name_norm", String(100)),
    Column("birth_date", String(10), nullable=False),
    Column("sex", String(8), nullable=False),
    Column("street", String(120)),
    Column("house_number", Integer),
    Column("house_number_addition", String(8)),
    Column("postcode", String(6)),
    Column("city", String(80)),
    Column("phone_mobile", String(20)),
    Column("phone_home", String(20)),
    Column("email", String(120)),
    Column("consent", Boolean, nullable=False),
    Column("gp_id", Integer),
    Column("dentist_id", Integer),
    Column("pharmacy_id", Integer),
    Column("insurer", String(60)),
    Column("policy_number", String(20)),
    Column("insurance_start", String(10)),
    Column("death_date", String(10)),
)

relations = Table(
    "relations", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("patient_id", Integer, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("agb_code", String(8)),
    Column("practice_agb", String(8)),
    Column("valid_from", String(10)),
    Column("valid_until", String(10)),
)

records = Table(
    "records", metadata,
    Column("id", Integer, primary_key=True),
    Column("patient_id", Integer, nullable=False),
    Column("kind", String(24), nullable=False),
    Column("approved", Boolean, nullable=False),
    Column("starts_at", String(16)),
    Column("ends_at", String(16)),
    Column("payload", Text, nullable=False),
)


#: Plain DDL (the same on SQLite and PostgreSQL), run once after loading.
INDEXES = (
    "CREATE UNIQUE INDEX ux_patients_number ON patients (patient_number)",
    "CREATE UNIQUE INDEX ux_patients_bsn ON patients (bsn)",
    # Name searches always come with birth date and sex: about 15 patients share both at a
    # million patients, so the name condition runs on a handful of rows.
    "CREATE INDEX ix_patients_birth_sex ON patients (birth_date, sex)",
    "CREATE INDEX ix_patients_address ON patients (postcode, house_number)",
    "CREATE INDEX ix_relations_patient ON relations (patient_id)",
    "CREATE INDEX ix_relations_agb ON relations (agb_code)",
    "CREATE INDEX ix_relations_practice ON relations (practice_agb)",
    "CREATE INDEX ix_records_patient ON records (patient_id, kind)",
    "CREATE INDEX ix_records_kind_start ON records (kind, starts_at)",
    # Open admissions only: tiny, so "Klinische patiënten" never scans the history.
    "CREATE INDEX ix_records_open ON records (kind, starts_at) WHERE ends_at IS NULL",
)


def create_tables(conn: Connection) -> None:
    """Drop and create every table, without secondary indexes."""
    metadata.drop_all(conn)
    metadata.create_all(conn)


def create_indexes(conn: Connection) -> None:
    for ddl in INDEXES:
        conn.exec_driver_sql(ddl)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE")
        # Rows were loaded with explicit ids; new orders continue after them.
        conn.exec_driver_sql(
            "SELECT setval(pg_get_serial_sequence('records', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM records")
    else:
        conn.exec_driver_sql("ANALYZE")
