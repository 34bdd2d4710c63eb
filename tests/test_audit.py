"""The audit chain: intact rows verify; any edit, deletion or insertion is named."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot.clock import now
from bot.rules.models import AuditAction
from storage import Database


async def make_chain(path: Path, rows: int = 5) -> None:
    async with Database(path) as db:
        for i in range(rows):
            async with db.transaction() as tx:
                await tx.audit.append("cli", AuditAction.PERSON_LANGUAGE, f"thing:{i}",
                                      {"n": i, "名": "张三"}, now())


def verify(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CHOUCHA_DB": str(path)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "handlers.main", "audit", "verify"], env=env,
                          capture_output=True, text=True, timeout=60)


def tamper(path: Path, *statements: str) -> None:
    """Edit the file the way someone with sqlite3 would, triggers and all."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        for statement in statements:
            conn.execute(statement)
        conn.execute("CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
                     " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
        conn.execute("CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
                     " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")


async def test_intact_chain_verifies(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    await make_chain(db)
    result = verify(db)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "intact: 5 rows" in result.stdout


async def test_triggers_refuse_edits(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    await make_chain(db)
    with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'x' WHERE id = 2")
    with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log WHERE id = 2")


@pytest.mark.parametrize(
    ("statements", "row", "words"),
    [
        (["UPDATE audit_log SET payload = '{\"n\":99}' WHERE id = 3"], 3, "edited"),
        (["DELETE FROM audit_log WHERE id = 2"], 2, "deleted"),
        (["DELETE FROM audit_log WHERE id = 5"], 5, "deleted from the end"),
        # Re-number rows 3..5 to 4..6 and put a forged row 3 in between.
        (["UPDATE audit_log SET id = id + 10 WHERE id >= 3",
          "UPDATE audit_log SET id = id - 9 WHERE id >= 13",
          "INSERT INTO audit_log (id, at, actor, action, subject, payload, prev_hash, hash)"
          " SELECT 3, at, 'intruder', action, subject, payload, hash, hash FROM audit_log"
          " WHERE id = 2"], 3, "edited"),
        (["UPDATE audit_log SET prev_hash = hash WHERE id = 4"], 4, "does not follow"),
    ],
)
async def test_tampering_is_named(tmp_path: Path, statements: list[str], row: int,
                                  words: str) -> None:
    db = tmp_path / "a.sqlite3"
    await make_chain(db)
    tamper(db, *statements)
    result = verify(db)
    assert result.returncode == 1
    assert f"BROKEN at row {row}" in result.stdout, result.stdout
    assert words in result.stdout


async def test_missing_trigger_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite3"
    await make_chain(db)
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER audit_log_no_delete")
    result = verify(db)
    assert result.returncode == 1 and "trigger" in result.stdout


async def test_audit_rolls_back_with_its_change(tmp_path: Path) -> None:
    async with Database(tmp_path / "a.sqlite3") as db:
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await tx.audit.append("cli", AuditAction.PERSON_LANGUAGE, "x", {}, now())
                raise RuntimeError("boom")
        async with db.read() as rtx:
            count, problem = await rtx.audit.verify()
        assert (count, problem) == (0, None)


async def test_migrations_apply_once(tmp_path: Path) -> None:
    path = tmp_path / "m.sqlite3"
    async with Database(path) as db:
        first = await db.schema_version()
    async with Database(path) as db:
        assert await db.schema_version() == first >= 1
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == first
