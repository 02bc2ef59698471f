"""Figures and tables of ``make bench`` (``portal_bench.py``): percentiles per page kind,
throughput against the ceiling, the search scale ratio, audit and memory, the targets."""
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


def summarise(database: str, size: int, ceiling_run: dict, gp_run: dict, peaks: dict, appends: int,
              verify_code: int, verify_output: str) -> dict:
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
    return "\n".join(lines)


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
