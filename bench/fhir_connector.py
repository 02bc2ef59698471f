"""Benchmark: how long pages take through the fhir connector, calls in parallel vs one by one.

Starts the test FHIR server (tests/fhir_server, needs Node.js and `make install`) with an
added delay per request, standing in for a hospital server's latency, loads the test data
and times the connector calls behind some screens with ``parallel_calls`` 1 and 8.

    .venv/bin/python bench/fhir_connector.py [--delay-ms 50] [--rounds 5] [--json out.json]

Prints one line per screen: median milliseconds sequential, parallel, and the ratio. Then,
per page as the portal makes it, with ``parallel_calls`` 8: the page's time over its
slowest single HTTP call, median over the rounds. "page": within
``access.decision_cache_seconds`` of the selection's last decision (every page of a GP
looking through a record), the screen's call alone; "fresh inputs": a page whose access
check first reads ``get_patient_summary`` (the first page after that time). A search, and
Patiëntinformatie, are their one call alone (the latter decides on the summary inside the
details). A page that costs about one EPD
round trip scores near 1; one that waits for two calls in a row near 2. ``--json`` writes
these figures (``make bench`` reads them).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from portal.epd.models import SearchCriteria
from portal_connectors.fhir import FhirConnector
from portal_connectors.fhir.testing import (
    FhirTestServer,
    all_test_resources,
    connector_settings,
    node_problem,
    recent_resources,
)

SCREENS = {
    "Patiënt zoeken (BSN)": lambda c: c.search_patients(SearchCriteria.by_bsn("999999096")),
    "Patiëntinformatie": lambda c: c.get_patient("pt-jansen"),
    "Labuitslagen": lambda c: c.list_lab_results("pt-jansen"),
    "Medicatie": lambda c: c.list_medication("pt-jansen"),
    "Radiologie": lambda c: c.list_imaging("pt-jansen"),
    "Operatieoverzicht": lambda c: c.list_operations("pt-jansen"),
}


#: Screens whose page the access check precedes (it reads the patient summary first).
#: Patiëntinformatie is not one: the guard decides on the summary inside the patient's
#: details, one read (``patient_view(details=True)``).
GUARDED = frozenset(SCREENS) - {"Patiënt zoeken (BSN)", "Patiëntinformatie"}


def _timed_calls(connector) -> list[float]:
    """Record the seconds of every HTTP call ``connector`` makes from now on."""
    calls: list[float] = []
    send = connector.client._send

    def timed(*args, **kwargs):
        started = time.perf_counter()
        try:
            return send(*args, **kwargs)
        finally:
            calls.append(time.perf_counter() - started)

    connector.client._send = timed
    return calls


def _page(connector, calls: list[float], call, fresh: bool) -> tuple[float, float]:
    """One page: (ms, page time / its slowest HTTP call)."""
    calls.clear()
    start = time.perf_counter()
    if fresh:
        connector.get_patient_summary("pt-jansen")
    call(connector)
    page = time.perf_counter() - start
    return page * 1000, page / max(calls)


def page_ratios(connector, rounds: int) -> dict:
    """Per screen: median page ms and median page time / slowest call, over ``rounds``,
    with the decision's inputs cached (``ratio``) and read fresh (``ratio_fresh``)."""
    calls = _timed_calls(connector)
    figures = {}
    for name, call in SCREENS.items():
        cached = [_page(connector, calls, call, False) for _ in range(rounds)]
        fresh = [_page(connector, calls, call, name in GUARDED) for _ in range(rounds)]
        figures[name] = {"page_ms": round(statistics.median(t for t, _ in cached), 1),
                         "ratio": round(statistics.median(r for _, r in cached), 2),
                         "page_ms_fresh": round(statistics.median(t for t, _ in fresh), 1),
                         "ratio_fresh": round(statistics.median(r for _, r in fresh), 2)}
    worst = max(figures, key=lambda n: figures[n]["ratio"])
    return {"screens": figures, "worst_screen": worst, "worst_ratio": figures[worst]["ratio"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=int, default=50, help="added server latency per request")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the page / slowest call figures here")
    args = parser.parse_args()
    problem = node_problem()
    if problem:
        print(f"skipped: {problem}")
        return 0
    from datetime import datetime, timezone
    with FhirTestServer.start("--delay-ms", str(args.delay_ms)) as server, tempfile.TemporaryDirectory() as folder:
        server.load(all_test_resources() + recent_resources(datetime.now(timezone.utc)), batch_size=500)
        connectors = {n: FhirConnector(connector_settings(server, parallel_calls=n), folder) for n in (1, 8)}
        print(f"fhir connector, server latency {args.delay_ms} ms per request, median of {args.rounds} rounds")
        print(f"{'screen':28} {'sequential':>11} {'parallel':>9} {'ratio':>6}")
        for name, call in SCREENS.items():
            timings = {}
            for workers, connector in connectors.items():
                samples = []
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    call(connector)
                    samples.append((time.perf_counter() - start) * 1000)
                timings[workers] = statistics.median(samples)
            print(f"{name:28} {timings[1]:9.0f}ms {timings[8]:7.0f}ms {timings[1] / timings[8]:5.1f}x")
        pages = {"delay_ms": args.delay_ms, "rounds": args.rounds, **page_ratios(connectors[8], args.rounds)}
        print(f"{'page':28} {'ms':>11} {'/ slowest call':>15} {'fresh inputs ms':>16} {'/ slowest':>10}")
        for name, figure in pages["screens"].items():
            print(f"{name:28} {figure['page_ms']:9.0f}ms {figure['ratio']:14.2f} "
                  f"{figure['page_ms_fresh']:14.0f}ms {figure['ratio_fresh']:10.2f}")
        if args.json:
            args.json.write_text(json.dumps(pages, indent=1, ensure_ascii=False))
        for connector in connectors.values():
            connector.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
