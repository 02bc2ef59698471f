"""CPU per page in process: the portal's pages against the page-sized baseline, alternated.

    .venv/bin/python bench/page_cost.py [--size 10000] [--rounds 40] [--json out.json] [--profile out.prof]

Serves the portal in this process as ``round_trips.py`` does (PostgreSQL,
``PORTAL_ENV=production``, the tenant set up as ``portal_bench.py`` sets it up) with
``PORTAL_BENCH_PAGE=1``, and lets one GP do ``--rounds`` rounds of ``gp_load.gp_round``
through ``httpx.WSGITransport``. Every request of the round is paired with the baseline of
its kind (``GET /bench/page/<method>/<endpoint>``: the same template with the view models
of the portal's last request of that kind, no session, database, audit or access check),
in alternating order (baseline first in even rounds, portal first in odd ones), so that a
change in the machine's load falls on both alike.

Measured around the WSGI call alone (the app and its body, not the HTTP client): the
thread's CPU time (``time.thread_time``) and the wall time. Printed, and written with
``--json``: per page kind the mean CPU ms of the portal and of the baseline and their
ratio, the median wall ms (service time, nobody else waiting), and over the whole round
the portal's CPU / the baseline's. PostgreSQL's own CPU is not in these figures (it is in
``portal_bench.py``'s table "CPU per request").

``--profile`` writes a cProfile of the portal's measured requests alone (not the
baselines), timed by thread CPU: where a page's CPU beyond its template goes (``python -m pstats out.prof``).
The profiler's overhead inflates the figures printed with it; compare without it.
"""
from __future__ import annotations

import argparse
import cProfile
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_setup import HOST, REPO, TENANT, PortalDatabase, create_accounts, gp_plan, tenant_folders  # noqa: E402
from epd_cache import DEFAULT_SEED, cached_epd  # noqa: E402
from gp_load import Browser, UnexpectedAnswer, gp_round  # noqa: E402
from portal import migrations  # noqa: E402
from portal.audit.checkpoints import new_key_pair  # noqa: E402
from portal.auth.cards import UziAuthority  # noqa: E402
from portal.platform import create_platform  # noqa: E402
from portal.settings import Settings  # noqa: E402

BASELINE_PATH = "/bench/page/{method}/{endpoint}"


class Timed:
    """WSGI middleware: the thread CPU and wall seconds of the last request, body included."""

    def __init__(self, app):
        self.app, self.cpu, self.wall = app, 0.0, 0.0

    def __call__(self, environ, start_response):
        cpu, wall = time.thread_time(), time.perf_counter()
        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self.cpu, self.wall = time.thread_time() - cpu, time.perf_counter() - wall
        return [body]


class PairedBrowser(Browser):
    """A GP's browser whose every request is paired with the baseline of its kind."""

    def __init__(self, plan: dict, timed: Timed, url_map, transport):
        super().__init__(plan, 0, 0.0, [], {}, transport=transport)
        self.timed, self.adapter = timed, url_map.bind(HOST)
        self.baseline_first = False
        self.measuring = False
        self.profiler: cProfile.Profile | None = None
        self.figures: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))

    def _baseline(self, kind: str, method: str, url: str) -> None:
        endpoint, _args = self.adapter.match(httpx.URL(url).path, method=method)
        response = self.http.get(BASELINE_PATH.format(method=method, endpoint=endpoint))  # no session cookie
        if response.status_code == 409:
            return  # not served yet: the first round is not measured
        if self.measuring:
            self.figures[kind]["baseline_cpu"].append(self.timed.cpu)
            self.figures[kind]["baseline_wall"].append(self.timed.wall)

    def request(self, kind: str, method: str, url: str, expect: int = 200, **kwargs) -> httpx.Response:
        if self.baseline_first:
            self._baseline(kind, method, url)
        profiling = self.measuring and self.profiler is not None
        if profiling:
            self.profiler.enable()
        try:
            response = super().request(kind, method, url, expect, **kwargs)
        finally:
            if profiling:
                self.profiler.disable()
        if self.measuring:
            self.figures[kind]["portal_cpu"].append(self.timed.cpu)
            self.figures[kind]["portal_wall"].append(self.timed.wall)
        if not self.baseline_first:
            self._baseline(kind, method, url)
        return response


def summary(figures: dict) -> dict:
    """Per kind: the median CPU ms of portal and baseline (a garbage collection or a
    preempted cache moves a mean, hardly a median) and the median wall ms; over the
    round: the kinds' medians weighted by how often the round asks each, portal / baseline."""
    kinds = {}
    totals = {"portal": 0.0, "baseline": 0.0}
    for kind, f in sorted(figures.items()):
        if not f["portal_cpu"] or not f["baseline_cpu"]:
            continue
        portal, baseline = statistics.median(f["portal_cpu"]) * 1000, statistics.median(f["baseline_cpu"]) * 1000
        kinds[kind] = {"requests": len(f["portal_cpu"]), "portal_cpu_ms": round(portal, 3),
                       "baseline_cpu_ms": round(baseline, 3), "ratio": round(portal / baseline, 2),
                       "portal_wall_p50_ms": round(statistics.median(f["portal_wall"]) * 1000, 3),
                       "baseline_wall_p50_ms": round(statistics.median(f["baseline_wall"]) * 1000, 3)}
        totals["portal"] += portal * len(f["portal_cpu"])
        totals["baseline"] += baseline * len(f["portal_cpu"])
    searches = [ms for kind, f in figures.items() if kind.startswith("search (") for ms in f["portal_wall"]]
    return {"kinds": kinds,
            "round_ratio": round(totals["portal"] / totals["baseline"], 2) if totals["baseline"] else None,
            "worst_kind": max(kinds, key=lambda k: kinds[k]["ratio"]) if kinds else None,
            "worst_ratio": max((k["ratio"] for k in kinds.values()), default=None),
            "search_service_p50_ms": round(statistics.median(searches) * 1000, 3) if searches else None}


def measure(size: int, rounds: int, postgres: str, profile: Path | None = None) -> dict:
    epd = cached_epd(DEFAULT_SEED, size)
    with tempfile.TemporaryDirectory(prefix="portal-cost-") as tmp:
        folder = Path(tmp)
        database = PortalDatabase.create("postgresql", folder, postgres)
        try:
            authority = UziAuthority.create(name="BENCH")
            tenant_folders(folder / "tenants", epd, authority)
            for key in ("PORTAL_ZGT_SECRET_KEY", "PORTAL_MST_SECRET_KEY"):
                os.environ[key] = secrets.token_urlsafe(48)
            os.environ["PORTAL_AUDIT_CHECKPOINTS"] = str(folder / "audit-checkpoints.log")
            os.environ["PORTAL_AUDIT_SIGNING_KEY"] = new_key_pair()[0]
            platform = create_platform(Settings.from_env(
                environment="production", database_url=database.url, instance_dir=folder / "instance",
                tenants_dir=folder / "tenants", themes_dir=REPO / "themes", allow_demo_epd=True, bench_page=True))
            migrations.upgrade(platform.database)
            create_accounts(database.url, epd, DEFAULT_SEED)
            app = platform.apps[TENANT]
            routes = {r.endpoint: r.rule for r in app.url_map.iter_rules()}
            plan = {"base_url": "http://bench", "host": HOST, "tenant": TENANT, "routes": routes,
                    "gps": gp_plan(epd, 1, rounds + 2, authority)}
            timed = Timed(platform.dispatcher)
            browser = PairedBrowser(plan, timed, app.url_map, httpx.WSGITransport(app=timed))
            browser.login(plan, plan["gps"][0])
            patients = plan["gps"][0]["patients"]
            # Two rounds first, not measured: statements and templates compiled, every
            # kind captured for the baseline.
            for n in range(2):
                gp_round(browser, routes, patients[-1 - n], n)
            browser.measuring = True
            browser.profiler = cProfile.Profile(time.thread_time) if profile else None
            cpu_started = time.process_time()
            for n, patient in enumerate(patients[:rounds]):
                browser.baseline_first = n % 2 == 0
                try:
                    gp_round(browser, routes, patient, n)
                except UnexpectedAnswer as exc:
                    print(f"round {n}: {exc}", file=sys.stderr)
            if browser.profiler is not None and profile is not None:
                browser.profiler.dump_stats(profile)
            result = {"patients": size, "rounds": rounds, "process_cpu_s": round(time.process_time() - cpu_started, 2),
                      **summary(browser.figures)}
            platform.close()
            return result
        finally:
            database.drop()


def table(result: dict) -> str:
    lines = [f"In process, {result['patients']:,} patients, {result['rounds']} rounds: CPU ms per request",
             f"{'page kind':32} {'n':>4} {'portal':>8} {'baseline':>9} {'ratio':>6} {'p50 ms':>7}"]
    for kind, k in result["kinds"].items():
        lines.append(f"{kind:32} {k['requests']:4} {k['portal_cpu_ms']:8.3f} {k['baseline_cpu_ms']:9.3f} "
                     f"{k['ratio']:6.2f} {k['portal_wall_p50_ms']:7.2f}")
    lines.append(f"GP round: portal / baseline CPU = {result['round_ratio']} (worst kind {result['worst_kind']}: "
                 f"{result['worst_ratio']}); search service time p50 {result['search_service_p50_ms']} ms")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the portal's requests here")
    args = parser.parse_args(argv)
    result = measure(args.size, args.rounds, args.postgres, args.profile)
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
