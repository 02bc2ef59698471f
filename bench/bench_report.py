"""Figures and tables of ``make bench`` (``portal_bench.py``): percentiles per page kind,
throughput against the ceiling, the search scale ratio, audit, memory and CPU per request,
the targets."""
from __future__ import annotations

import os
import platform
from datetime import datetime, timezone

TARGETS = {
    "search_p95_ms": 25.0,
    "patient_page_p95_ms": 50.0,
    "throughput_ratio": 0.4,
    "search_scale_ratio": 1.5,
    "worker_rss_mb": 150.0,
}
#: Endpoints of pages showing one patient's data (the access helper's routes).
PATIENT_PAGE_PREFIXES = ("access.confirm", "patient.", "care_events.", "record.", "results.", "orders.")
SEARCH_PREFIX = "search ("
#: Rows of the CPU table: JSON key -> label. "other" is the machine's busy time less the
#: three measured components (the OS, this script, other work on the machine).
CPU_ROWS = {"load_generator": "load generator", "portal": "portal (gunicorn)", "postgresql": "PostgreSQL",
            "other": "other", "total": "total"}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def _figures(latencies: list[float], seconds: float) -> dict:
    return {"requests": len(latencies), "rps": round(len(latencies) / seconds, 1),
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1)}


def merge_ceiling(before: dict, after: dict) -> dict:
    """The two ceiling measurements as one, with each one's requests/s kept."""
    return {"duration": before["duration"] + after["duration"], "samples": before["samples"] + after["samples"],
            "errors": {k: before["errors"].get(k, 0) + after["errors"].get(k, 0)
                       for k in {*before["errors"], *after["errors"]}},
            "rps_before_after": [round(len(r["samples"]) / r["duration"], 1) for r in (before, after)]}


def cpu_accounting(phases: dict[str, list[dict]]) -> dict:
    """Where the machine's CPU time went, per phase.

    ``phases`` maps a phase name to its measured windows (``CpuWatch.window`` results: CPU
    seconds of ``load_generator``, ``portal``, ``postgresql``, the machine's ``busy`` and
    ``idle`` seconds, the window's ``seconds`` and ``requests``); the windows of one phase are
    summed (the ceiling's before and after). Per phase: CPU seconds and CPU milliseconds per
    request of each ``CPU_ROWS`` key, ``total`` being the machine's busy time, the busy and
    idle shares of the machine's capacity, the cores that capacity amounts to, and the
    windows as given."""
    accounting = {}
    for phase, windows in phases.items():
        summed = {key: sum(w[key] for w in windows) for key in windows[0]}
        seconds = {key: summed[key] for key in ("load_generator", "portal", "postgresql")}
        seconds["other"] = summed["busy"] - sum(seconds.values())
        seconds["total"] = summed["busy"]
        capacity = summed["busy"] + summed["idle"]
        requests = summed["requests"]
        accounting[phase] = {
            "window_s": round(summed["seconds"], 2), "requests": requests,
            "cpu_s": {key: round(value, 2) for key, value in seconds.items()},
            "ms_per_request": {key: round(value * 1000 / requests, 3) if requests else None
                               for key, value in seconds.items()},
            "busy_share": round(summed["busy"] / capacity, 3) if capacity else None,
            "idle_share": round(summed["idle"] / capacity, 3) if capacity else None,
            "cores": round(capacity / summed["seconds"], 2) if summed["seconds"] else None,
            # Each window's raw figures: a ceiling window disturbed by other work shows here.
            "windows": [{key: round(value, 2) for key, value in w.items()} for w in windows],
        }
    return accounting


def summarise(database: str, size: int, ceiling_run: dict, gp_run: dict, peaks: dict, appends: int,
              verify_code: int, verify_output: str, cpu: dict | None = None) -> dict:
    seconds = gp_run["duration"]
    by_kind: dict[str, list[float]] = {}
    for kind, _t, ms, _status in gp_run["samples"]:
        by_kind.setdefault(kind, []).append(ms)
    pages = {kind: _figures(values, seconds) for kind, values in sorted(by_kind.items())}
    searches = [ms for kind, values in by_kind.items() if kind.startswith(SEARCH_PREFIX) for ms in values]
    patient_pages = {k: v for k, v in pages.items() if k.startswith(PATIENT_PAGE_PREFIXES)}
    slowest = max(patient_pages.items(), key=lambda item: item[1]["p95_ms"], default=(None, {"p95_ms": None}))
    ceiling_ms = [ms for _k, _t, ms, _s in ceiling_run["samples"]]
    ceiling = {**_figures(ceiling_ms, ceiling_run["duration"]),
               "rps_before_after": ceiling_run.get("rps_before_after")}
    throughput = round(sum(len(v) for v in by_kind.values()) / seconds, 1)
    return {
        "database": database, "patients": size,
        "ceiling": ceiling,
        "pages": pages,
        "throughput_rps": throughput,
        "throughput_ratio": round(throughput / ceiling["rps"], 3) if ceiling["rps"] else None,
        "search": _figures(searches, seconds) if searches else None,
        "slowest_patient_page": {"kind": slowest[0], "p95_ms": slowest[1]["p95_ms"]},
        "audit": {"appends": appends, "appends_per_s": round(appends / seconds, 1), "verify_exit_code": verify_code,
                  "verify_output": verify_output[-500:], "intact": verify_code == 0},
        "memory": {"worker_peak_rss_mb": sorted(round(v, 1) for v in peaks.values()),
                   "max_mb": round(max(peaks.values()), 1) if peaks else None},
        "errors": {**{f"ceiling: {k}": v for k, v in ceiling_run["errors"].items()}, **gp_run["errors"]},
        "load_average_after": round(os.getloadavg()[0], 2),
        "cpu": cpu,
    }


def _scale_ratio(runs: list[dict], database: str) -> float | None:
    own = {r["patients"]: r for r in runs if r["database"] == database and r["search"]}
    if not own or min(own) == max(own):
        return None
    return round(own[max(own)]["search"]["p95_ms"] / own[min(own)]["search"]["p95_ms"], 2)


def _checks(runs: list[dict]) -> list[dict]:
    """Every target per run: the figure and whether it is met (None: no figure yet)."""
    checks = []
    for r in runs:
        name = f"{r['database']} {r['patients']:,}"

        def add(figure: str, value, ok):
            checks.append({"run": name, "figure": figure, "value": value, "met": ok})

        add("search p95 (ms)", r["search"] and r["search"]["p95_ms"],
            None if not r["search"] else r["search"]["p95_ms"] <= TARGETS["search_p95_ms"])
        page = r["slowest_patient_page"]
        add("slowest patient page p95 (ms)", page["kind"] and f"{page['p95_ms']} ({page['kind']})",
            None if page["kind"] is None else page["p95_ms"] <= TARGETS["patient_page_p95_ms"])
        add("throughput / ceiling", r["throughput_ratio"],
            None if r["throughput_ratio"] is None else r["throughput_ratio"] >= TARGETS["throughput_ratio"])
        add("audit chain intact", r["audit"]["intact"], r["audit"]["intact"])
        add("peak RSS per worker (MB)", r["memory"]["max_mb"],
            None if r["memory"]["max_mb"] is None else r["memory"]["max_mb"] <= TARGETS["worker_rss_mb"])
    for database in sorted({r["database"] for r in runs}):
        ratio = _scale_ratio(runs, database)
        checks.append({"run": f"{database} largest/smallest", "figure": "search p95 ratio", "value": ratio,
                       "met": None if ratio is None else ratio <= TARGETS["search_scale_ratio"]})
    return checks


def report(runs: list[dict], options: dict) -> dict:
    checks = _checks(runs)
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "options": {k: v for k, v in options.items() if k != "postgres"},
        "targets": TARGETS,
        "runs": runs,
        "checks": checks,
        "targets_met": all(c["met"] is not False for c in checks),
    }


def run_table(run: dict) -> str:
    lines = [f"### {run['database']}, {run['patients']:,} patients",
             "",
             "| page kind | requests | req/s | p50 ms | p95 ms | p99 ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    rows = [("bare route (ceiling)", run["ceiling"]), *run["pages"].items()]
    if run["search"]:
        rows.append(("all searches", run["search"]))
    for kind, f in rows:
        lines.append(f"| {kind} | {f['requests']} | {f['rps']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} |")
    audit, memory = run["audit"], run["memory"]
    lines += ["",
              f"Pages {run['throughput_rps']} req/s = {run['throughput_ratio']} of the ceiling "
              f"({run['ceiling']['rps']} req/s; {' before, '.join(map(str, run['ceiling']['rps_before_after'] or []))} "
              f"after the GP phase). Audit: {audit['appends']} appends "
              f"({audit['appends_per_s']}/s), chain {'intact' if audit['intact'] else 'BROKEN'}. "
              f"Peak RSS per worker (MB): {', '.join(str(m) for m in memory['worker_peak_rss_mb'])}. "
              f"Unexpected answers: {run['errors'] or 'none'}. Load average afterwards: {run['load_average_after']}.",
              ""]
    if run.get("cpu"):
        lines += cpu_table(run["cpu"])
    return "\n".join(lines)


def cpu_table(cpu: dict) -> list[str]:
    """Markdown lines: CPU milliseconds per request per component, ceiling against GP pages."""
    ceiling, gp = cpu["ceiling"], cpu["gp"]
    lines = ["| CPU per request (ms) | ceiling | GP pages | GP / ceiling |", "| --- | ---: | ---: | ---: |"]
    for key, label in CPU_ROWS.items():
        c, g = ceiling["ms_per_request"][key], gp["ms_per_request"][key]
        # A ratio over a near-zero figure (PostgreSQL on the bare route) is noise.
        ratio = f"{g / c:.1f}" if c is not None and g is not None and c >= 0.01 and g >= 0 else "–"
        lines.append(f"| {label} | {_ms(c)} | {_ms(g)} | {ratio} |")

    def window(phase: dict) -> str:
        return (f"{phase['requests']} requests in {phase['window_s']:.0f} s, {phase['cpu_s']['total']:.1f} CPU s "
                f"of {phase['cores']} cores, idle {phase['idle_share']:.0%}")

    lines += ["", f"Measured windows: ceiling {window(ceiling)}; GP pages {window(gp)}. "
              "Other = the machine's busy time less the three above (the OS, the bench itself, other work).", ""]
    return lines


def cpu_line(run: dict) -> str:
    """One line for the console: total and per-component CPU ms per request in both phases."""
    if not run.get("cpu"):
        return f"[{run['database']} {run['patients']:,}] CPU: not measured"
    parts = []
    for phase in ("ceiling", "gp"):
        figures = run["cpu"][phase]
        per_request = ", ".join(f"{CPU_ROWS[k]} {_ms(v)}" for k, v in figures["ms_per_request"].items())
        parts.append(f"{phase}: {per_request} (idle {figures['idle_share']:.0%})")
    return f"[{run['database']} {run['patients']:,}] CPU ms/request, " + "; ".join(parts)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def markdown(data: dict) -> str:
    o = data["options"]
    lines = ["# Portal benchmark (`make bench`)", "",
             f"{data['generated_at']}, {data['machine']['cpus']} CPUs, Python {data['machine']['python']}; "
             f"{o['clients']} clients without think time, {o['duration']:.0f} s measured after {o['warmup']:.0f} s "
             "warm-up per phase. The machine is shared: see the load averages.", "",
             "## Targets", "", "| run | figure | value | target met |", "| --- | --- | ---: | --- |"]
    for c in data["checks"]:
        met = {True: "yes", False: "**no**", None: "n/a"}[c["met"]]
        lines.append(f"| {c['run']} | {c['figure']} | {c['value']} | {met} |")
    lines += ["", "## Runs", ""]
    lines += [run_table(r) for r in data["runs"]]
    return "\n".join(lines) + "\n"
