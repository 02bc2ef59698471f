"""Generated demo EPDs kept between benchmark runs, keyed by seed and patient count.

A million patients take minutes to generate, so ``make bench`` generates each size once into
``bench/.cache/`` (gitignored) and reuses the SQLite file afterwards. The generator is
deterministic for its seed, so a cached file is the same EPD a fresh run would build.

    .venv/bin/python bench/epd_cache.py 10000 100000 1000000   # fill the cache ahead of a run
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine

from portal_connectors.demo.generator import generate

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
DEFAULT_SEED = 1001  # ZGT's seed in tenants/zgt/tenant.yaml


def epd_path(seed: int, patients: int, cache_dir: Path = CACHE_DIR) -> Path:
    return cache_dir / f"demo-epd-seed{seed}-{patients}.sqlite"


def cached_epd(seed: int, patients: int, cache_dir: Path = CACHE_DIR, log=print) -> Path:
    """The SQLite file of the demo EPD for ``seed`` and ``patients``, generated when missing.

    Generation writes to a temporary name and renames at the end, so an interrupted run
    never leaves a half-filled file that a later run would take for complete."""
    path = epd_path(seed, patients, cache_dir)
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    log(f"generating the demo EPD: {patients:,} patients, seed {seed} (cached in {path.name})")
    started = time.perf_counter()
    engine = create_engine(f"sqlite:///{partial}")
    try:
        generate(engine, seed=seed, patient_count=patients)
    finally:
        engine.dispose()
    os.replace(partial, path)
    log(f"  done in {time.perf_counter() - started:.0f} s, {path.stat().st_size / 2**20:.0f} MiB")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="+", type=int, help="patient counts")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    for size in args.sizes:
        print(cached_epd(args.seed, size), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
