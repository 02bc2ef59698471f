"""``make bench``: the portal served as in production, under the load of GPs at work.

    .venv/bin/python bench/portal_bench.py                          # PostgreSQL, then SQLite; 10k, 100k, 1M
    .venv/bin/python bench/portal_bench.py --databases postgresql --sizes 10000 --duration 20

For each portal database (PostgreSQL: a database of its own, created and dropped here;
SQLite: a file in a temporary folder) and each demo EPD size (cached in ``bench/.cache/`` by
``epd_cache.py``), this script migrates the database, creates the demo GPs' accounts, writes
tenant folders as a hospital configures them (no demo login, the bench's UZI CA trusted,
loopback as the proxy, ``rate_limits`` raised), starts gunicorn with
``config/gunicorn.conf.py`` and ``PORTAL_ENV=production`` (``testing`` for SQLite, which
production refuses), and then runs ``gp_load.py`` in a separate process twice:

1. ``ceiling``: ``--clients`` clients on the bare route (``PORTAL_BENCH_CEILING=1``), the
   most requests per second the stack can serve on this machine;
2. ``gp``: the same number of GPs, logged in with their UZI cards, clicking without pause.

Meanwhile the peak RSS of every gunicorn worker is read from /proc, and so is the CPU time
of the server (master and workers), of PostgreSQL and of the whole machine; the load
generator reports its own. Per run, a table "CPU per request" gives each one's CPU
milliseconds per request in the ceiling and the GP phase's measured windows (plus "other":
the machine's busy time less the three), which shows where the cores' time goes and so
why pages reach the share of the ceiling they do. Afterwards it counts the audit records
written during the measured window and runs ``portal audit verify``.
Results: ``bench/results/portal_bench.json`` and ``portal_bench.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_report  # noqa: E402
import page_cost  # noqa: E402
from bench_setup import (  # noqa: E402
    HOST,
    REPO,
    TENANT,
    PortalDatabase,
    colleague_plan,
    create_accounts,
    gp_plan,
    tenant_folders,
)
from epd_cache import DEFAULT_SEED, cached_epd  # noqa: E402
from portal.audit.checkpoints import new_key_pair  # noqa: E402
from portal.audit.models import AuditRecord  # noqa: E402
from portal.auth.cards import UziAuthority  # noqa: E402
from portal.core import ceiling  # noqa: E402
from portal.db import Database  # noqa: E402

VENV_BIN = Path(sys.executable).parent
RESULTS = Path(__file__).resolve().parent / "results"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _environment(database: PortalDatabase, folder: Path, port: int) -> dict[str, str]:
    # gunicorn's PORTAL_WORKERS and PORTAL_THREADS pass through (to compare settings);
    # every other PORTAL_ setting is the bench's own.
    env = {k: v for k, v in os.environ.items()
           if k in ("PORTAL_WORKERS", "PORTAL_THREADS") or (not k.startswith("PORTAL_") and k != "DATABASE_URL")}
    env.update({
        "PORTAL_ENV": "production" if database.kind == "postgresql" else "testing",
        "DATABASE_URL": database.url,
        "PORTAL_INSTANCE_DIR": str(folder / "instance"),
        "PORTAL_TENANTS_DIR": str(folder / "tenants"),
        "PORTAL_THEMES_DIR": str(REPO / "themes"),
        "PORTAL_BENCH_CEILING": "1",
        "PORTAL_BENCH_PAGE": "1",
        # The demo EPD stands in for the hospital's (bench_setup.tenant_folders).
        "PORTAL_ALLOW_DEMO_EPD": "1",
        "PORTAL_BIND": f"127.0.0.1:{port}",
        "PORTAL_ZGT_SECRET_KEY": secrets.token_urlsafe(48),
        "PORTAL_MST_SECRET_KEY": secrets.token_urlsafe(48),
        "PORTAL_AUDIT_CHECKPOINTS": str(folder / "instance" / "audit-checkpoints.log"),
        "PORTAL_AUDIT_SIGNING_KEY": new_key_pair()[0],
    })
    return env


def _portal(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "portal"), *args], env=env, cwd=REPO, capture_output=True, text=True,
                          check=check)


def _routes(env: dict) -> tuple[dict[str, str], list]:
    """Endpoint -> URL rule of the tenant app as it will be served, and every rule as
    [endpoint, rule, methods] (the load generator maps a request to its page kind)."""
    code = ("import json; from portal.platform import create_platform; "
            f"app = create_platform().apps[{TENANT!r}]; "
            "print(json.dumps([[r.endpoint, r.rule, sorted(r.methods - {'HEAD', 'OPTIONS'})] "
            "for r in app.url_map.iter_rules()]))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    rules = json.loads(out.stdout.strip().splitlines()[-1])
    return {endpoint: rule for endpoint, rule, _methods in rules}, rules


#: Clock ticks per second of the CPU times in /proc/<pid>/stat and /proc/stat.
TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[str, list[int]]]:
    """Every process now: pid -> (comm, [ppid, utime, stime, cutime, cstime]) from
    /proc/<pid>/stat, times in clock ticks. A process that ends while being read is left out."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
                # comm may hold spaces and parentheses: the fields start after the last ")".
                head, _, tail = text.rpartition(")")
                fields = tail.split()
                found[int(entry.name)] = (head.partition("(")[2], [int(fields[i]) for i in (1, 11, 12, 13, 14)])
            except (OSError, IndexError, ValueError):
                continue
    return found


class MemoryWatch(threading.Thread):
    """Peak RSS (VmHWM) of every child of the gunicorn master, sampled from /proc."""

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.peaks, self.stopped = master, {}, threading.Event()

    def _children(self) -> list[int]:
        return [pid for pid, (_comm, fields) in _processes().items() if fields[0] == self.master]

    def run(self) -> None:
        while not self.stopped.wait(0.5):
            for pid in self._children():
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue
                hwm = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
                self.peaks[pid] = max(self.peaks.get(pid, 0), hwm)

    def stop(self) -> dict[int, float]:
        self.stopped.set()
        self.join()
        return {pid: kib / 1024 for pid, kib in self.peaks.items()}


class CpuWatch(threading.Thread):
    """CPU seconds (user + system) of the portal server, its PostgreSQL backends, this
    script and the whole machine.

    Every ``INTERVAL`` s it records cumulative counters: the gunicorn master, its current
    workers and what its reaped workers used (the master's cutime + cstime, so a worker
    replaced after ``max_requests`` is not lost); the ``postgres`` backends connected to
    the run's own database (``database``: PostgreSQL is shared with other work, whose
    backends and the server's background processes count as outside load; None counts
    every ``postgres`` process, as for SQLite, where there is none of the run's); this
    script's own process (the watch threads); the machine's busy and idle time from
    /proc/stat. ``window`` interpolates the counters at a phase's measured window, whose
    edges are only known when the phase is over.
    """

    INTERVAL = 0.25

    def __init__(self, master: int, database: str | None = None):
        super().__init__(daemon=True)
        self.master, self.database, self.stopped = master, database, threading.Event()
        self.postmasters: list[int] = []  # found by each sample, for the next one's check
        self._ours: dict[int, bool] = {}  # postgres pid -> serves the run's database
        self.samples: list[tuple[float, ...]] = []  # epoch, portal, postgresql, busy, idle, bench

    def _own_backend(self, pid: int) -> bool:
        if self.database is None:
            return True
        if pid not in self._ours:
            try:
                self._ours[pid] = self.database.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                return False
        return self._ours[pid]

    @staticmethod
    def _reaped(pids: list[int]) -> list[int]:
        values = []
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                values.append(int(fields[13]) + int(fields[14]))
            except OSError:
                values.append(-1)
        return values

    def _sample(self) -> tuple[float, ...]:
        moment = time.time()
        cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = cpu[:8]  # guest time is inside user
        busy, idle = user + nice + system + irq + softirq + steal, idle + iowait
        reapers = [self.master, *self.postmasters]
        for _attempt in range(3):
            before = self._reaped(reapers)
            processes = _processes()
            # A child reaped during the scan would be counted twice or not at all: scan again.
            if self._reaped(reapers) == before:
                break
        postgres = {pid for pid, (comm, _f) in processes.items() if comm == "postgres"}
        self.postmasters = [pid for pid in postgres if processes[pid][1][0] not in postgres]
        portal = sum(sum(f[1:3]) for pid, (_c, f) in processes.items() if self.master in (pid, f[0]))
        portal += sum(processes[self.master][1][3:5]) if self.master in processes else 0
        postgresql = sum(sum(processes[pid][1][1:3]) for pid in postgres if self._own_backend(pid))
        if self.database is None:
            postgresql += sum(sum(processes[pid][1][3:5]) for pid in self.postmasters)
        bench = sum(os.times()[:2])
        return moment, portal / TICKS, postgresql / TICKS, busy / TICKS, idle / TICKS, bench

    def run(self) -> None:
        while True:
            self.samples.append(self._sample())
            if self.stopped.wait(self.INTERVAL):
                return

    def _at(self, moment: float) -> list[float]:
        """The counters at an epoch moment, interpolated between the samples either side."""
        later = next(i for i, sample in enumerate(self.samples) if sample[0] >= moment)
        a, b = self.samples[max(later - 1, 0)], self.samples[later]
        share = (moment - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 1.0
        return [x + (y - x) * share for x, y in zip(a[1:], b[1:])]

    def window(self, load: dict) -> dict:
        """CPU seconds per component in the measured window of ``load`` (a ``gp_load`` result),
        with the window's length and its requests. Waits for a sample past the window's end."""
        start, stop = load["window"]
        while self.is_alive() and (not self.samples or self.samples[-1][0] < stop):
            time.sleep(self.INTERVAL)
        if not self.samples or self.samples[0][0] > start or self.samples[-1][0] < stop:
            raise RuntimeError(f"CPU not sampled over the whole window {start:.1f}..{stop:.1f}")
        used = [b - a for a, b in zip(self._at(start), self._at(stop))]
        return {"seconds": stop - start, "requests": len(load["samples"]), "load_generator": load["cpu_seconds"],
                **dict(zip(("portal", "postgresql", "busy", "idle", "bench"), used))}

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _serve(env: dict, log: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(VENV_BIN / "gunicorn"), "-c", "config/gunicorn.conf.py", "portal.wsgi:application"],
                              env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", headers={"Host": HOST}, timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    server.terminate()
    raise RuntimeError(f"gunicorn did not answer within 120 s; see {log}")


def _load(plan_file: Path, phase: str, args, out: Path, duration: float | None = None, clients: int | None = None,
          warmup: float | None = None) -> dict:
    subprocess.run([sys.executable, str(Path(__file__).with_name("gp_load.py")), str(plan_file), "--phase", phase,
                    "--clients", str(clients or args.clients), "--duration", str(duration or args.duration),
                    "--warmup", str(args.warmup if warmup is None else warmup), "--think-mean", str(args.think_mean),
                    "--out", str(out)], check=True, cwd=REPO)
    return json.loads(out.read_text())


def _in_process(size: int, args) -> dict | None:
    """``page_cost.py`` in a process of its own (it sets up its own app and database)."""
    if args.in_process_rounds <= 0:
        return None
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([sys.executable, str(Path(__file__).with_name("page_cost.py")), "--size", str(size),
                        "--rounds", str(args.in_process_rounds), "--postgres", args.postgres, "--json", out.name],
                       check=True, cwd=REPO)
        return json.loads(Path(out.name).read_text())


def _fhir(args) -> dict | None:
    """``fhir_connector.py``'s page / slowest call, or None when it cannot run here."""
    if args.fhir_rounds <= 0:
        return None
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run([sys.executable, str(Path(__file__).with_name("fhir_connector.py")), "--rounds",
                               str(args.fhir_rounds), "--json", out.name], cwd=REPO, capture_output=True, text=True)
        print(done.stdout, done.stderr, sep="", end="", flush=True)
        text = Path(out.name).read_text()
        return json.loads(text) if done.returncode == 0 and text else {"skipped": (done.stdout + done.stderr)[-300:]}


def _think_capacity(plan_file: Path, args, folder: Path, cpu_watch: "CpuWatch", unloaded: dict) -> dict:
    """The most thinking GPs whose page p95 stays within twice the unloaded p50 (of
    ``--think-unloaded`` thinking GPs, the same rounds and think times): doubling
    from ``--think-start`` until a step fails, then bisecting between the last step that
    held and the first that failed. Each step is a fresh set of GPs logging in."""
    p50 = bench_report.unloaded_p50(unloaded)
    steps: dict[int, dict] = {}

    def step(gps: int) -> bool:
        print(f"  think time: {gps} GPs ...", flush=True)
        load = _load(plan_file, "think", args, folder / f"think-{gps}.json", args.think_duration, gps,
                     args.think_warmup)
        steps[gps] = bench_report.think_step(load, p50, cpu_watch.window(load))
        print(f"  think time: {gps} GPs: {bench_report.think_line(steps[gps])}", flush=True)
        return steps[gps]["held"]

    held, failed = 0, None
    gps = args.think_start
    while gps <= args.think_max:
        if not step(gps):
            failed = gps
            break
        held, gps = gps, gps * 2
    while failed is not None and failed - held > max(4, held // 8) and len(steps) < args.think_max_steps:
        middle = (held + failed) // 2
        if step(middle):
            held = middle
        else:
            failed = middle
    return bench_report.think_summary(steps, held, failed, unloaded, args)


def _profile(pid: int, args, name: str) -> subprocess.Popen:
    """py-spy (``pip install py-spy``) over every worker during the GP phase: collapsed
    stacks in bench/results/profile-<name>.txt (``bench/profile_summary.py`` reads them)."""
    RESULTS.mkdir(exist_ok=True)
    return subprocess.Popen([str(VENV_BIN / "py-spy"), "record", "--pid", str(pid), "--subprocesses", "--format", "raw",
                             "--rate", "250", "--duration", str(int(args.warmup + args.duration + 4)), "--nonblocking",
                             "--output", str(RESULTS / f"profile-{name}.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _audit_appends(database_url: str, window: list[float]) -> int:
    start, stop = (datetime.fromtimestamp(t, timezone.utc) for t in window)
    database = Database(database_url)
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(AuditRecord).where(
                AuditRecord.tenant_id == TENANT, AuditRecord.occurred_at >= start, AuditRecord.occurred_at < stop))
    finally:
        database.dispose()


def run_one(kind: str, size: int, args) -> dict:
    epd = cached_epd(args.seed, size)
    in_process = _in_process(size, args) if kind == "postgresql" else None
    if in_process:
        print(page_cost.table(in_process), flush=True)
    think = kind == "postgresql" and args.think_max > 0
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as tmp:
        folder = Path(tmp)
        database = PortalDatabase.create(kind, folder, args.postgres)
        try:
            port = _free_port()
            authority = UziAuthority.create(name="BENCH")
            tenant_folders(folder / "tenants", epd, authority)
            env = _environment(database, folder, port)
            _portal(env, "db", "upgrade")
            create_accounts(database.url, epd, args.seed)
            routes, rules = _routes(env)
            gps = gp_plan(epd, args.clients, args.patients, authority)
            plan = {"base_url": f"http://127.0.0.1:{port}", "host": HOST, "tenant": TENANT, "routes": routes,
                    "rules": rules, "ceiling_path": ceiling.PATH, "gps": gps}
            plan_file = folder / "plan.json"
            plan_file.write_text(json.dumps(plan))
            if think:
                think_file = folder / "think-plan.json"
                think_file.write_text(json.dumps({**plan, "gps": colleague_plan(database.url, gps, args.think_max,
                                                                                 authority)}))
            print(f"[{kind} {size:,}] serving on :{port}; {len(plan['gps'])} GPs, "
                  f"{sum(len(g['patients']) for g in plan['gps'])} patients; pages: "
                  f"{', '.join(sorted(e for e in routes if '.' in e and not e.startswith(('static', 'auth.'))))}",
                  flush=True)
            server = _serve(env, folder / "gunicorn.log", port)
            watch = MemoryWatch(server.pid)
            cpu_watch = CpuWatch(server.pid, database._name if kind == "postgresql" else None)
            watch.start()
            cpu_watch.start()
            think_result = None
            try:
                ceiling_run = _load(plan_file, "ceiling", args, folder / "ceiling.json", args.duration / 2)
                # Baseline and GP pages alternate, so that a change in the machine's load
                # falls on both alike; each gets --duration seconds in all.
                baseline_runs, gp_runs = [], []
                part = args.duration / args.alternations
                profiler = _profile(server.pid, args, f"{kind}-{size}") if args.profile else None
                for n in range(args.alternations):
                    baseline_runs.append(_load(plan_file, "baseline", args, folder / f"baseline-{n}.json", part))
                    gp_runs.append(_load(plan_file, "gp", args, folder / f"gp-{n}.json", part))
                if profiler:
                    profiler.wait()
                baseline_run, gp_run = bench_report.merge_runs(baseline_runs), bench_report.merge_runs(gp_runs)
                cpu = bench_report.cpu_accounting({"ceiling": [cpu_watch.window(ceiling_run)],
                                                   "baseline": [cpu_watch.window(r) for r in baseline_runs],
                                                   "gp": [cpu_watch.window(r) for r in gp_runs]})
                if think:
                    # Unloaded: a few GPs thinking alike, twice a step's time for enough requests.
                    unloaded = _load(think_file, "think", args, folder / "unloaded.json", 2 * args.think_duration,
                                     args.think_unloaded, args.think_warmup)
                    think_result = _think_capacity(think_file, args, folder, cpu_watch, unloaded)
            finally:
                peaks = watch.stop()
                cpu_watch.stop()
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=60)
            appends = sum(_audit_appends(database.url, r["window"]) for r in gp_runs)
            verify = _portal(env, "audit", "verify", "--tenant", TENANT, check=False)
            summary = bench_report.summarise(kind, size, ceiling_run, gp_run, peaks, appends, verify.returncode,
                                             (verify.stdout + verify.stderr).strip(), cpu)
            summary.update(bench_report.baseline_summary(baseline_run, gp_run))
            summary["in_process"] = in_process
            summary["think"] = think_result
            summary["outside_load"] = bench_report.outside_load(cpu, think_result)
            return summary
        finally:
            database.drop()


#: ``--quick``: one database, 10k patients, short phases: a run of about ten minutes.
QUICK = {"databases": ["postgresql"], "sizes": [10_000], "duration": 12.0, "warmup": 3.0, "think_duration": 10.0,
         "think_warmup": 4.0, "in_process_rounds": 20, "fhir_rounds": 3, "think_max_steps": 7}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="PostgreSQL, 10k patients, short phases (~10 min)")
    parser.add_argument("--databases", nargs="+", choices=("postgresql", "sqlite"), default=["postgresql", "sqlite"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--clients", type=int, default=8, help="GPs without think time (and ceiling clients)")
    parser.add_argument("--duration", type=float, default=30.0,
                        help="measured seconds of the GP pages, and as many of the baseline")
    parser.add_argument("--alternations", type=int, default=2, help="baseline/GP alternations sharing --duration")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    parser.add_argument("--patients", type=int, default=100, help="patients per GP")
    parser.add_argument("--in-process-rounds", type=int, default=40, help="GP rounds of page_cost.py (0: skip)")
    parser.add_argument("--think-mean", type=float, default=1.0, help="mean think time (s) of the thinking GPs")
    parser.add_argument("--think-start", type=int, default=16, help="thinking GPs of the first step")
    parser.add_argument("--think-unloaded", type=int, default=2, help="thinking GPs of the unloaded reference")
    parser.add_argument("--think-max", type=int, default=512, help="most thinking GPs tried (0: skip the search)")
    parser.add_argument("--think-max-steps", type=int, default=9, help="most steps of the search")
    parser.add_argument("--think-duration", type=float, default=20.0, help="measured seconds per step")
    parser.add_argument("--think-warmup", type=float, default=5.0, help="seconds of each step before measuring")
    parser.add_argument("--fhir-rounds", type=int, default=5, help="rounds of fhir_connector.py (0: skip)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--profile", action="store_true", help="record the workers with py-spy during the GP phase")
    parser.add_argument("--output", default="portal_bench", help="file name stem in bench/results/")
    args = parser.parse_args(argv)
    if args.quick:
        explicit = {a.lstrip("-").split("=")[0].replace("-", "_") for a in (argv or sys.argv[1:]) if a.startswith("--")}
        for name, value in QUICK.items():
            if name not in explicit:
                setattr(args, name, value)
    if args.profile and not (VENV_BIN / "py-spy").exists():
        parser.error("--profile needs py-spy: .venv/bin/pip install -e '.[bench]'")
    for size in args.sizes:  # generate (or find) every EPD before anything is timed
        cached_epd(args.seed, size)
    runs = []
    for kind in args.databases:
        for size in args.sizes:
            runs.append(run_one(kind, size, args))
            print(bench_report.run_table(runs[-1]), flush=True)
            print(bench_report.cpu_line(runs[-1]), flush=True)
    fhir = _fhir(args)
    report = bench_report.report(runs, vars(args), fhir)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    markdown = bench_report.markdown(report)
    (RESULTS / f"{args.output}.md").write_text(markdown)
    print(markdown)
    return 0 if report["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
