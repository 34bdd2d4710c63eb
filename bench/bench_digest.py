"""The office's digest over many tasks.

Run:  .venv/bin/python -m bench.bench_digest [--tasks 100000]

A county whose plan draws `--tasks` targets (through the real imports and draw); a third
of the tasks are then moved on (accepted, visits started, half of those submitted with
results) with plain SQL. Timed: collecting the digest's numbers, its text, the chart and
the spreadsheet; the baseline is reading every task row once (`SELECT * FROM tasks`) on
the same connection. Peak Python memory is printed for the whole digest.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path

from bot.config import load_settings
from bot.core import Core
from bot.demo import joint_plan, load_county, publish_plans
from bot.i18n import translator
from bot.services import digest, draws
from bot.services.access import SYSTEM
from bot.texts import digest as words
from storage import Database

PLAN = "基准全量抽查"


async def build(core: Core, tmp: Path, tasks: int) -> None:
    await load_county(core, tmp / "county", tasks, 200, all_active=True, plans=[joint_plan(
        PLAN, "SC-001、WS-001", "WSJKJ", ("2026-04-15", "2026-04-20", "2026-06-30"))])
    await publish_plans(core)
    await draws.prepare(core, SYSTEM, PLAN, "bench")
    await draws.run(core, SYSTEM, PLAN, "1")


def move_along(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE task_members SET accepted_at = '2026-06-01T02:00:00.000000Z'"
                     " WHERE task_id % 3 = 0")
        conn.execute("INSERT INTO visits (task_id, status, started_by, started_at,"
                     " submitted_by, submitted_at) SELECT k.id, CASE WHEN k.id % 2 = 0"
                     " THEN 'submitted' ELSE 'open' END, m.person_id,"
                     " '2026-06-01T03:00:00.000000Z', m.person_id, CASE WHEN k.id % 2 = 0 THEN"
                     " '2026-06-01T08:00:00.000000Z' END FROM tasks k JOIN task_members m ON"
                     " m.task_id = k.id AND m.leader = 1 WHERE k.id % 3 = 0")
        conn.execute("INSERT INTO visit_items (visit_id, item_code, position, department_id,"
                     " result, detail) SELECT v.id, 'SC-001', 1, 1, CASE WHEN v.status ="
                     " 'submitted' THEN (CASE v.id % 4 WHEN 0 THEN 'corrected' WHEN 1 THEN"
                     " 'noncooperation' ELSE 'no_problem' END) END, '{}' FROM visits v")
        conn.execute("UPDATE tasks SET status = CASE WHEN id % 2 = 0 THEN 'submitted' ELSE"
                     " 'in_progress' END, finished_at = CASE WHEN id % 2 = 0 THEN"
                     " '2026-06-01T08:00:00.000000Z' END WHERE id % 3 = 0")


async def bench(tasks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"CHOUCHA_DB": str(Path(tmp) / "digest.sqlite3")})
        async with Database(settings.db_path) as db:
            core = Core(settings, db, "bench")
            started = time.perf_counter()
            await build(core, Path(tmp), tasks)
            move_along(settings.db_path)
            print(f"set-up: {tasks:,} tasks drawn and moved along in"
                  f" {time.perf_counter() - started:.1f} s")
            today = date(2026, 6, 2)
            t = translator("zh_CN")
            started = time.perf_counter()
            async with db.read() as rtx:
                count = len(await rtx.conn.execute_fetchall("SELECT * FROM tasks"))
            base = time.perf_counter() - started
            timings = {}
            started = time.perf_counter()
            found = await digest.collect(core, SYSTEM, today)
            timings["numbers"] = time.perf_counter() - started
            started = time.perf_counter()
            text = words.digest_text(t, found)
            timings["text"] = time.perf_counter() - started
            started = time.perf_counter()
            png = digest.chart_png(t, found)
            timings["chart"] = time.perf_counter() - started
            started = time.perf_counter()
            sheet = await digest.sheet_xlsx(core, SYSTEM, t, today)
            timings["spreadsheet"] = time.perf_counter() - started
            tracemalloc.start()  # a second pass for memory: tracing slows Python down
            again = await digest.collect(core, SYSTEM, today)
            digest.chart_png(t, again)
            await digest.sheet_xlsx(core, SYSTEM, t, today)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    total = sum(timings.values())
    print(f"digest over {tasks:,} tasks ({sum(found.statuses.values()):,} in the database):")
    print(f"  baseline, every task row read once ({count:,} rows): {base * 1000:.0f} ms")
    for name, seconds in timings.items():
        print(f"  {name}: {seconds * 1000:.0f} ms")
    print(f"  total {total * 1000:.0f} ms, ratio to the baseline {total / base:.2f}x;"
          f" text {len(text)} characters, chart {len(png) / 1024:.0f} KiB,"
          f" spreadsheet {len(sheet) / 2**20:.1f} MiB; peak Python memory"
          f" {peak / 2**20:.0f} MiB")
    print(f"  numbers alone (what the morning text needs): ratio"
          f" {timings['numbers'] / base:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(bench(args.tasks))


if __name__ == "__main__":
    main()
