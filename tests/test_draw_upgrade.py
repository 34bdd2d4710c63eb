"""A county upgraded from choucha-draw-v1: its drawn records export byte for byte as before
and keep verifying; a preparation left waiting is never run unsealed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.core import Core
from bot.rules import draw as algo
from bot.rules.records import DrawEvents
from bot.services import draws
from bot.services.access import SYSTEM
from bot.services.errors import Refused
from storage import Database
from storage.db import _split_sql, migrations
from storage.files import write_blob

STAMP = "2026-04-01T00:00:00.000000Z"


def _v1_record(files: Path) -> tuple[dict[str, object], str, str, str]:
    """A v1 draw as the v1 code wrote it: pool, teams, one withdrawal, one replacement."""
    pool = [(f"91{i:016d}", "ABCD-"[i % 5]) for i in range(60)]
    pool_data = algo.pool_tsv(pool)
    inspectors = [algo.Inspector(f"{d}{k:03d}", d, "") for d in ("SC", "WS") for k in range(4)]
    recusals = {("SC000", pool[3][0])}
    nonce = "ab" * 32
    seed = algo.seed_v1("旧计划", algo.h(pool_data), "372", nonce)
    rules = algo.TeamRules("SC", ["WS"], {}, inspectors, recusals)
    outcome = algo.compute("旧计划", pool, {"*": "0.2"}, seed, rules)
    target, team = outcome.teams[0]
    out = team[1].inspector
    rules.withdraw("WS003")
    joined, _ = algo.replace_member(rules, seed, target, team, out, 1)
    record: dict[str, object] = {
        "algorithm": algo.ALGORITHM_V1, "plan": "旧计划", "draw_date": "2026-04-15",
        "entropy_source": "lottery", "entropy": "372", "nonce": nonce,
        "nonce_commitment": algo.h(nonce), "pool_digest": algo.h(pool_data), "pool_size": 60,
        "year_cap": 2, "seed": seed,
        "inspectors_digest": algo.h(algo.inspectors_tsv(inspectors)),
        "recusals_digest": algo.h(algo.recusals_tsv(recusals)),
        "initiating": "SC", "joining": ["WS"], "fallbacks": {}, "items": ["SC-001"],
        "strata": [s.as_json() for s in outcome.strata],
        "selected": [s.as_json() for s in outcome.selected],
        "teams": [{"target": t, "members": [m.as_json() for m in ms]}
                  for t, ms in algo.compute("旧计划", pool, {"*": "0.2"}, seed, algo.TeamRules(
                      "SC", ["WS"], {}, inspectors, recusals)).teams],
        "replacements": [{"target": target, "n": 1, "out": out, "in": joined.inspector,
                          "reason": "health", "approved_by": "person:1"}],
        "withdrawals": [{"inspector": "WS003", "from": "2026-05-01", "reason": "left",
                         "before": 0}],
    }
    return (record, write_blob(files, pool_data), write_blob(files, algo.inspectors_tsv(
        inspectors)), write_blob(files, algo.recusals_tsv(recusals)))


def _database_at_v1(path: Path) -> dict[str, object]:
    """A database at migration 15 (before the sealed draw) holding a drawn v1 plan and a
    v1 preparation left waiting."""
    record, pool, inspectors, recusals = _v1_record(path.parent / "files")
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
                     " name TEXT NOT NULL, applied_at TEXT NOT NULL)")
        for version, name, sql in migrations():
            if version > 15:
                break
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version VALUES (?, ?, ?)", (version, name, STAMP))
        conn.execute("INSERT INTO departments (id, code, name, created_at) VALUES"
                     " (1, 'SC', '市场监督管理局', ?)", (STAMP,))
        for plan_id, name, cap in ((1, "旧计划", 2), (2, "待抽计划", None)):
            conn.execute(
                "INSERT INTO plans (id, name, task_name, type, scope, ratios, initiator_id,"
                " draw_date, window_start, window_due, year_cap, created_at, updated_at)"
                " VALUES (?, ?, '任务', 'department', '{}', '{\"*\":\"0.2\"}', 1,"
                " '2026-04-15', '2026-04-16', '2026-06-30', ?, ?, ?)",
                (plan_id, name, cap, STAMP, STAMP))
        conn.execute(
            "INSERT INTO draws (plan_id, status, draw_date, entropy_source, entropy, nonce,"
            " nonce_commitment, pool_digest, pool_size, year_cap, seed, record,"
            " inspectors_sha256, recusals_sha256, prepared_by, prepared_at, run_by, run_at)"
            " VALUES (1, 'run', '2026-04-15', 'lottery', '372', ?, ?, ?, 60, 2, ?, ?, ?, ?,"
            " 'system', ?, 'system', ?)",
            (record["nonce"], record["nonce_commitment"], pool, record["seed"],
             algo.record_json(record).decode(), inspectors, recusals, STAMP, STAMP))
        conn.execute(
            "INSERT INTO draws (plan_id, status, draw_date, entropy_source, nonce,"
            " nonce_commitment, pool_digest, pool_size, prepared_by, prepared_at)"
            " VALUES (2, 'prepared', '2026-04-15', 'lottery', ?, ?, ?, 60, 'system', ?)",
            ("cd" * 32, algo.h("cd" * 32), pool, STAMP))
    return record


async def test_v1_records_survive_the_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "county.sqlite3"
    record = _database_at_v1(path)
    settings = load_settings({"CHOUCHA_DB": str(path)})
    async with Database(settings.db_path) as database:
        assert await database.schema_version() >= 16
        core = Core(settings, database, "choucha_local_bot")
        out = tmp_path / "published"
        written = await draws.export(core, "旧计划", out)
        assert sorted(p.name for p in written) == sorted(draws.FILES_V1)
        # Byte for byte the record v1 published, replacements and withdrawals in place.
        assert (out / "record.json").read_bytes() == algo.record_json(record)
        assert draws.verify_dir(out) == []
        events = await _events(core)
        assert events.replacements == record["replacements"]
        assert events.withdrawals == record["withdrawals"]
        # A preparation left waiting by v1 never runs unsealed; it may be cancelled on
        # any day (it was never sealed) to be prepared again.
        with pytest.raises(Refused) as unsealed:
            await draws.run(core, SYSTEM, "待抽计划", "1")
        assert unsealed.value.reason == "unsealed_preparation"
        done = await draws.cancel(core, SYSTEM, "待抽计划", "升级后重新准备")
        assert done.nonce == "cd" * 32
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT status, algorithm FROM draws ORDER BY id").fetchall() == [
            ("run", "choucha-draw-v1"), ("cancelled", "choucha-draw-v1")]
        assert conn.execute("SELECT year_caps FROM plans ORDER BY id").fetchall() == [
            ('{"*":2}',), ("{}",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        drawn = json.loads(conn.execute("SELECT record FROM draws WHERE id = 1").fetchone()[0])
    assert "replacements" not in drawn and "withdrawals" not in drawn


async def _events(core: Core) -> DrawEvents:
    async with core.db.read() as rtx:
        return await rtx.draws.events(1)
