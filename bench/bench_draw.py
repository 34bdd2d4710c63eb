"""The draw (issue 4): a pool of N targets at 5% with three departments of inspectors.

Run:  .venv/bin/python -m bench.bench_draw [--sizes 1000000 5000000]

For each size, in a fresh process: load a synthetic county (N targets, 100 inspectors
in each of five departments) through the real import, add a joint plan of three
departments at 5%, then time `prepare` (freeze the pool: query, pool.tsv, SHA-256,
commitment) and `run` (seed, keys, selection per stratum, teams, tasks and members
written, record), and, in the same process on the same database, the naive
unverifiable selection `SELECT code FROM targets WHERE active = 1 ORDER BY random()
LIMIT k` with the same k. Peak memory is the process's resident high-water mark.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot.services.access import SYSTEM

PLAN = "基准联合抽查计划"


def _peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _child(size: int, folder: str) -> dict[str, float]:
    from bot.config import load_settings
    from bot.core import Core
    from bot.demo_data import generate
    from bot.services import draws
    from bot.services.imports import import_file
    from storage import Database

    async def run() -> dict[str, float]:
        base = Path(folder)
        files = generate(base / "county", targets=size, per_department=100)
        with files["plans"].open("a", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerow([PLAN, "基准", "联合", "", "5%", "SC-002、WS-001、HJ-001",
                                     "", "SCJGJ", "WSJKJ、STHJJ", "2026-04-15", "2026-04-20",
                                     "2026-06-30", "", ""])
        settings = load_settings({"CHOUCHA_DB": str(base / "bench.sqlite3")})
        async with Database(settings.db_path) as db:
            core = Core(settings, db, "bench")
            started = time.perf_counter()
            for key, path in files.items():
                kind = "checklist" if key.startswith("checklist:") else key
                assert (await import_file(core, SYSTEM, path, path.name, kind)).ok, key
            load_s = time.perf_counter() - started
            started = time.perf_counter()
            prepared = await draws.prepare(core, SYSTEM, PLAN, "bench lottery")
            prepare_s = time.perf_counter() - started
            started = time.perf_counter()
            ran = await draws.run(core, SYSTEM, PLAN, "372915")
            run_s = time.perf_counter() - started
            k = ran.tasks
            async with db.read() as rtx:
                started = time.perf_counter()
                await rtx.directory.all(
                    "SELECT code FROM targets WHERE active = 1 ORDER BY random() LIMIT ?", (k,))
                naive_s = time.perf_counter() - started
            started = time.perf_counter()
            problems = await asyncio.to_thread(_verify, core, base)
            verify_s = time.perf_counter() - started
            assert problems == [], problems[:3]
        return {"pool": prepared.pool_size, "drawn": k, "load_s": load_s,
                "prepare_s": prepare_s, "run_s": run_s, "naive_s": naive_s,
                "verify_s": verify_s, "peak_mb": _peak_mb()}

    return asyncio.run(run())


def _verify(core: object, base: Path) -> list[str]:
    from bot.services import draws

    out = base / "published"
    asyncio.run(draws.export(core, PLAN, out))  # type: ignore[arg-type]
    return draws.verify_dir(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(int(args.child[0]), args.child[1])))
        return
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run([sys.executable, "-m", "bench.bench_draw", "--child",
                                  str(size), tmp], capture_output=True, text=True, check=True)
        f = json.loads(out.stdout.strip().splitlines()[-1])
        draw_s = f["prepare_s"] + f["run_s"]
        print(f"{size:,} targets, pool {f['pool']:,}, drawn {f['drawn']:,} with teams of three"
              f" departments (county loaded in {f['load_s']:.0f} s):")
        print(f"  prepare {f['prepare_s']:.1f} s + run {f['run_s']:.1f} s = {draw_s:.1f} s;"
              f" export and verify {f['verify_s']:.1f} s")
        print(f"  naive ORDER BY random() LIMIT {f['drawn']:,}: {f['naive_s']:.2f} s;"
              f" ratio {draw_s / f['naive_s']:.2f}x")
        print(f"  peak memory {f['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
