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
from bench_setup import HOST, REPO, TENANT, PortalDatabase, create_accounts, gp_plan, tenant_folders  # noqa: E402
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


def _routes(env: dict) -> dict[str, str]:
    """Endpoint -> URL rule of the tenant app as it will be served."""
    code = ("import json; from portal.platform import create_platform; "
            f"app = create_platform().apps[{TENANT!r}]; "
            "print(json.dumps({r.endpoint: r.rule for r in app.url_map.iter_rules()}))")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


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
    """CPU seconds (user + system) of the portal server, PostgreSQL and the whole machine.

    Every ``INTERVAL`` s it records cumulative counters: the gunicorn master, its current
    workers and what its reaped workers used (the master's cutime + cstime, so a worker
    replaced after ``max_requests`` is not lost); the same for every ``postgres`` process
    (PostgreSQL is shared: other databases' backends count too); the machine's busy and
    idle time from /proc/stat. ``window`` interpolates the counters at a phase's measured
    window, whose edges are only known when the phase is over.
    """

    INTERVAL = 0.25

    def __init__(self, master: int):
        super().__init__(daemon=True)
        self.master, self.stopped = master, threading.Event()
        self.postmasters: list[int] = []  # found by each sample, for the next one's check
        self.samples: list[tuple[float, float, float, float, float]] = []  # epoch, portal, postgresql, busy, idle

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

    def _sample(self) -> tuple[float, float, float, float, float]:
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
        postgresql = sum(sum(processes[pid][1][1:3]) for pid in postgres)
        postgresql += sum(sum(processes[pid][1][3:5]) for pid in self.postmasters)
        return moment, portal / TICKS, postgresql / TICKS, busy / TICKS, idle / TICKS

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
                **dict(zip(("portal", "postgresql", "busy", "idle"), used))}

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


def _load(plan_file: Path, phase: str, args, out: Path, duration: float | None = None) -> dict:
    subprocess.run([sys.executable, str(Path(__file__).with_name("gp_load.py")), str(plan_file), "--phase", phase,
                    "--clients", str(args.clients), "--duration", str(duration or args.duration),
                    "--warmup", str(args.warmup),
                    "--out", str(out)], check=True, cwd=REPO)
    return json.loads(out.read_text())


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
            routes = _routes(env)
            plan = {"base_url": f"http://127.0.0.1:{port}", "host": HOST, "tenant": TENANT, "routes": routes,
                    "ceiling_path": ceiling.PATH, "gps": gp_plan(epd, args.clients, args.patients, authority)}
            plan_file = folder / "plan.json"
            plan_file.write_text(json.dumps(plan))
            print(f"[{kind} {size:,}] serving on :{port}; {len(plan['gps'])} GPs, "
                  f"{sum(len(g['patients']) for g in plan['gps'])} patients; pages: "
                  f"{', '.join(sorted(e for e in routes if '.' in e and not e.startswith(('static', 'auth.'))))}",
                  flush=True)
            server = _serve(env, folder / "gunicorn.log", port)
            watch, cpu_watch = MemoryWatch(server.pid), CpuWatch(server.pid)
            watch.start()
            cpu_watch.start()
            try:
                # The ceiling is measured before and after the GP phase (half the time each),
                # so a change in the machine's load shows as a difference between the two.
                before = _load(plan_file, "ceiling", args, folder / "ceiling-before.json", args.duration / 2)
                profiler = _profile(server.pid, args, f"{kind}-{size}") if args.profile else None
                gp_run = _load(plan_file, "gp", args, folder / "gp.json")
                if profiler:
                    profiler.wait()
                after = _load(plan_file, "ceiling", args, folder / "ceiling-after.json", args.duration / 2)
                ceiling_run = bench_report.merge_ceiling(before, after)
                cpu = bench_report.cpu_accounting({"ceiling": [cpu_watch.window(before), cpu_watch.window(after)],
                                                   "gp": [cpu_watch.window(gp_run)]})
            finally:
                peaks = watch.stop()
                cpu_watch.stop()
                os.killpg(server.pid, signal.SIGTERM)
                server.wait(timeout=60)
            appends = _audit_appends(database.url, gp_run["window"])
            verify = _portal(env, "audit", "verify", "--tenant", TENANT, check=False)
            return bench_report.summarise(kind, size, ceiling_run, gp_run, peaks, appends, verify.returncode,
                                          (verify.stdout + verify.stderr).strip(), cpu)
        finally:
            database.drop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", nargs="+", choices=("postgresql", "sqlite"), default=["postgresql", "sqlite"])
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--clients", type=int, default=8, help="concurrent GPs (and ceiling clients)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds of load before measuring")
    parser.add_argument("--patients", type=int, default=100, help="patients per GP")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--postgres", default=os.environ.get("BENCH_POSTGRES_URL",
                                                             "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--profile", action="store_true", help="record the workers with py-spy during the GP phase")
    parser.add_argument("--output", default="portal_bench", help="file name stem in bench/results/")
    args = parser.parse_args(argv)
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
    report = bench_report.report(runs, vars(args))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
    markdown = bench_report.markdown(report)
    (RESULTS / f"{args.output}.md").write_text(markdown)
    print(markdown)
    return 0 if report["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
