"""Audit log benchmark (not a test): append latency and throughput with concurrent writer
processes, and `verify` time on a long chain, on SQLite and PostgreSQL.

    .venv/bin/python bench/audit_bench.py                      # SQLite, plus PostgreSQL if reachable
    .venv/bin/python bench/audit_bench.py --writers 8 --appends 500 --verify-records 1000000
    .venv/bin/python bench/audit_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Each database is created fresh (a temporary SQLite file; a database ``portal_bench_<random>``
on the PostgreSQL server, dropped afterwards). Appends go through ``portal.audit.record``
exactly as the portal makes them, one transaction each. The long chain for ``verify`` is
bulk-loaded (hashes computed with the same code) because a million single appends would
only measure the loader.
"""
from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from portal import migrations
from portal.audit import Action, AuditEvent, record
from portal.audit.chain import GENESIS_HASH, canonical_details, record_hash
from portal.audit.models import AuditChainHead, AuditRecord
from portal.audit.verify import verify_chain
from portal.db import Database

TARGET_P95_MS = 1.0
TARGET_VERIFY_S = 60.0


def _event(tenant: str, writer: int, n: int) -> AuditEvent:
    return AuditEvent(Action.VIEW, "success", tenant, user_uzi=f"9000000{writer:02d}", user_name="Dr. A. de Vries",
                      user_role="01.015", user_agb="01000011", user_organisation="Huisartsenpraktijk De Linde",
                      network_address="192.0.2.10", patient_bsn="999990019", patient_number="Z100",
                      data=f"Brief {n}", grounds="consent+registered_gp", details={"pagina": "dossier"})


def _writer(url: str, tenant: str, writer: int, appends: int, rate: float, barrier, results) -> None:
    database = Database(url)
    record(_event(tenant, writer, -1), database)  # connect and warm up outside the measurement
    latencies = []
    barrier.wait()
    # Paced writers start at spread-out offsets, as page views of different users would.
    begin = time.perf_counter() + (random.random() / rate if rate else 0)
    for n in range(appends):
        if rate:
            time.sleep(max(0.0, begin + n / rate - time.perf_counter()))
        start = time.perf_counter()
        record(_event(tenant, writer, n), database)
        latencies.append(time.perf_counter() - start)
    results.put(latencies)
    database.dispose()


def bench_appends(url: str, writers: int, appends: int, rate: float = 0) -> dict:
    tenant = f"bench{uuid.uuid4().hex[:8]}"
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(writers + 1), context.Queue()
    processes = [context.Process(target=_writer, args=(url, tenant, w, appends, rate, barrier, results))
                 for w in range(writers)]
    for process in processes:
        process.start()
    barrier.wait()
    started = time.perf_counter()
    latencies = [value for _ in processes for value in results.get()]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    latencies.sort()
    database = Database(url)
    intact = verify_chain(database, tenant).intact
    database.dispose()
    return {
        "writers": writers,
        "rate": rate,
        "appends": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
        "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] * 1000,
        "chain_intact": intact,
    }


def bulk_chain(database: Database, tenant: str, count: int, batch: int = 20_000) -> None:
    """``count`` valid chained records, inserted in batches (as if appended one by one)."""
    prev, start = GENESIS_HASH, datetime(2025, 1, 1, tzinfo=timezone.utc)
    details = canonical_details({"pagina": "dossier"})
    event = _event(tenant, 1, 0)
    base = {name: getattr(event, name) for name in (
        "user_uzi", "user_name", "user_role", "user_agb", "user_organisation", "responsible_uzi",
        "network_address", "patient_bsn", "patient_number", "grounds")}
    with database.engine.begin() as conn:
        rows = []
        for seq in range(1, count + 1):
            fields = {**base, "tenant_id": tenant, "seq": seq, "prev_hash": prev,
                      "occurred_at": start + timedelta(milliseconds=seq), "action": "view", "outcome": "success",
                      "system": "zorgverlenersportaal", "data": f"Brief {seq}", "details": details}
            fields["record_hash"] = prev = record_hash(fields)
            rows.append(fields)
            if len(rows) == batch:
                conn.execute(insert(AuditRecord.__table__), rows)
                rows = []
        if rows:
            conn.execute(insert(AuditRecord.__table__), rows)
        conn.execute(insert(AuditChainHead.__table__).values(tenant_id=tenant, seq=count, record_hash=prev,
                                                             updated_at=start + timedelta(milliseconds=count)))


def bench_verify(url: str, count: int) -> dict:
    tenant = f"verify{uuid.uuid4().hex[:8]}"
    database = Database(url)
    started = time.perf_counter()
    bulk_chain(database, tenant, count)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    result = verify_chain(database, tenant)
    elapsed = time.perf_counter() - started
    database.dispose()
    return {"records": result.records, "intact": result.intact, "seconds": elapsed, "load_seconds": loaded}


def _fresh_postgres(server_url: str) -> tuple[str, callable]:
    server = make_url(server_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"portal_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def run(label: str, url: str, args) -> None:
    database = Database(url)
    migrations.upgrade(database)
    database.dispose()
    print(f"\n== {label} ==")
    for writers, rate in ((1, 0), (args.writers, 0), (args.writers, args.rate)):
        r = bench_appends(url, writers, args.appends, rate)
        verdict = "meets" if r["p95_ms"] < TARGET_P95_MS else "MISSES"
        pace = f"each paced at {rate:g}/s" if rate else "as fast as they can"
        print(f"append, {r['writers']} writer process(es) {pace}: {r['appends']} appends, {r['per_second']:.0f}/s, "
              f"p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms "
              f"({verdict} p95 < {TARGET_P95_MS:g} ms); chain intact: {r['chain_intact']}")
    if args.verify_records:
        v = bench_verify(url, args.verify_records)
        verdict = "meets" if v["seconds"] < TARGET_VERIFY_S else "MISSES"
        print(f"verify: {v['records']} records in {v['seconds']:.1f} s ({v['records'] / v['seconds']:.0f}/s; "
              f"{verdict} < {TARGET_VERIFY_S:g} s); intact: {v['intact']} (bulk load took {v['load_seconds']:.0f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--appends", type=int, default=500, help="appends per writer process")
    parser.add_argument("--rate", type=float, default=50.0,
                        help="appends/s per writer in the paced run (a portal's real load is far lower)")
    parser.add_argument("--verify-records", type=int, default=1_000_000)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="PostgreSQL server to create a scratch database on ('' to skip)")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    print(f"audit benchmark: {multiprocessing.cpu_count()} CPU(s), {args.writers} writers x {args.appends} appends, "
          f"verify of {args.verify_records} records")
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            run("SQLite (WAL, synchronous=NORMAL)", f"sqlite:///{Path(folder) / 'bench.sqlite'}", args)
    if args.postgres:
        try:
            url, drop = _fresh_postgres(args.postgres)
        except Exception as exc:  # noqa: BLE001 - a benchmark reports and goes on
            print(f"\n== PostgreSQL skipped: {exc.__class__.__name__}: {exc} ==")
            return
        try:
            with create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)).connect() as conn:
                version = conn.execute(text("SHOW server_version")).scalar()
                sync = conn.execute(text("SHOW synchronous_commit")).scalar()
            run(f"PostgreSQL {version} (synchronous_commit={sync})", url, args)
        finally:
            drop()


if __name__ == "__main__":
    main()
