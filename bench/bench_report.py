"""Figures and tables of ``make bench`` (``portal_bench.py``): the portal against its
page-sized baseline (CPU in process, throughput through gunicorn), thinking GPs per core,
the search scale ratio, the FHIR page against its slowest call; percentiles per page kind,
throughput against the ceiling, audit, memory, CPU per request and the outside load; the
targets."""
from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone

#: The targets (issue 21): name -> (label, bound, "max" or "min", the issue's own figure).
TARGETS = {
    "in_process_round_ratio": ("in-process CPU, GP round / page baseline", 2.5, "max", "3.8–4.3×"),
    "in_process_kind_ratio": ("in-process CPU, worst page kind / its baseline", 3.0, "max", "3.7–6.7×"),
    "gunicorn_throughput_ratio": ("gunicorn throughput, GP round / page baseline", 0.5, "min", "0.31–0.35"),
    "thinking_gps_per_core": ("concurrent thinking GPs per core at p95 ≤ 2× unloaded p50", 100, "min", "~60"),
    "search_scale_ratio": ("search service time in process, 1M / 10k patients", 1.1, "max", "~1.0"),
    "fhir_page_ratio": ("FHIR page with 50 ms per EPD call / its slowest call", 1.3, "max", "–"),
    "worker_rss_mb": ("peak RSS per worker (MB)", 150.0, "max", "–"),
}
#: Figures of 8 clients without think time: information, no longer targets.
INFORMATION = {"search_p95_ms": 25.0, "patient_page_p95_ms": 50.0, "throughput_ratio": 0.4}
#: Outside load (cores) above which a run is marked: its figures are less comparable.
OUTSIDE_LOAD_MARK = 0.25
#: A thinking-GP step holds when this percentile of (latency / unloaded p50 of its kind) ...
THINK_PERCENTILE = 95
#: ... is at most this, and at most this share of requests failed.
THINK_SLOWDOWN, THINK_ERROR_SHARE = 2.0, 0.01
#: Endpoints of pages showing one patient's data (the access helper's routes).
PATIENT_PAGE_PREFIXES = ("access.confirm", "patient.", "care_events.", "record.", "results.", "orders.")
SEARCH_PREFIX = "search ("
#: Rows of the CPU table: JSON key -> label. "other" is the machine's busy time less the
#: three measured components (the OS, this script, other work on the machine).
CPU_ROWS = {"load_generator": "load generator", "portal": "portal (gunicorn)", "postgresql": "PostgreSQL (own db)",
            "bench": "bench script", "outside": "outside load", "total": "total"}


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
        seconds = {key: summed[key] for key in ("load_generator", "portal", "postgresql", "bench")}
        seconds["outside"] = summed["busy"] - sum(seconds.values())
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
            "outside_cores": round(seconds["outside"] / summed["seconds"], 3) if summed["seconds"] else None,
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


def merge_runs(runs: list[dict]) -> dict:
    """Alternated measurements of one phase as one: samples, seconds and errors added up."""
    errors: dict[str, int] = {}
    for r in runs:
        for key, count in r["errors"].items():
            errors[key] = errors.get(key, 0) + count
    return {"phase": runs[0]["phase"], "duration": sum(r["duration"] for r in runs),
            "samples": [s for r in runs for s in r["samples"]], "errors": errors,
            "windows": [r["window"] for r in runs], "cpu_seconds": sum(r["cpu_seconds"] for r in runs),
            "primed_rounds": sum(r.get("primed_rounds", 0) for r in runs),
            "primed_seconds": sum(r.get("primed_seconds", 0.0) for r in runs), "clients": runs[0].get("clients", 1)}


def baseline_summary(baseline_run: dict, gp_run: dict) -> dict:
    """The GP round's throughput against the page-sized baseline's, with the same mix. A
    client's real rounds priming a worker inside the window are not baseline time: the
    baseline's seconds are the window less their share."""
    seconds = baseline_run["duration"] - baseline_run.get("primed_seconds", 0.0) / baseline_run.get("clients", 1)
    base_rps = len(baseline_run["samples"]) / seconds
    gp_rps = len(gp_run["samples"]) / gp_run["duration"]
    by_kind: dict[str, list[float]] = {}
    for kind, _t, ms, _status in baseline_run["samples"]:
        by_kind.setdefault(kind, []).append(ms)
    return {"baseline": {"rps": round(base_rps, 1), "requests": len(baseline_run["samples"]),
                         "primed_rounds": baseline_run.get("primed_rounds", 0),
                         "primed_seconds": round(baseline_run.get("primed_seconds", 0.0), 2),
                         "errors": baseline_run["errors"],
                         "pages": {k: _figures(v, baseline_run["duration"]) for k, v in sorted(by_kind.items())}},
            "gunicorn_throughput_ratio": round(gp_rps / base_rps, 3) if base_rps else None}


def unloaded_p50(run: dict) -> float:
    """The p50 of every request of the unloaded think-time run (a few GPs, the same rounds
    and think times: caches as cold as under load, nobody queueing)."""
    return percentile([ms for _k, _t, ms, _s in run["samples"]], 50)


def think_step(load: dict, unloaded: float, cpu: dict) -> dict:
    """One step of thinking GPs: the ``THINK_PERCENTILE`` of every request's latency over
    the unloaded p50 (the same mix of pages), errors, and the outside load in its window."""
    latencies = [ms for _k, _t, ms, _s in load["samples"]]
    failed = sum(count for key, count in load["errors"].items())
    requests = len(load["samples"])
    slowdown = round(percentile(latencies, THINK_PERCENTILE) / unloaded, 2) if latencies and unloaded else None
    error_share = failed / max(1, requests)
    busy = cpu["busy"] / cpu["seconds"] if cpu["seconds"] else None
    outside = (cpu["busy"] - cpu["portal"] - cpu["postgresql"] - cpu["bench"] - load["cpu_seconds"]) / cpu["seconds"]
    return {"gps": load["clients"], "requests": requests, "rps": round(requests / load["duration"], 1),
            "slowdown_p95": slowdown, "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1), "errors": load["errors"],
            "held": slowdown is not None and slowdown <= THINK_SLOWDOWN and error_share <= THINK_ERROR_SHARE,
            "busy_cores": round(busy, 2) if busy is not None else None, "outside_cores": round(outside, 3)}


def think_line(step: dict) -> str:
    return (f"{step['rps']} req/s, p95 = {step['slowdown_p95']}× the unloaded p50 "
            f"(p50 {step['p50_ms']} ms, p95 {step['p95_ms']} ms), errors {step['errors'] or 'none'}, "
            f"machine busy {step['busy_cores']} cores, outside load {step['outside_cores']} cores: "
            f"{'held' if step['held'] else 'FAILED'}")


def think_summary(steps: dict[int, dict], held: int, failed: int | None, unloaded: dict, args) -> dict:
    cores = os.cpu_count() or 1
    return {"think_mean_s": args.think_mean, "step_seconds": args.think_duration,
            "unloaded_gps": unloaded["clients"], "unloaded_requests": len(unloaded["samples"]),
            "unloaded_p50_ms": round(unloaded_p50(unloaded), 2),
            "steps": [steps[n] for n in sorted(steps)], "max_gps": held, "first_failed": failed,
            "limit_reached": failed is None, "cores": cores, "gps_per_core": round(held / cores, 1)}


def outside_load(cpu: dict, think: dict | None) -> dict:
    """The most outside load (cores) of any measured window, and whether it marks the run."""
    values = [phase["outside_cores"] for phase in cpu.values() if phase.get("outside_cores") is not None]
    values += [step["outside_cores"] for step in (think or {}).get("steps", [])]
    worst = max(values, default=0.0)
    return {"max_cores": round(worst, 3), "marked": worst > OUTSIDE_LOAD_MARK}


def own_cpu_ratio(run: dict) -> float | None:
    """Baseline / GP of the CPU per request the run itself spends (portal, its database's
    backends, load generator): what the throughput ratio would be with the two cores to
    itself, whatever the outside load did to each window."""
    cpu = run.get("cpu") or {}
    if "baseline" not in cpu or "gp" not in cpu:
        return None

    def own(phase: str) -> float:
        figures = cpu[phase]["ms_per_request"]
        return sum(figures[key] or 0.0 for key in ("portal", "postgresql", "load_generator"))

    return round(own("baseline") / own("gp"), 3) if own("gp") else None


def search_cpu_ms(in_process: dict) -> float | None:
    """The in-process CPU ms of a search (the mean of the search kinds' medians): the demo
    EPD is SQLite inside the process, so its work on a bigger EPD shows here, while the
    wall time also holds whatever else the shared machine did meanwhile."""
    figures = [k["portal_cpu_ms"] for kind, k in in_process["kinds"].items() if kind.startswith(SEARCH_PREFIX)]
    return sum(figures) / len(figures) if figures else None


def _in_process_scale(runs: list[dict]) -> float | None:
    own = {r["patients"]: search_cpu_ms(r["in_process"]) for r in runs if r.get("in_process")}
    own = {size: ms for size, ms in own.items() if ms}
    if len(own) < 2:
        return None
    return round(own[max(own)] / own[min(own)], 2)


def _in_process_wall_scale(runs: list[dict]) -> float | None:
    own = {r["patients"]: r["in_process"]["search_service_p50_ms"] for r in runs
           if r.get("in_process") and r["in_process"].get("search_service_p50_ms")}
    if len(own) < 2:
        return None
    return round(own[max(own)] / own[min(own)], 2)


def _scale_ratio(runs: list[dict], database: str) -> float | None:
    own = {r["patients"]: r for r in runs if r["database"] == database and r["search"]}
    if not own or min(own) == max(own):
        return None
    return round(own[max(own)]["search"]["p95_ms"] / own[min(own)]["search"]["p95_ms"], 2)


def _met(name: str, value) -> bool | None:
    if value is None:
        return None
    _label, bound, kind, _issue = TARGETS[name]
    return value <= bound if kind == "max" else value >= bound


def _checks(runs: list[dict], fhir: dict | None) -> list[dict]:
    """Every target per run: the figure and whether it is met (None: no figure)."""
    checks = []

    def add(run: str, name: str, value, note: str = ""):
        label, bound, kind, issue = TARGETS[name]
        checks.append({"run": run, "name": name, "figure": label, "value": value, "issue": issue,
                       "target": f"{'≤' if kind == 'max' else '≥'} {bound}", "met": _met(name, value), "note": note})

    for r in runs:
        name = f"{r['database']} {r['patients']:,}" + (" (outside load)" if r["outside_load"]["marked"] else "")
        ip = r.get("in_process")
        if ip:
            add(name, "in_process_round_ratio", ip["round_ratio"])
            add(name, "in_process_kind_ratio", ip["worst_ratio"], ip["worst_kind"])
        add(name, "gunicorn_throughput_ratio", r["gunicorn_throughput_ratio"])
        if r.get("think"):
            t = r["think"]
            add(name, "thinking_gps_per_core", t["gps_per_core"],
                f"{t['max_gps']} GPs on {t['cores']} cores" + (" (the most tried)" if t["limit_reached"] else ""))
        add(name, "worker_rss_mb", r["memory"]["max_mb"])
        checks.append({"run": name, "name": "audit_intact", "figure": "audit chain intact",
                       "value": r["audit"]["intact"], "issue": "–", "target": "yes", "met": r["audit"]["intact"],
                       "note": ""})
    add("postgresql", "search_scale_ratio", _in_process_scale(runs),
        f"CPU of a search in process; wall time ratio {_in_process_wall_scale(runs)}"
        if _in_process_scale(runs) is not None else "needs two sizes (1M not run)")
    fhir_ratio = fhir.get("worst_ratio") if fhir else None
    add("fhir", "fhir_page_ratio", fhir_ratio,
        (fhir.get("worst_screen") or "") if fhir_ratio is not None else
        ("not run" if not fhir else f"skipped: {fhir.get('skipped', '')[:80]}"))
    return checks


def _information(runs: list[dict]) -> list[dict]:
    """The former latency targets at 8 clients without think time: figures only."""
    rows = []
    for r in runs:
        name = f"{r['database']} {r['patients']:,}"
        page = r["slowest_patient_page"]
        rows += [{"run": name, "figure": "search p95 (ms)", "value": r["search"] and r["search"]["p95_ms"],
                  "former_target": INFORMATION["search_p95_ms"]},
                 {"run": name, "figure": "slowest patient page p95 (ms)",
                  "value": page["kind"] and f"{page['p95_ms']} ({page['kind']})",
                  "former_target": INFORMATION["patient_page_p95_ms"]},
                 {"run": name, "figure": "throughput / ceiling", "value": r["throughput_ratio"],
                  "former_target": INFORMATION["throughput_ratio"]},
                 {"run": name, "figure": "own CPU per request, page baseline / GP round (throughput ratio "
                  "without outside load)", "value": own_cpu_ratio(r), "former_target": "–"}]
    for database in sorted({r["database"] for r in runs}):
        rows.append({"run": f"{database} largest/smallest", "figure": "search p95 ratio (8 clients)",
                     "value": _scale_ratio(runs, database), "former_target": 1.5})
    return rows


def report(runs: list[dict], options: dict, fhir: dict | None = None) -> dict:
    checks = _checks(runs, fhir)
    return {
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "options": {k: v for k, v in options.items() if k != "postgres"},
        "targets": {k: {"figure": v[0], "bound": v[1], "kind": v[2], "issue": v[3]} for k, v in TARGETS.items()},
        "outside_load_mark_cores": OUTSIDE_LOAD_MARK,
        "runs": runs,
        "fhir": fhir,
        "checks": checks,
        "information": _information(runs),
        "targets_met": all(c["met"] is not False for c in checks),
    }


def run_table(run: dict) -> str:
    outside = run.get("outside_load") or {}
    lines = [f"### {run['database']}, {run['patients']:,} patients"
             + (" (outside load)" if outside.get("marked") else ""), ""]
    if run.get("in_process"):
        lines += in_process_table(run["in_process"])
    baseline = run.get("baseline") or {"pages": {}}
    lines += ["Through gunicorn, 8 clients without think time:", "",
              "| page kind | requests | req/s | p50 ms | p95 ms | p99 ms | baseline p50 ms |",
              "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    rows = [("bare route (ceiling)", run["ceiling"]), *run["pages"].items()]
    if run["search"]:
        rows.append(("all searches", run["search"]))
    for kind, f in rows:
        base = baseline["pages"].get(kind, {}).get("p50_ms", "–")
        lines.append(f"| {kind} | {f['requests']} | {f['rps']} | {f['p50_ms']} | {f['p95_ms']} | {f['p99_ms']} | "
                     f"{base} |")
    audit, memory = run["audit"], run["memory"]
    lines += ["",
              f"GP round {run['throughput_rps']} req/s = **{run.get('gunicorn_throughput_ratio')}** of the page "
              f"baseline's {baseline.get('rps')} req/s with the same mix (baseline primed by "
              f"{baseline.get('primed_rounds', 0)} unmeasured real rounds; unexpected: "
              f"{baseline.get('errors') or 'none'}); {run['throughput_ratio']} of the ceiling "
              f"({run['ceiling']['rps']} req/s). Audit: {audit['appends']} appends "
              f"({audit['appends_per_s']}/s), chain {'intact' if audit['intact'] else 'BROKEN'}. "
              f"Peak RSS per worker (MB): {', '.join(str(m) for m in memory['worker_peak_rss_mb'])}. "
              f"Unexpected answers: {run['errors'] or 'none'}. Most outside load in a window: "
              f"{outside.get('max_cores')} cores. Load average afterwards: {run['load_average_after']}.",
              ""]
    if run.get("think"):
        lines += think_table(run["think"])
    if run.get("cpu"):
        lines += cpu_table(run["cpu"])
    return "\n".join(lines)


def cpu_table(cpu: dict) -> list[str]:
    """Markdown lines: CPU milliseconds per request per component, per phase."""
    phases = [p for p in ("ceiling", "baseline", "gp") if p in cpu]
    lines = ["| CPU per request (ms) | " + " | ".join(phases) + " | gp / baseline |",
             "| --- |" + " ---: |" * (len(phases) + 1)]
    for key, label in CPU_ROWS.items():
        values = [cpu[p]["ms_per_request"][key] for p in phases]
        b, g = (cpu.get("baseline") or {}).get("ms_per_request", {}).get(key), cpu["gp"]["ms_per_request"][key]
        # A ratio over a near-zero figure is noise.
        ratio = f"{g / b:.1f}" if b is not None and g is not None and b >= 0.01 and g >= 0 else "–"
        lines.append(f"| {label} | " + " | ".join(_ms(v) for v in values) + f" | {ratio} |")

    def window(name: str, phase: dict) -> str:
        return (f"{name} {phase['requests']} requests in {phase['window_s']:.0f} s, {phase['cpu_s']['total']:.1f} "
                f"CPU s of {phase['cores']} cores, idle {phase['idle_share']:.0%}, outside "
                f"{phase['outside_cores']} cores")

    lines += ["", "Measured windows: " + "; ".join(window(p, cpu[p]) for p in phases) + ". Outside load = the "
              "machine's busy time less the portal, its database's backends, the load generator and this script.",
              ""]
    return lines


def cpu_line(run: dict) -> str:
    """One line for the console: total and per-component CPU ms per request in both phases."""
    if not run.get("cpu"):
        return f"[{run['database']} {run['patients']:,}] CPU: not measured"
    parts = []
    for phase in [p for p in ("ceiling", "baseline", "gp") if p in run["cpu"]]:
        figures = run["cpu"][phase]
        per_request = ", ".join(f"{CPU_ROWS[k]} {_ms(v)}" for k, v in figures["ms_per_request"].items())
        parts.append(f"{phase}: {per_request} (idle {figures['idle_share']:.0%})")
    return f"[{run['database']} {run['patients']:,}] CPU ms/request, " + "; ".join(parts)


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def in_process_table(ip: dict) -> list[str]:
    lines = [f"In process ({ip['rounds']} rounds, PostgreSQL): CPU ms per request, median per kind", "",
             "| page kind | n | portal | baseline | ratio | service p50 ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for kind, k in ip["kinds"].items():
        lines.append(f"| {kind} | {k['requests']} | {k['portal_cpu_ms']:.3f} | {k['baseline_cpu_ms']:.3f} | "
                     f"{k['ratio']:.2f} | {k['portal_wall_p50_ms']:.2f} |")
    lines += ["", f"GP round: portal / baseline CPU = **{ip['round_ratio']}**; worst kind {ip['worst_kind']} "
              f"{ip['worst_ratio']}; search service time p50 {ip['search_service_p50_ms']} ms.", ""]
    return lines


def think_table(think: dict) -> list[str]:
    lines = [f"Thinking GPs (exponential think time, mean {think['think_mean_s']} s; {think['step_seconds']:.0f} s "
             f"per step): the most that held = **{think['max_gps']}** ({think['gps_per_core']} per core). Unloaded "
             f"p50 {think['unloaded_p50_ms']} ms ({think['unloaded_gps']} thinking GPs, "
             f"{think['unloaded_requests']} requests).", "",
             "| GPs | req/s | p95 / unloaded p50 | p50 ms | p95 ms | busy cores | outside cores | held |",
             "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for st in think["steps"]:
        lines.append(f"| {st['gps']} | {st['rps']} | {st['slowdown_p95']} | {st['p50_ms']} | {st['p95_ms']} | "
                     f"{st['busy_cores']} | {st['outside_cores']} | {'yes' if st['held'] else '**no**'} |")
    return lines + [""]


def markdown(data: dict) -> str:
    o = data["options"]
    lines = ["# Portal benchmark (`make bench`)", "",
             f"{data['generated_at']}, {data['machine']['cpus']} CPUs, Python {data['machine']['python']}; "
             f"{o['clients']} clients without think time, {o['duration']:.0f} s of GP pages and as many of the "
             f"page baseline, alternated {o['alternations']}×, after {o['warmup']:.0f} s warm-up each. A run with "
             f"more than {data['outside_load_mark_cores']} cores of outside load is marked \"(outside load)\".", "",
             "## Targets", "", "| run | figure | issue | this run | target | met | note |",
             "| --- | --- | ---: | ---: | ---: | --- | --- |"]
    for c in data["checks"]:
        met = {True: "yes", False: "**no**", None: "n/a"}[c["met"]]
        lines.append(f"| {c['run']} | {c['figure']} | {c['issue']} | {c['value']} | {c['target']} | {met} | "
                     f"{c['note']} |")
    lines += ["", "## Information (8 clients without think time; former targets)", "",
              "| run | figure | value | former target |", "| --- | --- | ---: | ---: |"]
    lines += [f"| {i['run']} | {i['figure']} | {i['value']} | {i['former_target']} |" for i in data["information"]]
    lines += ["", "## Runs", ""]
    lines += [run_table(r) for r in data["runs"]]
    if data.get("fhir"):
        lines += ["## FHIR connector", "", "```", json.dumps(data["fhir"], indent=1, ensure_ascii=False), "```", ""]
    return "\n".join(lines) + "\n"
