"""Benchmark: how long pages take through the fhir connector, calls in parallel vs one by one.

Starts the test FHIR server (tests/fhir_server, needs Node.js and `make install`) with an
added delay per request, standing in for a hospital server's latency, loads the test data
and times the connector calls behind some screens with ``parallel_calls`` 1 and 8.

    .venv/bin/python bench/fhir_connector.py [--delay-ms 50] [--rounds 5]

Prints one line per screen: median milliseconds sequential, parallel, and the ratio.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--delay-ms", type=int, default=50, help="added server latency per request")
    parser.add_argument("--rounds", type=int, default=5)
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
        for connector in connectors.values():
            connector.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
