"""``record(event)``: append one record to its tenant's hash chain.

Concurrency: each append runs in its own transaction that first locks the tenant's chain
head (PostgreSQL: ``SELECT ... FOR UPDATE`` on the ``audit_chain_heads`` row; SQLite:
``BEGIN IMMEDIATE`` takes the database's single write lock before anything is read), so
writers in any number of processes take turns and the chain never forks. The primary key
``(tenant_id, seq)`` refuses a duplicate position should that ever fail.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.dml import UpdateBase

from ..db import Database, per_dialect, table_of
from .chain import GENESIS_HASH, canonical_details, canonical_parts, record_hash
from .events import AuditEvent, AuditWriteError
from .models import AuditChainHead, AuditRecord

DEFAULT_SYSTEM = "zorgverlenersportaal"

_log = table_of(AuditRecord)
_heads = table_of(AuditChainHead)

# Built once: constructing statements per append cost more than the database work.
_SELECT_HEAD = (select(_heads.c.seq, _heads.c.record_hash)
                .where(_heads.c.tenant_id == bindparam("head_tenant")).with_for_update())
_INSERT_RECORD = insert(_log)
_ADVANCE_HEAD = (update(_heads).where(_heads.c.tenant_id == bindparam("head_tenant"))
                 .values(seq=bindparam("head_seq"), record_hash=bindparam("head_hash"),
                         updated_at=bindparam("head_time")))
# PostgreSQL: the whole append as ONE autocommit statement. The head row is locked, the
# time taken, the hash finished from canonical_parts() (sha256 is built into PostgreSQL
# 11+), the record inserted and the head advanced inside the server, so the lock is held
# for no network round trip at all (it was three: SELECT ... FOR UPDATE, writes, COMMIT).
# The time is taken after the lock (rec reads the locked head), as in _append. No head
# yet (a tenant's first record): no row comes back and _append creates it.
_RECORD_COLUMNS = [c.name for c in _log.columns if c.name not in ("tenant_id", "seq", "prev_hash", "occurred_at",
                                                                   "record_hash")]
_APPEND_PG = text(f"""
WITH head AS (
    SELECT seq, record_hash FROM {_heads.name} WHERE tenant_id = :tenant_id FOR UPDATE
), rec AS (
    SELECT seq + 1 AS seq, record_hash AS prev_hash, clock_timestamp() AS at FROM head
), hashed AS (
    SELECT seq, prev_hash, at, encode(sha256(convert_to(
        CAST(:p0 AS text) || to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
        || CAST(:p1 AS text) || prev_hash || CAST(:p2 AS text) || seq::text || CAST(:p3 AS text), 'UTF8')),
        'hex') AS digest
    FROM rec
), appended AS (
    INSERT INTO {_log.name} (tenant_id, seq, prev_hash, occurred_at, record_hash, {", ".join(_RECORD_COLUMNS)})
    SELECT :tenant_id, seq, prev_hash, at, digest, {", ".join(f":{c}" for c in _RECORD_COLUMNS)} FROM hashed
    RETURNING seq, record_hash, occurred_at
)
UPDATE {_heads.name} SET seq = appended.seq, record_hash = appended.record_hash, updated_at = appended.occurred_at
FROM appended WHERE {_heads.name}.tenant_id = :tenant_id
RETURNING appended.seq, appended.record_hash""")
# The same statement in psycopg's own placeholders, sent with exec_driver_sql: the text()
# construct went through SQLAlchemy's compiled-statement cache and bind processing for its
# 20 parameters on every append; the driver needs none of it (psycopg prepares the
# statement on the server after a few executions on a connection).
_APPEND_PG_SQL = re.sub(r"(?<!:):([a-z_0-9]+)", r"%(\1)s", _APPEND_PG.text)
# PostgreSQL: the records of a list (record_all of several events) as ONE statement, so a
# search result of N patients costs a constant number of round trips (BEGIN, this, the
# head's advances, COMMIT) instead of BEGIN, N appends, COMMIT. The head is locked as in
# _APPEND_PG; the events come as one JSON array parameter (element n: the n-th event's
# record columns and canonical parts; psycopg's text[] dumping cost more CPU than the
# rest of the append together, json.dumps almost none). The hashes are chained by a recursive CTE,
# each finished exactly as _APPEND_PG finishes one, so a list is the chain N single appends
# at that instant would write. All records of a list take one time, taken after the lock.
# The head is not advanced here: the database lets it advance only one record per UPDATE
# (migration 0002's trigger), and a statement can update a row only once; _record advances
# it with one executemany, which psycopg sends as one pipeline (one round trip). No head
# yet: no rows come back and the records are appended by _append instead.
_APPEND_LIST_PG = text(f"""
WITH RECURSIVE head AS (
    SELECT seq, record_hash FROM {_heads.name} WHERE tenant_id = :tenant_id FOR UPDATE
), stamp AS (
    SELECT now_at, to_char(now_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now_text
    FROM (SELECT clock_timestamp() AS now_at FROM head) AS locked
), input AS (
    SELECT n, entry FROM json_array_elements(CAST(:rows AS json)) WITH ORDINALITY AS element(entry, n)
), chain(n, seq, prev_hash, digest) AS (
    SELECT CAST(0 AS bigint), seq, CAST(NULL AS text), CAST(record_hash AS text) FROM head
    UNION ALL
    SELECT chain.n + 1, chain.seq + 1, chain.digest, encode(sha256(convert_to(
        (input.entry->>'p0') || stamp.now_text || (input.entry->>'p1') || chain.digest || (input.entry->>'p2')
        || (chain.seq + 1)::text || (input.entry->>'p3'), 'UTF8')), 'hex')
    FROM chain JOIN input ON input.n = chain.n + 1 CROSS JOIN stamp
), appended AS (
    INSERT INTO {_log.name} (tenant_id, seq, prev_hash, occurred_at, record_hash, {", ".join(_RECORD_COLUMNS)})
    SELECT :tenant_id, chain.seq, chain.prev_hash, stamp.now_at, chain.digest,
           {", ".join(f"input.entry->>'{c}'" for c in _RECORD_COLUMNS)}
    FROM chain JOIN input ON input.n = chain.n CROSS JOIN stamp
    RETURNING seq, record_hash, occurred_at
)
SELECT seq, record_hash, occurred_at FROM appended ORDER BY seq""")
_APPEND_LIST_PG_SQL = re.sub(r"(?<!:):([a-z_0-9]+)", r"%(\1)s", _APPEND_LIST_PG.text)
_json_rows = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_CREATE_HEAD = per_dialect(lambda dialect: dialect.insert(_heads).on_conflict_do_nothing(index_elements=["tenant_id"]))


def _context_defaults() -> tuple[Database | None, str | None]:
    """The app's database and the tenant's system name, inside a tenant app's context."""
    from flask import has_app_context

    from .. import context

    if not has_app_context() or not context.has_tenant():
        return None, None
    return context.database(), context.tenant().audit.system_name


def record(event: AuditEvent, database: Database | None = None) -> None:
    """Append ``event`` to its tenant's chain and commit before returning.

    ``database`` defaults to the current Flask app's. Raises ``AuditWriteError`` when
    the record cannot be written (no database, database down, lock timeout, ...).
    """
    record_all([event], database)


def record_all(events: list[AuditEvent], database: Database | None = None) -> None:
    """Append ``events`` (all of one tenant) and commit before returning: all are written,
    in order, or none (``AuditWriteError``). A list that shows many patients locks the chain
    head once, not once per patient, and all its records carry one time (taken under the
    lock). On PostgreSQL a single event is one autocommit statement (the server locks the
    head, hashes and appends); several are one transaction of a constant 4 round trips
    (``_APPEND_LIST_PG``, the head's advances as one executemany)."""
    _record(events, database, None)


def record_with(event: AuditEvent, statement: UpdateBase, params: dict, database: Database | None = None) -> None:
    """Append ``event`` and run ``statement`` (a write of the caller's, with ``params``) in
    the same transaction (elsewhere than PostgreSQL after the append, the chain head locked
    first as always): both are committed, or the event is not
    (``AuditWriteError``; the caller then fails closed as with ``record``). On PostgreSQL
    it is one autocommit statement, ``statement`` a data-modifying CTE of the append (its
    parameter names must not be the record's column names); elsewhere one transaction.
    Only when the tenant has no chain head yet (its very first record) does ``statement``
    commit on its own before the append."""
    clash = set(params) & {*_RECORD_COLUMNS, "tenant_id", *(f"p{n}" for n in range(8))}
    if clash:
        raise ValueError(f"record_with: parameter names {sorted(clash)} are the audit record's")
    _record([event], database, (statement, params))


def _record(events: list[AuditEvent], database: Database | None, companion: tuple[UpdateBase, dict] | None) -> None:
    if not events:
        return
    if len({event.tenant_id for event in events}) != 1:
        raise ValueError("record_all appends to one tenant's chain at a time")
    app_database, app_system = _context_defaults()
    database = database or app_database
    if database is None:
        raise AuditWriteError("no database to write the audit record to (pass one outside a Flask app)")
    tenant_id = events[0].tenant_id
    systems = [event.system or app_system or DEFAULT_SYSTEM for event in events]
    appended: list[tuple[int, str]] = []
    try:
        if len(events) == 1 and database.dialect == "postgresql":
            sql, values = _APPEND_PG_SQL, _statement_values(events[0], systems[0])
            if companion is not None:
                sql = _with_companion(companion[0])
                values.update(companion[1])
                companion = None  # run now, whatever the head: never a second time below
            with database.autocommit() as conn:
                row = conn.exec_driver_sql(sql, values).first()
            if row is not None:  # None: the tenant's first record, whose head is created below
                appended = [(row[0], row[1])]
        if not appended:
            with database.engine.connect() as conn:
                try:
                    appended = _append_list_pg(conn, events, systems) if database.dialect == "postgresql" else []
                    if not appended:
                        appended = _append(conn, events, systems)
                    if companion is not None:
                        conn.execute(companion[0], companion[1])
                    conn.commit()
                except BaseException:
                    conn.rollback()
                    raise
    except SQLAlchemyError as exc:
        raise AuditWriteError(f"audit record for tenant '{tenant_id}' not written: "
                              f"{type(getattr(exc, 'orig', None) or exc).__name__}") from exc
    for seq, digest in appended:
        _anchor(database, tenant_id, seq, digest)


#: ``record_with``'s statements as CTEs of the PostgreSQL append, compiled once each.
_COMPANIONS: dict[int, tuple[UpdateBase, str]] = {}


def _with_companion(statement: UpdateBase) -> str:
    """The PostgreSQL append with ``statement`` as a data-modifying CTE (PostgreSQL runs
    every such CTE once, to completion, in the append's statement and snapshot)."""
    cached = _COMPANIONS.get(id(statement))
    if cached is None or cached[0] is not statement:
        compiled = str(statement.compile(dialect=postgresql.psycopg.dialect()))
        sql = _APPEND_PG_SQL.replace("WITH head AS (", f"WITH companion AS ({compiled}), head AS (", 1)
        cached = _COMPANIONS[id(statement)] = (statement, sql)
    return cached[1]


def _anchor(database: Database, tenant_id: str, seq: int, digest: str) -> None:
    """Hand the appended position to the deployment's checkpoints (``checkpoints``), if any."""
    checkpoints = getattr(database, "checkpoints", None)
    if checkpoints is not None:
        checkpoints.after_append(tenant_id, seq, digest)


def _statement_values(event: AuditEvent, system: str) -> dict:
    fields = _fields(event, system)
    return {**fields, **{f"p{n}": part for n, part in enumerate(canonical_parts(fields))}}


def _append_list_pg(conn: Connection, events: list[AuditEvent], systems: list[str]) -> list[tuple[int, str]]:
    """Append ``events`` in the open transaction with ``_APPEND_LIST_PG`` and advance the
    head over them (one executemany); [] when the tenant has no head yet (nothing written)."""
    rows = conn.exec_driver_sql(_APPEND_LIST_PG_SQL, _list_values(events, systems)).all()
    if rows:
        _advance(conn, events[0].tenant_id, [(seq, digest) for seq, digest, _at in rows], rows[0][2])
    return [(seq, digest) for seq, digest, _at in rows]


def _advance(conn: Connection, tenant_id: str, appended: list[tuple[int, str]], at: datetime) -> None:
    """Advance the locked head over ``appended``, one record per UPDATE (the database's
    trigger refuses a head that skips records) in one executemany."""
    conn.execute(_ADVANCE_HEAD, [{"head_tenant": tenant_id, "head_seq": seq, "head_hash": digest, "head_time": at}
                                 for seq, digest in appended])


def _list_values(events: list[AuditEvent], systems: list[str]) -> dict:
    """``_APPEND_LIST_PG``'s parameters: the tenant and the events as a JSON array."""
    rows = [_statement_values(event, system) for event, system in zip(events, systems)]
    return {"tenant_id": events[0].tenant_id, "rows": _json_rows.encode(rows)}


def _fields(event: AuditEvent, system: str) -> dict:
    """The record's columns except those only known at the chain head."""
    return {
        "tenant_id": event.tenant_id,
        "action": event.action.value,
        "outcome": event.outcome,
        "system": system,
        "user_uzi": event.user_uzi,
        "user_name": event.user_name,
        "user_role": event.user_role,
        "user_agb": event.user_agb,
        "user_organisation": event.user_organisation,
        "responsible_uzi": event.responsible_uzi,
        "network_address": event.network_address,
        "patient_bsn": event.patient_bsn,
        "patient_number": event.patient_number,
        "data": event.data,
        "grounds": event.grounds,
        "details": canonical_details(dict(event.details)),
    }


def _lock_head(conn: Connection, tenant_id: str) -> tuple[int, str]:
    """Lock the tenant's chain head for this transaction; (seq, hash) of the newest record."""
    dialect = conn.dialect.name
    if dialect == "sqlite" and not conn.in_transaction():
        # pysqlite would only BEGIN (deferred) at the first write; read-then-write in a
        # deferred transaction can fail to upgrade its lock. Take the write lock first.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    row = conn.execute(_SELECT_HEAD, {"head_tenant": tenant_id}).first()
    if row is not None:
        return row.seq, row.record_hash
    # First record of this tenant: create the head, tolerating a concurrent creator.
    conn.execute(_CREATE_HEAD[dialect], {"tenant_id": tenant_id, "seq": 0, "record_hash": GENESIS_HASH,
                                         "updated_at": datetime.now(timezone.utc)})
    row = conn.execute(_SELECT_HEAD, {"head_tenant": tenant_id}).one()
    return row.seq, row.record_hash


def _append(conn: Connection, events: list[AuditEvent], systems: list[str]) -> list[tuple[int, str]]:
    """Append ``events`` in the open transaction: lock the head once, chain the hashes here,
    insert all records in one executemany and advance the head in another. Returns (seq, record
    hash) of each, in order."""
    tenant_id = events[0].tenant_id
    last_seq, last_hash = _lock_head(conn, tenant_id)
    # The time is taken while holding the lock, so times never go backwards along a
    # chain (unless the clock itself does); one time for a whole list, as on PostgreSQL.
    now = datetime.now(timezone.utc)
    rows = []
    for event, system in zip(events, systems):
        fields = {**_fields(event, system), "seq": last_seq + 1, "prev_hash": last_hash, "occurred_at": now}
        last_seq, last_hash = fields["seq"], record_hash(fields)
        rows.append({**fields, "record_hash": last_hash})
    conn.execute(_INSERT_RECORD, rows)
    appended = [(row["seq"], row["record_hash"]) for row in rows]
    _advance(conn, tenant_id, appended, now)
    return appended
