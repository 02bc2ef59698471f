"""Demo EPD at scale: generation time, database size and search timings per size.

    .venv/bin/python bench/demo_generate.py                 # 10k, 100k and 1M patients (SQLite)
    .venv/bin/python bench/demo_generate.py 10000 100000    # chosen sizes
    .venv/bin/python bench/demo_generate.py --url postgresql://postgres@127.0.0.1:5432/demo_bench 100000

SQLite files go to a temporary folder (removed afterwards). Each search path is timed over
200 searches for patients picked at random; the figures are the median and the 95th
percentile in milliseconds.
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, select, text

from portal.epd import models as m
from portal_connectors.demo.connector import DemoConnector, DemoSettings
from portal_connectors.demo.generator import generate
from portal_connectors.demo.schema import patients


def _samples(engine, count: int) -> list:
    with engine.connect() as conn:
        total = conn.execute(text("SELECT max(id) FROM patients")).scalar()
        ids = random.Random(7).sample(range(1, total + 1), min(count, total))
        return conn.execute(select(patients).where(patients.c.id.in_(ids))).mappings().all()


def _criteria(row) -> dict[str, m.SearchCriteria]:
    born = date.fromisoformat(row["birth_date"])
    found = {
        "patient number": m.SearchCriteria.by_patient_number(row["patient_number"]),
        "birth name": m.SearchCriteria.by_birth_name(row["birth_name"][:4], born, m.Sex(row["sex"])),
        "postcode + nr": m.SearchCriteria.by_address(row["postcode"], row["house_number"]),
    }
    if row["bsn"]:
        found["bsn"] = m.SearchCriteria.by_bsn(row["bsn"])
    if row["partner_name"]:
        found["partner name"] = m.SearchCriteria.by_partner_name(row["partner_name"][:4], born, m.Sex(row["sex"]))
    return found


def _size(url: str, engine) -> int:
    if url.startswith("sqlite"):
        return Path(url.split(":///", 1)[1]).stat().st_size
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_database_size(current_database())")).scalar()


def run(size: int, url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    stats = generate(engine, seed=1001, patient_count=size)
    db_size = _size(url, engine)
    print(f"{size:>9,} patients: generated in {stats.seconds:6.1f} s, {stats.records:,} records, "
          f"{stats.relations:,} relations, database {db_size / 2**20:,.0f} MiB", flush=True)
    connector = DemoConnector("bench", DemoSettings(), url, "Bench")
    timings: dict[str, list[float]] = {}
    for row in _samples(engine, 200):
        for name, criteria in _criteria(row).items():
            started = time.perf_counter()
            result = connector.search_patients(criteria)
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            assert any(p.patient_id == str(row["id"]) for p in result), name
    started = time.perf_counter()
    admitted = connector.list_admitted_patients()
    overview_ms = (time.perf_counter() - started) * 1000
    for name, values in timings.items():
        values.sort()
        print(f"    search by {name:15} median {statistics.median(values):6.2f} ms   "
              f"p95 {values[int(len(values) * 0.95) - 1]:6.2f} ms   ({len(values)} searches)")
    print(f"    klinische patiënten: {len(admitted)} in {overview_ms:.1f} ms")
    connector.dispose()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--url", help="database URL to use instead of temporary SQLite files (emptied per size)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="demo-bench-") as folder:
        for size in args.sizes:
            url = args.url or f"sqlite:///{Path(folder) / f'demo-{size}.sqlite'}"
            run(size, url)
            if not args.url:
                Path(url.split(":///", 1)[1]).unlink()


if __name__ == "__main__":
    main()
