"""Database round trips per page: a figure the shared machine's noise cannot move.

    .venv/bin/python bench/round_trips.py [--sizes 10000] [--rounds 20]

Serves the portal in this process (the same app and tenant set-up as ``portal_bench.py``,
PostgreSQL, ``PORTAL_ENV=production``) through ``httpx.WSGITransport`` and lets one GP do
``--rounds`` rounds of ``gp_load.gp_round``. It prints the CPU time of this process per
request over all rounds (client and portal, without gunicorn and PostgreSQL: the figure to
compare two versions by, run after run), and per page kind the median time of one request
with nobody else waiting (the service time, without queueing) and the mean number of
round trips to the portal database: statements, the BEGIN psycopg sends before the first
statement of a transaction, COMMIT/ROLLBACK of an open transaction, pings of pooled
connections. On a loaded machine every round trip also waits for the database process to
be scheduled, so this count drives latency far more than Python time does.
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx
from psycopg.pq import TransactionStatus
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_setup import HOST, REPO, TENANT, PortalDatabase, create_accounts, gp_plan, tenant_folders  # noqa: E402
from epd_cache import DEFAULT_SEED, cached_epd  # noqa: E402
from gp_load import Browser, UnexpectedAnswer, gp_round  # noqa: E402
from portal import migrations  # noqa: E402
from portal.audit.checkpoints import new_key_pair  # noqa: E402
from portal.auth.cards import UziAuthority  # noqa: E402
from portal.platform import create_platform  # noqa: E402
from portal.settings import Settings  # noqa: E402


class RoundTrips:
    """Counts what each request costs in round trips on one engine."""

    def __init__(self, engine):
        self.current = 0
        dialect = engine.dialect

        def open_transaction(dbapi_connection) -> bool:
            return dbapi_connection.info.transaction_status == TransactionStatus.INTRANS

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn, _cursor, _statement, _parameters, _context, _many):
            dbapi = conn.connection.dbapi_connection
            begin = not dbapi.autocommit and dbapi.info.transaction_status == TransactionStatus.IDLE
            self.current += 1 + begin

        for name in ("commit", "rollback"):
            @event.listens_for(engine, name)
            def _end(conn, _name=name):
                self.current += open_transaction(conn.connection.dbapi_connection)

        @event.listens_for(engine, "reset")
        def _reset(dbapi_connection, _record, _state):
            self.current += open_transaction(dbapi_connection)

        original = dialect.do_ping

        def ping(dbapi_connection):
            self.current += 1
            return original(dbapi_connection)

        dialect.do_ping = ping


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    epd = cached_epd(DEFAULT_SEED, args.size)
    with tempfile.TemporaryDirectory(prefix="portal-rt-") as tmp:
        folder = Path(tmp)
        database = PortalDatabase.create("postgresql", folder, args.postgres)
        try:
            authority = UziAuthority.create(name="BENCH")
            tenant_folders(folder / "tenants", epd, authority)
            for key in ("PORTAL_ZGT_SECRET_KEY", "PORTAL_MST_SECRET_KEY"):
                os.environ[key] = secrets.token_urlsafe(48)
            os.environ["PORTAL_AUDIT_CHECKPOINTS"] = str(folder / "audit-checkpoints.log")
            os.environ["PORTAL_AUDIT_SIGNING_KEY"] = new_key_pair()[0]
            platform = create_platform(Settings.from_env(
                environment="production", database_url=database.url, instance_dir=folder / "instance",
                tenants_dir=folder / "tenants", themes_dir=REPO / "themes", allow_demo_epd=True))
            migrations.upgrade(platform.database)
            create_accounts(database.url, epd, DEFAULT_SEED)
            app = platform.apps[TENANT]
            routes = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
            plan = {"base_url": "http://bench", "host": HOST, "tenant": TENANT, "routes": routes,
                    "gps": gp_plan(epd, 1, args.rounds + 1, authority)}
            counter = RoundTrips(platform.database.engine)
            samples: list = []
            browser = Browser(plan, 0, 0.0, samples, {}, transport=httpx.WSGITransport(app=platform.dispatcher))
            browser.login(plan, plan["gps"][0])
            samples.clear()
            per_kind: dict[str, list[int]] = defaultdict(list)
            original = browser.request

            def counted(kind, *a, **kw):
                before = counter.current
                try:
                    return original(kind, *a, **kw)
                finally:
                    per_kind[kind].append(counter.current - before)

            browser.request = counted
            patients = plan["gps"][0]["patients"]
            # One round first, not counted: statements and templates are compiled on first use.
            gp_round(browser, routes, patients[args.rounds], 0)
            samples.clear()
            per_kind.clear()
            cpu_started = time.process_time()
            for n, patient in enumerate(patients[: args.rounds]):
                try:
                    gp_round(browser, routes, patient, n)
                except UnexpectedAnswer as exc:
                    print(f"round {n}: {exc}", file=sys.stderr)
            cpu_ms = (time.process_time() - cpu_started) * 1000 / max(1, len(samples))
            print(f"CPU of this process: {cpu_ms:.2f} ms per request ({len(samples)} requests)")
            times: dict[str, list[float]] = defaultdict(list)
            for kind, _offset, ms, _status in samples:
                times[kind].append(ms)
            print(f"{'page kind':40} {'requests':>8} {'round trips (mean)':>20} {'median ms':>10}")
            for kind, counts in sorted(per_kind.items()):
                print(f"{kind:40} {len(counts):8} {sum(counts) / len(counts):20.1f} "
                      f"{statistics.median(times[kind]):10.2f}")
            platform.close()
        finally:
            database.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
