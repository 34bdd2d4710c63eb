"""The draw (issues 4 and 26): a pool of N targets at 5% with three departments of inspectors.

Run:  .venv/bin/python -m bench.bench_draw [--sizes 1000000 5000000]

For each size: load a synthetic county (N targets, 100 inspectors in each of five
departments) through the real import, with a joint plan of three departments at 5%; then,
in a fresh process (so that its memory is the draw's own), time `prepare` (freeze the pool
in two ranges read by two worker processes from a covering index, the inspectors, the
recusals, the announcement) and `run` (check what was frozen, key and select in two
worker processes, form the teams in a worker, write the tasks and members in chunks while
another worker writes the record, make them visible, queue the notices) with its phases,
and, in the same process on the same database, the naive unverifiable selection
`SELECT code FROM targets WHERE active = 1 ORDER BY random() LIMIT k` with the same k
(the median of three).

Printed: each phase, the ratios run ÷ naive and (prepare + run) ÷ naive, the peak memory
(resident high-water mark) of the bot's process and of each worker process, and the
longest the event loop was kept from running (a 10 ms ticker's worst lateness) during
prepare and during run.
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
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from bot.demo import publish_plans
from bot.services.access import SYSTEM

PLAN = "基准联合抽查计划"
T = TypeVar("T")


def _hwm_mb(pid: str = "self") -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class Ticker:
    """A task that wakes every 10 ms and keeps the worst lateness (an event-loop stall)."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(0.01)
            self.worst = max(self.worst, time.perf_counter() - before - 0.01)

    def __enter__(self) -> Ticker:
        self._task = asyncio.ensure_future(self._tick())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _timed(phases: dict[str, float], name: str,
           fn: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    async def wrapper(*args: Any, **kwargs: Any) -> T:
        started = time.perf_counter()
        try:
            return await fn(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - started
    return wrapper


def _load(size: int, folder: str) -> dict[str, Any]:
    """The county, loaded through the real import (a process of its own)."""
    from bot.config import load_settings
    from bot.core import Core
    from bot.demo_data import generate
    from bot.services.imports import import_file
    from storage import Database

    async def run() -> dict[str, Any]:
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
            core.workers.close()
            return {"load_s": time.perf_counter() - started}

    return asyncio.run(run())


def _draw(folder: str) -> dict[str, Any]:
    """Prepare and run the draw in a fresh process (its memory is the draw's own)."""
    from bot.config import load_settings
    from bot.core import Core
    from bot.services import draws
    from storage import Database

    async def run() -> dict[str, Any]:
        base = Path(folder)
        settings = load_settings({"CHOUCHA_DB": str(base / "bench.sqlite3")})
        async with Database(settings.db_path) as db:
            core = Core(settings, db, "bench")
            # The bot keeps its two workers alive: start them as a running bot has them.
            await asyncio.gather(*(core.workers.run(draws.DRAW, int, "0") for _ in range(2)))
            phases: dict[str, float] = {}
            for name in ("_sealed", "_before_run", "_select", "_write", "_finish"):
                setattr(draws, name, _timed(phases, name, getattr(draws, name)))
            await publish_plans(core)
            with Ticker() as ticker:
                started = time.perf_counter()
                prepared = await draws.prepare(core, SYSTEM, PLAN, "bench lottery")
                prepare_s = time.perf_counter() - started
            prepare_stall = ticker.worst
            with Ticker() as ticker:
                started = time.perf_counter()
                ran = await draws.run(core, SYSTEM, PLAN, "372915")
                run_s = time.perf_counter() - started
            run_stall = ticker.worst
            draw_mb = _hwm_mb()
            workers = [str(w.process.pid) for w in core.workers._idle]
            worker_mb = [_hwm_mb(pid) for pid in workers]
            k = ran.tasks
            naive = []
            async with db.read() as rtx:
                for _ in range(3):
                    started = time.perf_counter()
                    await rtx.directory.all("SELECT code FROM targets WHERE active = 1"
                                            " ORDER BY random() LIMIT ?", (k,))
                    naive.append(time.perf_counter() - started)
            started = time.perf_counter()
            out = base / "published"
            await draws.export(core, PLAN, out)
            problems = await asyncio.to_thread(draws.verify_dir, out)
            verify_s = time.perf_counter() - started
            assert problems == [], problems[:3]
            core.workers.close()
        writing = phases.get("_write", 0.0)  # includes _finish, which it calls
        teams = run_s - sum(phases.get(p, 0.0) for p in ("_sealed", "_before_run", "_select",
                                                          "_write"))
        return {"pool": prepared.announcement.pool_size, "drawn": k,
                "prepare_s": prepare_s, "run_s": run_s, "naive_s": sorted(naive)[1],
                "verify_s": verify_s, "peak_mb": draw_mb, "worker_mb": worker_mb,
                "verify_mb": _hwm_mb(),
                "check_s": phases.get("_sealed", 0.0) + phases.get("_before_run", 0.0),
                "select_s": phases.get("_select", 0.0), "teams_s": teams,
                "write_s": writing - phases.get("_finish", 0.0),
                "finish_s": phases.get("_finish", 0.0),
                "prepare_stall_ms": prepare_stall * 1000, "run_stall_ms": run_stall * 1000}

    return asyncio.run(run())


def _child(*args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "bench.bench_draw", "--child", *args],
                         capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = _load(int(args.child[1]), args.child[2]) if args.child[0] == "load" \
            else _draw(args.child[1])
        print(json.dumps(result))
        return
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            loaded = _child("load", str(size), tmp)
            f = _child("draw", tmp)
        draw_s = f["prepare_s"] + f["run_s"]
        print(f"{size:,} targets, pool {f['pool']:,}, drawn {f['drawn']:,} with teams of three"
              f" departments (county loaded in {loaded['load_s']:.0f} s):")
        print(f"  prepare {f['prepare_s']:.2f} s (pool, inspectors, recusals, announcement)")
        print(f"  run {f['run_s']:.2f} s: checks {f['check_s']:.2f} + keys and selection"
              f" {f['select_s']:.2f} + teams {f['teams_s']:.2f} + tasks written (the record"
              f" meanwhile) {f['write_s']:.2f} + made visible and notices {f['finish_s']:.2f}")
        print(f"  naive ORDER BY random() LIMIT {f['drawn']:,} (median of 3): {f['naive_s']:.2f}"
              f" s; run / naive {f['run_s'] / f['naive_s']:.2f}x;"
              f" (prepare + run) / naive {draw_s / f['naive_s']:.2f}x")
        print(f"  export and verify {f['verify_s']:.1f} s")
        print(f"  peak memory of the draw (a fresh process): bot process {f['peak_mb']:.0f} MB,"
              f" worker processes " + ", ".join(f"{m:.0f} MB" for m in f["worker_mb"])
              + f"; with export and verification {f['verify_mb']:.0f} MB")
        print(f"  longest event-loop stall: prepare {f['prepare_stall_ms']:.0f} ms,"
              f" run {f['run_stall_ms']:.0f} ms")


if __name__ == "__main__":
    main()
