"""Audit log benchmark (not a test): append latency and throughput with concurrent writer
processes, and `verify` time on a long chain, on SQLite and PostgreSQL.

    .venv/bin/python bench/audit_bench.py                      # SQLite, plus PostgreSQL if reachable
    .venv/bin/python bench/audit_bench.py --writers 8 --appends 500 --verify-records 1000000
    .venv/bin/python bench/audit_bench.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/audit_bench.py --long-chain --big 5000000   # routine verify, export by BSN
    .venv/bin/python bench/audit_bench.py --lists 10,50                # record_all of a list, per record

``--long-chain`` loads a chain with COPY (hashes and signed writer checkpoints by the portal's
own code), signs a verified checkpoint at its end, appends ``--new`` records, and compares a
routine verify of them with a full verify of a chain of ``--new`` records (target: at most
2x); and export by BSN per entry on it with a chain of ``--small`` records (target: at most
1.2x). Figures are printed and written to bench/results/audit_long_chain_<N>.json.

Each database is created fresh (a temporary SQLite file; a database ``portal_bench_<random>``
on the PostgreSQL server, dropped afterwards). Appends go through ``portal.audit.record``
exactly as the portal makes them, one transaction each. The long chain for ``verify`` is
bulk-loaded (hashes computed with the same code) because a million single appends would
only measure the loader.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import statistics
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from portal import migrations
from portal.audit import Action, AuditEvent, record, record_all
from portal.audit.chain import GENESIS_HASH, canonical_details, record_hash
from portal.audit.checkpoints import VERIFIED, Checkpoints, new_key_pair
from portal.audit.inzagelog import access_log
from portal.audit.models import AuditChainHead, AuditRecord
from portal.audit.verify import verify_chain
from portal.audit.verify_run import run_verify
from portal.db import Database

TARGET_P95_MS = 1.0
TARGET_BSN = "999990019"
RESULTS = Path(__file__).parent / "results"
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
    cpu_started = time.process_time()
    # Paced writers start at spread-out offsets, as page views of different users would.
    begin = time.perf_counter() + (random.random() / rate if rate else 0)
    for n in range(appends):
        if rate:
            time.sleep(max(0.0, begin + n / rate - time.perf_counter()))
        start = time.perf_counter()
        record(_event(tenant, writer, n), database)
        latencies.append(time.perf_counter() - start)
    results.put((latencies, time.process_time() - cpu_started))
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
    answers = [results.get() for _ in processes]
    elapsed = time.perf_counter() - started
    latencies = [value for values, _cpu in answers for value in values]
    cpu = sum(cpu for _values, cpu in answers)
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
        "cpu_ms_per_append": cpu / len(latencies) * 1000,
        "chain_intact": intact,
    }


def bench_lists(url: str, size: int, lists: int) -> dict:
    """``record_all`` of ``lists`` lists of ``size`` records, one after the other in this
    process, as ``audit_list`` writes a search result: CPU and wall time per record."""
    database = Database(url)
    tenant = f"bench{uuid.uuid4().hex[:8]}"
    record_all([_event(tenant, 0, -1)], database)  # head, connection and prepared statements outside the figure
    for _ in range(3):
        record_all([_event(tenant, 0, n) for n in range(size)], database)
    wall_started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(lists):
        record_all([_event(tenant, 0, n) for n in range(size)], database)
    cpu, wall = time.process_time() - cpu_started, time.perf_counter() - wall_started
    intact = verify_chain(database, tenant).intact
    database.dispose()
    records = size * lists
    return {"size": size, "lists": lists, "cpu_ms_per_record": cpu / records * 1000,
            "ms_per_list": wall / lists * 1000, "chain_intact": intact}


def run_lists(label: str, url: str, sizes: list[int], lists: int) -> None:
    database = Database(url)
    migrations.upgrade(database)
    database.dispose()
    print(f"\n== {label} ==")
    for size in sizes:
        r = bench_lists(url, size, lists)
        print(f"record_all of a list of {size}: {r['lists']} lists, client CPU {r['cpu_ms_per_record']:.3f} ms/record, "
              f"{r['ms_per_list']:.2f} ms/list (wall); chain intact: {r['chain_intact']}")


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


BIG_TARGET_RATIO = 2.0  # routine verify of N new records on a long chain vs verifying a chain of N
EXPORT_TARGET_RATIO = 1.2  # export per entry, long chain vs 100k records


def copy_chain(database: Database, tenant: str, count: int, checkpoints: Checkpoints, *, start_seq: int = 1,
               prev: str = GENESIS_HASH, patients: int = 20_000, target_bsn: str = TARGET_BSN,
               target_entries: int = 0) -> str:
    """Append ``count`` valid records to ``tenant``'s chain with PostgreSQL COPY (hashes by the
    portal's own code), a writer checkpoint every ``checkpoints.every`` records, and set the
    head. ``target_entries`` of them, spread evenly, are accesses to ``target_bsn``; the
    others to one of ``patients`` other patients. Returns the last hash."""
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    details = canonical_details({"pagina": "dossier"})
    columns = [c.name for c in AuditRecord.__table__.columns]
    spacing = count // target_entries if target_entries else 0
    raw = database.engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY audit_log ({', '.join(columns)}) FROM STDIN") as copy:
                for seq in range(start_seq, start_seq + count):
                    n = seq - start_seq
                    bsn = target_bsn if spacing and n % spacing == 0 and n // spacing < target_entries else \
                        f"9{seq * 7919 % patients:08d}"
                    fields = {"tenant_id": tenant, "seq": seq, "prev_hash": prev,
                              "occurred_at": start + timedelta(milliseconds=seq), "action": "view",
                              "outcome": "success", "system": "zorgverlenersportaal", "user_uzi": "900000001",
                              "user_name": "Dr. A. de Vries", "user_role": "01.015", "user_agb": "01000011",
                              "user_organisation": "Huisartsenpraktijk De Linde", "responsible_uzi": None,
                              "network_address": "192.0.2.10", "patient_bsn": bsn, "patient_number": "Z100",
                              "data": f"Brief {seq}", "grounds": "consent+registered_gp", "details": details}
                    fields["record_hash"] = prev = record_hash(fields)
                    copy.write_row([fields[c] for c in columns])
                    if seq % checkpoints.every == 0:
                        checkpoints.write(tenant, seq, prev)
            last = start_seq + count - 1
            cursor.execute("INSERT INTO audit_chain_heads (tenant_id, seq, record_hash, updated_at) "
                           "VALUES (%s, %s, %s, %s) ON CONFLICT (tenant_id) DO NOTHING",
                           (tenant, 0, GENESIS_HASH, start))
            # The head may only advance by one (a trigger): replica mode, as a restore would.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("UPDATE audit_chain_heads SET seq = %s, record_hash = %s, updated_at = %s "
                           "WHERE tenant_id = %s", (last, prev, start + timedelta(milliseconds=last), tenant))
            cursor.execute("SET session_replication_role = origin")
        raw.commit()
    finally:
        raw.close()
    return prev


def _timed(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def bench_long_chain(url: str, big: int, new: int, small: int, entries: int, folder: Path) -> dict:
    """Routine verify of ``new`` records appended to a chain of ``big`` vs a full verify of a
    chain of ``new``; export by BSN per entry on the ``big`` chain vs one of ``small``."""
    signing, _ = new_key_pair()
    database = Database(url)
    database.checkpoints = Checkpoints(folder / "checkpoints.log", signing, every=100)
    big_tenant, small_tenant, fresh_tenant = (f"{kind}{uuid.uuid4().hex[:6]}" for kind in ("big", "small", "new"))
    load_s, last_hash = _timed(lambda: copy_chain(database, big_tenant, big, database.checkpoints,
                                                  target_entries=entries))
    database.checkpoints.write(big_tenant, big, str(last_hash), VERIFIED)  # as a verify run at record `big` would
    copy_chain(database, big_tenant, new, database.checkpoints, start_seq=big + 1, prev=str(last_hash))
    with database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE audit_log")
    routine_s, routine = _timed(lambda: run_verify(database, database.checkpoints, big_tenant, write=False))
    # The chain of N on a checkpoint file of its own: a full verify checks every line of its file.
    fresh_checkpoints = Checkpoints(folder / "fresh.log", signing, every=100)
    copy_chain(database, fresh_tenant, new, fresh_checkpoints)
    fresh_s, fresh = _timed(lambda: run_verify(database, fresh_checkpoints, fresh_tenant, write=False))
    copy_chain(database, small_tenant, small, database.checkpoints, target_entries=entries)
    with database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE audit_log")
    period = (date(2024, 1, 1), date(2030, 12, 31))
    export = {}
    for label, tenant in (("big", big_tenant), ("small", small_tenant)):
        access_log(database, tenant, TARGET_BSN, *period)  # warm the cache as a second request would find it
        runs = [_timed(lambda t=tenant: access_log(database, t, TARGET_BSN, *period)) for _ in range(5)]
        seconds = statistics.median(r[0] for r in runs)
        entries = len(runs[0][1])  # type: ignore[arg-type]
        export[label] = {"entries": entries, "seconds": seconds, "per_entry_us": seconds / entries * 1e6}
    empty_s = statistics.median(_timed(lambda: access_log(database, big_tenant, "999999990", *period))[0]
                                for _ in range(5))
    database.dispose()
    return {
        "big_records": big, "new_records": new, "load_seconds": load_s,
        "routine_verify": {"seconds": routine_s, "records_walked": routine.result.records,
                           "intact": routine.result.intact, "mode": routine.mode},
        "fresh_verify": {"seconds": fresh_s, "records": fresh.result.records, "intact": fresh.result.intact},
        "verify_ratio": routine_s / fresh_s,
        "export": export, "export_no_rows_seconds": empty_s,
        "export_ratio": export["big"]["per_entry_us"] / export["small"]["per_entry_us"],
    }


def run_long_chain(url: str, args) -> dict:
    database = Database(url)
    migrations.upgrade(database)
    database.dispose()
    with tempfile.TemporaryDirectory() as folder:
        r = bench_long_chain(url, args.big, args.new, args.small, args.entries, Path(folder))
    verdict = "meets" if r["verify_ratio"] <= BIG_TARGET_RATIO else "MISSES"
    print(f"chain of {r['big_records']} records loaded by COPY in {r['load_seconds']:.0f} s")
    print(f"routine verify of {r['new_records']} new records on it: {r['routine_verify']['seconds']:.2f} s "
          f"({r['routine_verify']['records_walked']} walked, intact {r['routine_verify']['intact']}); full verify of "
          f"a chain of {r['new_records']}: {r['fresh_verify']['seconds']:.2f} s; ratio {r['verify_ratio']:.2f} "
          f"({verdict} <= {BIG_TARGET_RATIO:g})")
    big, small = r["export"]["big"], r["export"]["small"]
    verdict = "meets" if r["export_ratio"] <= EXPORT_TARGET_RATIO else "MISSES"
    print(f"export by BSN: {big['entries']} entries in {big['seconds'] * 1e3:.1f} ms on {r['big_records']} records "
          f"({big['per_entry_us']:.1f} us/entry), {small['entries']} in {small['seconds'] * 1e3:.1f} ms on "
          f"{args.small} ({small['per_entry_us']:.1f} us/entry); ratio {r['export_ratio']:.2f} ({verdict} <= "
          f"{EXPORT_TARGET_RATIO:g}); no rows: {r['export_no_rows_seconds'] * 1e3:.2f} ms")
    return r


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
              f"p50 {r['p50_ms']:.2f} ms, p95 {r['p95_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
              f"client CPU {r['cpu_ms_per_append']:.3f} ms/append "
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
    parser.add_argument("--long-chain", action="store_true",
                        help="instead: routine verify and export by BSN on a long chain (PostgreSQL, COPY-loaded)")
    parser.add_argument("--big", type=int, default=5_000_000, help="records of the long chain")
    parser.add_argument("--new", type=int, default=10_000, help="records appended after its verified checkpoint")
    parser.add_argument("--small", type=int, default=100_000, help="records of the chain the export is compared to")
    parser.add_argument("--entries", type=int, default=500, help="accesses to the exported patient in each chain")
    parser.add_argument("--lists", default="",
                        help="instead: record_all of lists of these sizes (comma-separated), per record")
    parser.add_argument("--list-count", type=int, default=200, help="lists appended per size")
    args = parser.parse_args()
    if args.lists:
        sizes = [int(size) for size in args.lists.split(",")]
        if not args.skip_sqlite:
            with tempfile.TemporaryDirectory() as folder:
                run_lists("SQLite (WAL, synchronous=NORMAL)", f"sqlite:///{Path(folder) / 'bench.sqlite'}", sizes,
                          args.list_count)
        if args.postgres:
            url, drop = _fresh_postgres(args.postgres)
            try:
                run_lists("PostgreSQL", url, sizes, args.list_count)
            finally:
                drop()
        return
    if args.long_chain:
        url, drop = _fresh_postgres(args.postgres)
        try:
            result = run_long_chain(url, args)
        finally:
            drop()
        RESULTS.mkdir(exist_ok=True)
        out = RESULTS / f"audit_long_chain_{args.big}.json"
        out.write_text(json.dumps({"cpus": multiprocessing.cpu_count(), **result}, indent=2) + "\n")
        print(f"written: {out.relative_to(Path(__file__).parent.parent)}")
        return
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
