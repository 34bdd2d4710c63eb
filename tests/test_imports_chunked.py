"""A large target directory is applied in chunks, each its own short transaction, with
forward recovery: the same result as one transaction, finished exactly once after a
crash, nothing written for a file with a problem, and others get the writer between
chunks. CHUNK_FROM and CHUNK_ROWS are lowered so that a few hundred rows make chunks."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from bot.config import Settings, load_settings
from bot.core import Core
from bot.emulator import Emulator
from bot.i18n import translator
from bot.rules.models import BulkKind, BulkWrite, Role
from bot.services import bulk, recovery
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.imports import ImportReport, import_file, import_upload
from bot.services.imports import chunked as chunking
from bot.services.imports import targets as target_staging
from bot.services.onboarding import invite_person, redeem
from bot.texts.imports import waiting_text
from bot.tg.app import BotRunner
from bot.views.imports import summary_text
from handlers import register
from storage import Database
from tests.conftest import TOKEN
from tests.support.directories import TARGET_HEADER, code, load_county, problems, targets_csv
from tests.support.helpers import choucha, eventually, registered_admin

OFFICE_CHAT = 69999
REAL_CHUNK = chunking._apply_chunk


class Crash(Exception):
    """The process stops (in the middle of a chunk's transaction)."""


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chunking, "CHUNK_FROM", 100)
    monkeypatch.setattr(chunking, "CHUNK_ROWS", 70)  # not a divisor of the files' rows
    monkeypatch.setattr(target_staging, "PARALLEL_FROM", 1)  # two staging files for any CSV
    monkeypatch.setattr(bulk, "POLL_SECONDS", 0.02)


def settings_at(path: Path) -> Settings:
    return load_settings({"CHOUCHA_DB": str(path / "d.sqlite3")})


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    async with Database(settings_at(tmp_path).db_path) as db:
        core = Core(settings_at(tmp_path), db, "choucha_local_bot")
        yield core
        core.workers.close()


def rows(first: int, last: int, credit: str = "B") -> list[list[str]]:
    return [[code(n), f"芒市商行{n}", "存续", credit, "芒市镇", "餐饮"]
            for n in range(first, last + 1)]


def counted(report: ImportReport) -> tuple[int, int, int]:
    assert report.ok, summary_text(translator("en"), report)
    return report.inserted, report.updated, report.unchanged


def held(db: Path) -> dict[str, Any]:
    """What an auditor reads: every target (by code, without its id and times), every
    recorded change (by code and import), the import log, the audit's import entries."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        targets = {r["code"]: {k: r[k] for k in r.keys()  # noqa: SIM118 (a Row)
                               if k not in ("id", "created_at", "updated_at")}
                   for r in conn.execute("SELECT * FROM targets")}
        changes = sorted(tuple(r) for r in conn.execute(
            "SELECT t.code, c.import_id, c.before, c.after FROM target_changes c"
            " JOIN targets t ON t.id = c.target_id"))
        log = [tuple(r) for r in conn.execute(
            "SELECT id, kind, filename, rows, inserted, updated, unchanged FROM imports"
            " ORDER BY id")]
        audit = [(r["subject"], json.loads(r["payload"])) for r in conn.execute(
            "SELECT subject, payload FROM audit_log WHERE action = 'import.targets'"
            " ORDER BY id")]
    return {"targets": targets, "changes": changes, "log": log, "audit": audit}


def probe(db: Path, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def staged_folders(core: Core) -> list[Path]:
    root = core.settings.data_dir / chunking.STAGED
    return sorted(root.iterdir()) if root.is_dir() else []


def count_chunks(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, int]]:
    """The counts of every chunk applied from now on."""
    real = chunking._apply_chunk
    applied: list[tuple[int, int, int]] = []

    async def chunk(tx: Any, plan: Any, alias: str, after: str, upto: str
                    ) -> tuple[int, int, int]:
        counts = await real(tx, plan, alias, after, upto)
        applied.append(counts)
        return counts

    monkeypatch.setattr(chunking, "_apply_chunk", chunk)
    return applied


async def test_chunks_give_what_one_transaction_gives(core: Core, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A first load, an update (some rows changed, some closed, some new, the rest
    unchanged) and a file with only some columns: the same targets, the same history,
    the same counts and log, whether applied in chunks or in one transaction."""
    first = rows(1, 600)
    update = [list(r) for r in first] + rows(601, 650)
    for n, row in enumerate(update):
        if n % 7 == 0:
            row[3] = "D"
        if n % 11 == 0:
            row[2] = "注销"
    partial = [[r[0], r[1], r[2], "A"] for r in update[::3]]
    files = [targets_csv(tmp_path / "first.csv", first),
             targets_csv(tmp_path / "update.csv", update),
             targets_csv(tmp_path / "partial.csv", partial, header=TARGET_HEADER[:4])]

    async with Database(tmp_path / "one" / "d.sqlite3") as db:
        one = Core(settings_at(tmp_path / "one"), db, "b")
        monkeypatch.setattr(chunking, "CHUNK_FROM", 10**9)
        whole = [counted(await import_file(one, SYSTEM, f, f.name)) for f in files]
        one.workers.close()
    monkeypatch.setattr(chunking, "CHUNK_FROM", 100)
    applied = count_chunks(monkeypatch)
    chunked = [counted(await import_file(core, SYSTEM, f, f.name)) for f in files]

    changed = sum(1 for n in range(600) if n % 7 == 0 or n % 11 == 0)
    assert whole == chunked == [(600, 0, 0), (50, changed, 600 - changed), (0, 217, 0)]
    # 600 + 650 + 217 rows, in chunks of at most 70 rows within each staging file.
    assert len(applied) >= (600 + 650 + 217) // 70 and max(map(sum, applied)) <= 70
    assert sum(map(sum, applied)) == 600 + 650 + 217
    expected, got = held(tmp_path / "one" / "d.sqlite3"), held(core.settings.db_path)
    assert got == expected
    assert len(got["changes"]) == changed + 217 and len(got["audit"]) == 3
    # Every target an import wrote carries that import's one time, chunk after chunk.
    stamps = probe(core.settings.db_path, "SELECT DISTINCT updated_at FROM targets t WHERE"
                   " code IN (SELECT code FROM targets WHERE credit_class = 'A')")
    assert len(stamps) == 1
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM bulk_writes") == [(0,)]
    assert staged_folders(core) == []


async def test_a_bad_row_in_a_large_file_changes_nothing(core: Core, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    applied = count_chunks(monkeypatch)
    bad = rows(1, 300)
    bad[250][3] = "E"  # no such credit class
    bad.append(bad[10])  # in the second staging file, repeating a code of the first
    report = await import_file(core, SYSTEM, targets_csv(tmp_path / "bad.csv", bad),
                               "bad.csv")
    assert sorted(problems(report))[0][:3] == (252, "信用分类", "E")
    assert (302, "统一社会信用代码/注册号", code(11),
            "appears twice in the file: first in row 12") in problems(report)
    assert applied == []
    db = core.settings.db_path
    assert [probe(db, f"SELECT COUNT(*) FROM {t}")[0][0]
            for t in ("targets", "imports", "audit_log", "bulk_writes")] == [0, 0, 0, 0]
    assert staged_folders(core) == []


def crash_after(monkeypatch: pytest.MonkeyPatch, chunks: int) -> list[tuple[int, int, int]]:
    """The chunk after `chunks` chunks fails inside its transaction (as a kill would stop
    it: rolled back), under the lease of an earlier life of this process."""
    real = chunking._apply_chunk
    applied: list[tuple[int, int, int]] = []

    async def chunk(tx: Any, plan: Any, alias: str, after: str, upto: str
                    ) -> tuple[int, int, int]:
        counts = await real(tx, plan, alias, after, upto)
        if len(applied) == chunks:
            raise Crash
        applied.append(counts)
        return counts

    monkeypatch.setattr(chunking, "_apply_chunk", chunk)
    monkeypatch.setattr(bulk, "OWNER", f"{bulk.HOST}:{os.getpid()}:earlier")
    return applied


async def office_on_telegram(core: Core) -> None:
    issued = await invite_person(core, SYSTEM, "王芳", None, [Role.OFFICE])
    await redeem(core, issued.code, TgUser(OFFICE_CHAT, OFFICE_CHAT, None, "王芳", "en"))


async def test_a_crash_after_the_commit_point_is_finished_once_by_whoever_starts_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, update = rows(1, 400), rows(1, 400, credit="C") + rows(401, 450)
    for row in update[::2]:
        row[3] = "B"  # half of them unchanged
    db_path = settings_at(tmp_path).db_path
    original_owner = bulk.OWNER
    async with Database(db_path) as db:
        core = Core(settings_at(tmp_path), db, "b")
        await office_on_telegram(core)
        assert counted(await import_file(core, SYSTEM, targets_csv(tmp_path / "a.csv", first),
                                         "a.csv")) == (400, 0, 0)
        done = crash_after(monkeypatch, 3)
        with pytest.raises(Crash):
            await import_file(core, SYSTEM, targets_csv(tmp_path / "b.csv", update), "b.csv")
        core.workers.close()
    assert len(done) == 3
    [(kind, ref, progress, total, state)] = probe(
        db_path, "SELECT kind, ref, done, total, state FROM bulk_writes")
    assert (kind, progress, total) == ("import", sum(map(sum, done)), 450)
    assert json.loads(state)["counts"] == [sum(c[i] for c in done) for i in range(3)]
    # The commit point reserved the import's log row; its counts come at the end.
    assert probe(db_path, "SELECT id, rows, inserted, updated, unchanged FROM imports"
                 " WHERE filename = 'b.csv'") == [(2, 450, 0, 0, 0)]
    assert (settings_at(tmp_path).data_dir / chunking.STAGED / ref).is_dir()
    half = probe(db_path, "SELECT COUNT(*) FROM target_changes")[0][0]
    assert 0 < half < 200

    monkeypatch.setattr(bulk, "OWNER", original_owner)  # the next process
    monkeypatch.setattr(chunking, "_apply_chunk", REAL_CHUNK)
    async with Database(db_path) as db:
        fresh = Core(settings_at(tmp_path), db, "b")
        assert await recovery.resume(fresh) is True
        assert await recovery.resume(fresh) is False  # once
        fresh.workers.close()

    assert probe(db_path, "SELECT COUNT(*) FROM bulk_writes") == [(0,)]
    assert probe(db_path, "SELECT inserted, updated, unchanged FROM imports WHERE id = 2") \
        == [(50, 200, 200)]
    assert probe(db_path, "SELECT COUNT(*), COUNT(DISTINCT target_id) FROM target_changes"
                 " WHERE import_id = 2") == [(200, 200)]
    assert probe(db_path, "SELECT COUNT(*) FROM targets WHERE credit_class = 'C'") == [(200,)]
    assert probe(db_path, "SELECT COUNT(*) FROM targets") == [(450,)]
    audit = probe(db_path, "SELECT subject, payload FROM audit_log"
                  " WHERE action = 'import.targets' ORDER BY id")
    assert [s for s, _ in audit] == ["import:1", "import:2"]
    assert json.loads(audit[1][1]) == {"file": "b.csv", "sha256": json.loads(audit[1][1])[
        "sha256"], "rows": 450, "inserted": 50, "updated": 200, "unchanged": 200,
        "warnings": 0}
    assert not (settings_at(tmp_path).data_dir / chunking.STAGED / ref).exists()
    [(chat, payload)] = probe(db_path, "SELECT chat_id, payload FROM outbox"
                              " WHERE dedupe_key LIKE 'import-finished:2:%'")
    assert chat == OFFICE_CHAT
    assert json.loads(payload)["text"].startswith(
        "✅ The import of b.csv, interrupted by a restart, has been finished: 450 rows —"
        " 50 new, 200 changed, 200 unchanged.\nNext: ")


async def test_an_import_whose_staged_rows_are_gone_is_ended_and_the_office_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db_path = settings_at(tmp_path).db_path
    async with Database(db_path) as db:
        core = Core(settings_at(tmp_path), db, "b")
        await office_on_telegram(core)
        crash_after(monkeypatch, 2)
        with pytest.raises(Crash):
            await import_file(core, SYSTEM, targets_csv(tmp_path / "a.csv", rows(1, 300)),
                              "a.csv")
        core.workers.close()
    [(ref,)] = probe(db_path, "SELECT ref FROM bulk_writes")
    for part in (settings_at(tmp_path).data_dir / chunking.STAGED / ref).iterdir():
        part.unlink()  # someone tidied the server
    monkeypatch.undo()
    async with Database(db_path) as db:
        assert await recovery.resume(Core(settings_at(tmp_path), db, "b")) is True
    assert probe(db_path, "SELECT COUNT(*) FROM bulk_writes") == [(0,)]
    assert probe(db_path, "SELECT inserted FROM imports") == [(140,)]
    assert probe(db_path, "SELECT COUNT(*) FROM targets") == [(140,)]
    [(payload,)] = probe(db_path, "SELECT payload FROM outbox WHERE dedupe_key LIKE"
                         " 'import-unfinished:1:%'")
    assert "140 of 300 rows were loaded. Send the file again" in json.loads(payload)["text"]


RECUSAL_HEADER = ["执法证号", "统一社会信用代码/注册号", "回避原因"]
DEPARTMENT_HEADER = ["部门代码", "部门名称", "区域", "是否有效"]


def workbook(path: Path, targets: list[list[str]], recusals: list[list[str]] | None = None,
             departments: list[list[str]] | None = None) -> Path:
    """A workbook of the template's sheets: the targets, and recusals or departments."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "检查对象名录库"
    sheet.append(TARGET_HEADER)
    for row in targets:
        sheet.append(row)
    for title, header, extra in (("执法回避", RECUSAL_HEADER, recusals),
                                 ("部门", DEPARTMENT_HEADER, departments)):
        if extra is not None:
            other = book.create_sheet(title)
            other.append(header)
            for row in extra:
                other.append(row)
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


@pytest.mark.parametrize("chunk_from", [100, 10**9])
async def test_a_workbooks_target_changes_name_its_own_import(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_from: int
) -> None:
    """A workbook's departments are logged before its targets: each change of a target
    names the targets' import (in one transaction as in chunks)."""
    monkeypatch.setattr(chunking, "CHUNK_FROM", chunk_from)
    assert counted(await import_file(core, SYSTEM, targets_csv(tmp_path / "a.csv",
                                                               rows(1, 150)), "a.csv"))[0] == 150
    book = workbook(tmp_path / "b.xlsx", rows(1, 150, credit="A"),
                    departments=[["SCJGJ", "市场监督管理局", "", "是"]])
    reports = await import_upload(core, SYSTEM, book, "b.xlsx")
    assert {r.kind: counted(r) for r in reports} == {"departments": (1, 0, 0),
                                                     "targets": (0, 150, 0)}
    logged = dict(probe(core.settings.db_path, "SELECT kind, id FROM imports"
                        " WHERE filename LIKE 'b.xlsx%'"))
    assert logged["departments"] != logged["targets"]
    assert probe(core.settings.db_path, "SELECT DISTINCT import_id FROM target_changes") \
        == [(logged["targets"],)]


async def test_a_workbook_of_targets_and_recusals_naming_them_loads_whole(
    core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await load_county(core, tmp_path, targets=5)
    cert = probe(core.settings.db_path, "SELECT cert_no FROM inspectors"
                 " WHERE cert_no IS NOT NULL ORDER BY cert_no LIMIT 1")[0][0]
    before = probe(core.settings.db_path, "SELECT COUNT(*) FROM recusals")[0][0]
    applied = count_chunks(monkeypatch)
    new = rows(1000, 1250)
    # One recusal names a target nowhere, neither loaded nor in the workbook: nothing loads.
    wrong = workbook(tmp_path / "wrong.xlsx", new, [[cert, code(1003), "亲属"],
                                                    [cert, code(5000), "亲属"]])
    reports = await import_upload(core, SYSTEM, wrong, "wrong.xlsx")
    assert [r.kind for r in reports] == ["targets", "recusals"]
    assert problems(reports[1]) == [(3, "统一社会信用代码/注册号", code(5000),
                                     "no target with this code in the directory")]
    assert not reports[0].ok and applied == []
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM targets") == [(5,)]
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM bulk_writes") == [(0,)]

    right = workbook(tmp_path / "right.xlsx", new, [[cert, code(1003), "亲属"],
                                                    [cert, code(1250), "曾任职"]])
    reports = await import_upload(core, SYSTEM, right, "right.xlsx")
    assert [counted(r) for r in reports] == [(251, 0, 0), (2, 0, 0)]
    assert len(applied) == 4  # 251 rows of one sheet, 70 a chunk
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM targets") == [(256,)]
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM recusals") == [(before + 2,)]
    assert probe(core.settings.db_path, "SELECT filename, inserted FROM imports"
                 " WHERE filename LIKE 'right.xlsx%' ORDER BY filename") == [
        ("right.xlsx › 执法回避", 2), ("right.xlsx › 检查对象名录库", 251)]


async def test_a_large_import_waits_for_another_bulk_write_then_loads(
    core: Core, tmp_path: Path
) -> None:
    other = "elsewhere:1:draw"  # alive on another machine: nobody takes it over
    started = datetime.now(UTC)
    async with core.db.transaction(record_update=False) as tx:
        assert await tx.bulk.start(BulkKind.DRAW, "7", other, 10, {}, "office", started)
    told: list[BulkWrite] = []
    waits = asyncio.Event()

    async def waiting(current: BulkWrite) -> None:
        told.append(current)
        waits.set()

    path = targets_csv(tmp_path / "a.csv", rows(1, 200))
    task = asyncio.create_task(import_file(core, SYSTEM, path, "a.csv", waiting=waiting))
    await asyncio.wait_for(waits.wait(), 30)
    await asyncio.sleep(0.2)
    assert not task.done() and [(w.kind, w.ref) for w in told] == [(BulkKind.DRAW, "7")]
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM imports") == [(0,)]
    assert "a draw's tasks are being written" in waiting_text(translator("en"),
                                                                      told[0])
    async with core.db.transaction(record_update=False) as tx:
        assert await tx.bulk.finish(other)
    assert counted(await asyncio.wait_for(task, 30)) == (200, 0, 0)
    assert len(told) == 1
    assert probe(core.settings.db_path, "SELECT COUNT(*) FROM targets") == [(200,)]


async def test_others_get_the_writer_between_chunks(core: Core, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Someone presses a button while the import's first chunk holds the writer: their
    transaction commits right after that chunk, long before the import ends."""
    real = chunking._apply_chunk
    applied: list[int] = []
    first_chunk = asyncio.Event()

    async def chunk(tx: Any, plan: Any, alias: str, after: str, upto: str
                    ) -> tuple[int, int, int]:
        counts = await real(tx, plan, alias, after, upto)
        applied.append(sum(counts))
        first_chunk.set()
        return counts

    monkeypatch.setattr(chunking, "_apply_chunk", chunk)
    path = targets_csv(tmp_path / "a.csv", rows(1, 700))
    task = asyncio.create_task(import_file(core, SYSTEM, path, "a.csv"))
    await first_chunk.wait()
    async with core.db.transaction(record_update=False) as tx:
        await tx.settings.put("pressed", "yes")
    chunks_before_mine = len(applied)
    assert not task.done()
    report = await task
    assert counted(report) == (700, 0, 0)
    assert chunks_before_mine <= 2 and len(applied) >= 10


async def test_the_bot_finishes_an_interrupted_import_when_it_starts(
    settings: Settings, emulator: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot stops in the middle of a large import; started again, it finishes it
    without being asked, and the office reads that it is done."""
    original_owner = bulk.OWNER
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        office = await registered_admin(runner, emulator)
        crash_after(monkeypatch, 1)
        path = targets_csv(settings.data_dir / "t.csv", rows(1, 300))
        with pytest.raises(Crash):
            await import_file(runner.core, SYSTEM, path, "t.csv")
    finally:
        await runner.stop()
    assert probe(settings.db_path, "SELECT done FROM bulk_writes") == [(70,)]
    monkeypatch.setattr(chunking, "_apply_chunk", REAL_CHUNK)
    monkeypatch.setattr(bulk, "OWNER", original_owner)  # the bot's next life
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        told = await office.expect("has been finished")
    finally:
        await runner.stop()
    assert told["text"].startswith("✅ The import of t.csv, interrupted by a restart, has been"
                                   " finished: 300 rows — 300 new, 0 changed, 0 unchanged.\n"
                                   "Next: ")
    assert probe(settings.db_path, "SELECT COUNT(*) FROM targets") == [(300,)]
    assert probe(settings.db_path, "SELECT COUNT(*) FROM bulk_writes") == [(0,)]


KILLED_IMPORT = """
import asyncio, sys
from bot.services.imports import chunked
chunked.CHUNK_FROM, chunked.CHUNK_ROWS = 100, 20
real = chunked._apply_chunk
async def slow(*args):
    counts = await real(*args)
    await asyncio.sleep(0.05)  # inside the chunk's transaction: a kill may land here
    return counts
chunked._apply_chunk = slow
from handlers.main import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.journey
async def test_a_killed_command_line_import_is_finished_by_the_next_command(
    tmp_path: Path
) -> None:
    """`choucha import` killed with SIGKILL after some chunks: the next command (any that
    opens the database) finishes the import first, exactly once."""
    env = {"CHOUCHA_DB": str(tmp_path / "d.sqlite3")}
    code_, _, err = await choucha(env, "init", "--bot-username", "b_bot")
    assert code_ == 0, err
    path = targets_csv(tmp_path / "t.csv", rows(1, 400))
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", KILLED_IMPORT, "import", "targets", str(path),
        env={**os.environ, "CHOUCHA_LANG": "en", **env})
    db = tmp_path / "d.sqlite3"

    def progress() -> int:
        found = probe(db, "SELECT done FROM bulk_writes")
        return int(found[0][0]) if found else 0

    await eventually(lambda: progress() >= 100 or process.returncode is not None, timeout=60)
    assert process.returncode is None, "the import ended before it was killed"
    process.kill()
    await process.wait()
    done = progress()
    assert 100 <= done < 400
    assert probe(db, "SELECT COUNT(*) FROM targets") == [(done,)]
    code_, out, err = await choucha(env, "audit", "verify")
    assert code_ == 0, err
    assert "A large write interrupted earlier (an import or a draw) was finished first." in err
    assert "audit chain intact" in out
    assert probe(db, "SELECT COUNT(*) FROM targets") == [(400,)]
    assert probe(db, "SELECT rows, inserted, updated, unchanged FROM imports") == [
        (400, 400, 0, 0)]
    assert probe(db, "SELECT COUNT(*) FROM audit_log WHERE action = 'import.targets'") \
        == [(1,)]
    assert probe(db, "SELECT COUNT(*) FROM bulk_writes") == [(0,)]
    assert list((tmp_path / chunking.STAGED).iterdir()) == []
