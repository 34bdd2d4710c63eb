"""The public site (issue 31) over many published results.

Run:  .venv/bin/python -m bench.bench_site [--results 100000]

A county whose plan draws `--results` + 1 targets (through the real imports and draw, the
plan published first); every task but one then gets a submitted record and a published
result with plain SQL (one in 20 a non-cooperation case). Timed: the first build of the
site into an empty folder; a build with nothing new (nothing is rewritten); and, after one
more result is published, the incremental build. The baseline is reading every
publication row and decoding its JSON once, on the same database. Printed: the site's
files and size, the largest page, the largest search shard, the process's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from bot.config import load_settings
from bot.core import Core
from bot.demo import joint_plan, load_county, publish_plans
from bot.services import draws
from bot.services.access import SYSTEM
from bot.site.build import build
from storage import Database

PLAN = "基准公示抽查"
AT = "2026-06-01T08:00:00.000000Z"


def _content(task_id: int, name: str, code: str, record_hash: str) -> str:
    refused = task_id % 20 == 0
    items = [{"code": "SC-001", "name": "营业执照公示情况的检查", "department": "市场监督管理局",
              "result": "noncooperation" if refused else "no_problem",
              "result_wording": "不配合检查情节严重" if refused else "未发现问题",
              "order": None, "follow_up": None},
             {"code": "WS-001", "name": "公共场所卫生许可的检查", "department": "卫生健康局",
              "result": "no_problem", "result_wording": "未发现问题", "order": None,
              "follow_up": None}]
    case = {"date": "2026-06-01", "kinds": ["拒绝检查"], "circumstances": "拒绝检查人员进入"}
    return json.dumps({"task_id": task_id, "target_code": code, "target_name": name,
                       "plan": PLAN, "items": items, "date": "2026-06-01",
                       "record_hash": record_hash, "noncooperation": case if refused else None,
                       "noncooperation_count": 1 if refused else 0,
                       "noncooperation_times": ["2026-06-01"] if refused else []},
                      ensure_ascii=False)


def publish_all_but_one(path: Path) -> int:
    """Records and published results for every task but the last; that task's id."""
    with sqlite3.connect(path) as conn:
        tasks = conn.execute(
            "SELECT k.id, t.name, t.code, m.person_id FROM tasks k JOIN targets t"
            " ON t.id = k.target_id JOIN task_members m ON m.task_id = k.id AND m.leader = 1"
            " ORDER BY k.id").fetchall()
        for task_id, _, _, leader in tasks:
            conn.execute("INSERT INTO visits (task_id, status, started_by, started_at,"
                         " submitted_by, submitted_at) VALUES (?, 'submitted', ?, ?, ?, ?)",
                         (task_id, leader, AT, leader, AT))
        conn.execute("UPDATE tasks SET status = 'submitted', finished_at = ?", (AT,))
        rows = []
        for (task_id, name, code, leader), (visit_id,) in zip(tasks, conn.execute(
                "SELECT id FROM visits ORDER BY task_id").fetchall(), strict=True):
            record_hash = hashlib.sha256(f"record {task_id}".encode()).hexdigest()
            rows.append((visit_id, task_id, record_hash, leader, name, code))
        conn.executemany(
            "INSERT INTO records (visit_id, task_id, version, content, content_hash,"
            " record_hash, created_by, created_at) VALUES (?, ?, 1, '{}', ?, ?, ?, ?)",
            [(v, k, h, h, leader, AT) for v, k, h, leader, _, _ in rows])
        conn.executemany(
            "INSERT INTO publications (task_id, kind, content, created_by, created_at)"
            " VALUES (?, 'result', ?, 'bench', ?)",
            [(k, _content(k, name, code, h), AT) for _, k, h, _, name, code in rows[:-1]])
        conn.execute("UPDATE tasks SET published_at = ? WHERE id IN (SELECT task_id FROM"
                     " publications)", (AT,))
        return int(rows[-1][1])


def publish_one(path: Path, task_id: int) -> None:
    with sqlite3.connect(path) as conn:
        name, code = conn.execute("SELECT t.name, t.code FROM tasks k JOIN targets t"
                                  " ON t.id = k.target_id WHERE k.id = ?", (task_id,)).fetchone()
        record_hash = hashlib.sha256(f"record {task_id}".encode()).hexdigest()
        conn.execute("INSERT INTO publications (task_id, kind, content, created_by,"
                     " created_at) VALUES (?, 'result', ?, 'bench', ?)",
                     (task_id, _content(task_id, name, code, record_hash), AT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def bench(results: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"CHOUCHA_DB": str(Path(tmp) / "site.sqlite3")})
        async with Database(settings.db_path) as db:
            core = Core(settings, db, "bench")
            started = time.perf_counter()
            await load_county(core, Path(tmp) / "county", results + 1, 200, all_active=True,
                              plans=[joint_plan(PLAN, "SC-001、WS-001", "WSJKJ", (
                                  "2026-04-15", "2026-04-20", "2026-06-30"))])
            await publish_plans(core)
            await draws.prepare(core, SYSTEM, PLAN, "bench lottery")
            await draws.run(core, SYSTEM, PLAN, "1")
            last = publish_all_but_one(settings.db_path)
            print(f"set-up: {results:,} results published in"
                  f" {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            async with db.read() as rtx:
                rows = await rtx.conn.execute_fetchall("SELECT content FROM publications")
            decoded = [json.loads(r[0]) for r in rows]
            base = time.perf_counter() - started
            print(f"baseline, every publication read and decoded once ({len(decoded):,}):"
                  f" {base * 1000:.0f} ms")
            out = Path(tmp) / "site"
            first = await build(core, out)
            print(f"first build: {first.seconds:.1f} s, ratio to the baseline"
                  f" {first.seconds / base:.1f}x; {first.files:,} files, {first.size / 1e6:.0f}"
                  f" MB; largest page {first.largest[0]} {first.largest[1] / 1024:.0f} KiB")
            shards = sorted(((p.stat().st_size, p.name) for p in (out / "search/data").iterdir()),
                            reverse=True)
            print(f"  search index: {len(shards)} shards, the largest {shards[0][1]}"
                  f" {shards[0][0] / 1024:.0f} KiB; a code shard about"
                  f" {next(s for s, n in shards if n.startswith('codes')) / 1024:.0f} KiB")
            again = await build(core, out)
            print(f"nothing new: {again.seconds:.1f} s, {again.written} files written")
            publish_one(settings.db_path, last)
            one = await build(core, out)
            print(f"one result published: {one.seconds:.1f} s, {one.written} files written")
            print(f"peak memory of the bench's process: {_peak_mb():.0f} MiB; of the worker"
                  f" process that built the site: {one.peak_mib:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=int, default=100_000)
    asyncio.run(bench(parser.parse_args().results))


if __name__ == "__main__":
    main()
