"""Bulk import of the target directory (issue 3).

Run:  .venv/bin/python -m bench.bench_import [--sizes 100000 1000000]

For each size: generate the CSV with `choucha demo-data`'s generator, then in a fresh
process import it into an empty database (every row checked: check digits, dates,
enumerations, duplicates; all or nothing), import it again (all unchanged), and
measure the same file loaded by a naive baseline in the same process: csv.reader
and executemany into a plain table, with no checks and no history. Peak memory is
the resident high-water mark of the importing process (before the baseline runs)
and of the largest worker process that checks rows.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.services.access import SYSTEM


def _measure(csv_path: str, db_path: str) -> dict[str, float]:
    from bot.config import load_settings
    from bot.core import Core
    from bot.services.imports import import_file
    from storage import Database

    async def run() -> dict[str, float]:
        settings = load_settings({"CHOUCHA_DB": db_path})
        async with Database(settings.db_path) as db:
            core = Core(settings, db, "bench")
            started = time.perf_counter()
            first = await import_file(core, SYSTEM, Path(csv_path), "targets.csv", "targets")
            first_s = time.perf_counter() - started
            assert first.ok and first.inserted == first.rows, first.problems[:3]
            worker_mb = first.worker_peak_mb
            started = time.perf_counter()
            again = await import_file(core, SYSTEM, Path(csv_path), "targets.csv", "targets")
            again_s = time.perf_counter() - started
            assert again.ok and again.unchanged == again.rows
        return {"rows": first.rows, "first_s": first_s, "again_s": again_s,
                "workers_rss_mb": worker_mb}

    figures = asyncio.run(run())
    figures["import_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Baseline: the same rows, no checks, one plain table.
    conn = sqlite3.connect(Path(db_path).with_suffix(".baseline.sqlite3"))
    conn.execute("PRAGMA journal_mode=WAL")
    started = time.perf_counter()
    with open(csv_path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        conn.execute(f"CREATE TABLE plain (code TEXT PRIMARY KEY, "
                     f"{', '.join(f'c{i} TEXT' for i in range(1, len(header)))})")
        conn.executemany(f"INSERT OR REPLACE INTO plain VALUES ({', '.join('?' * len(header))})",
                         reader)
    conn.commit()
    figures["baseline_s"] = time.perf_counter() - started
    conn.close()
    figures["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_measure(*args.child)))
        return
    from bot.demo_data import write_targets

    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            path = Path(tmp) / f"targets-{size}.csv"
            started = time.perf_counter()
            write_targets(path, size, seed=1)
            generated = time.perf_counter() - started
            out = subprocess.run(
                [sys.executable, "-m", "bench.bench_import", "--child", str(path),
                 str(Path(tmp) / f"db-{size}.sqlite3")],
                capture_output=True, text=True, check=True)
            f = json.loads(out.stdout.strip().splitlines()[-1])
            mb = path.stat().st_size / 1e6
            print(f"{size:,} targets ({mb:.0f} MB CSV, generated in {generated:.1f} s):")
            print(f"  import, empty database: {f['first_s']:.1f} s"
                  f" ({f['rows'] / f['first_s']:,.0f} rows/s)")
            print(f"  import again, all unchanged: {f['again_s']:.1f} s")
            print(f"  naive baseline (csv + executemany, no checks): {f['baseline_s']:.1f} s;"
                  f" ratio {f['first_s'] / f['baseline_s']:.2f}x")
            print(f"  peak memory: importing process {f['import_rss_mb']:.0f} MB"
                  f" (64 MB of it SQLite's page cache), largest checking process"
                  f" {f['workers_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
