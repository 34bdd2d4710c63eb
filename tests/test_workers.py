"""Heavy work in worker processes: the limits hold, failures are sentences, the bot's own
memory does not grow, and the person sees the work in progress."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sqlite3
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from bot import workers
from bot.core import Core
from bot.demo_data import generate
from bot.emulator import Emulator
from bot.i18n import translator
from bot.rules import draw as algo
from bot.services import imports
from bot.services.access import SYSTEM
from bot.services.imports import import_file, uploads
from bot.tg.app import BotRunner
from bot.views.imports import summary_text
from bot.workers import Failure, Limit, Workers, WorkFailed
from tests.support.helpers import registered_admin

SHARED_STRINGS = ("application/vnd.openxmlformats-officedocument.spreadsheetml"
                  ".sharedStrings+xml")


# --- functions the workers run (module level: they cross the pipe by name) -------------
def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def refuse() -> None:
    raise algo.DrawRefused("team_too_small", target="91350100M000100Y43")


def virtual_mb() -> int:
    """The worker's address space now, with the import code loaded."""
    import bot.services.imports  # noqa: F401

    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) // 1024
    raise AssertionError("no VmSize")


def resident_peak_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def many_strings_xlsx(strings: int) -> bytes:
    """A target workbook whose shared-strings table holds `strings` distinct strings: it
    compresses about 4:1 (no zip-bomb ratio), but reading it takes memory."""
    workbook = Workbook()
    workbook.active.append(["统一社会信用代码", "名称", "类型", "登记机关", "法定代表人",
                            "住所", "登记状态"])
    plain = io.BytesIO()
    workbook.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml"'
                                    b' ContentType="' + SHARED_STRINGS.encode() + b'"/></Types>')
            archive.writestr(item, data)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                       b'main">')
            for i in range(strings):
                part.write(b"<si><t>%08x</t></si>" % (i * 2654435761 % (1 << 32)))
            part.write(b"</sst>")
    return out.getvalue()


# --- the pool itself --------------------------------------------------------------------
async def test_limits_hold_and_each_failure_is_named() -> None:
    pool = Workers(size=1)
    try:
        assert await pool.run(Limit(512, 30), allocate, 16) == 16 * 1024 * 1024
        with pytest.raises(WorkFailed) as memory:
            await pool.run(Limit(256, 30), allocate, 1024)
        assert memory.value.failure is Failure.MEMORY
        started = time.monotonic()
        with pytest.raises(WorkFailed) as slow:
            await pool.run(Limit(512, 0.5), sleep, 30)
        assert slow.value.failure is Failure.TIME and time.monotonic() - started < 10
        with pytest.raises(WorkFailed) as crashed:
            await pool.run(Limit(512, 30), die)
        assert crashed.value.failure is Failure.CRASHED
        # A refusal raised in the worker arrives whole, reason and names.
        with pytest.raises(algo.DrawRefused) as refused:
            await pool.run(Limit(512, 30), refuse)
        assert refused.value.reason == "team_too_small"
        assert refused.value.params == {"target": "91350100M000100Y43"}
        # After each failure a fresh process takes the next job.
        assert await pool.run(Limit(512, 30), sleep, 0) == 0
        assert pool.started == 4  # the first, and one after each of the three failures
        # Not heavy: the same call in a thread of this process, no new worker.
        assert await pool.run(Limit(512, 30), sleep, 0, heavy=False) == 0
        assert pool.started == 4
    finally:
        pool.close()


async def test_a_spreadsheet_that_needs_too_much_memory_is_a_report_line(
        core: Core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading happens in a worker under the memory limit: the bot's process never holds
    the expanded table, and the office is told what to do."""
    baseline = await core.workers.run(workers.IMPORT, virtual_mb)
    monkeypatch.setattr(workers, "IMPORT", Limit(baseline + 24, 120))
    path = tmp_path / "targets.xlsx"
    path.write_bytes(many_strings_xlsx(400_000))
    before = resident_peak_mb()
    report = await import_file(core, SYSTEM, path, path.name)
    assert not report.ok
    assert [p.message for p in report.problems] == [uploads.WORK_FAILURES[Failure.MEMORY]]
    limit = workers.IMPORT.memory_mb
    assert f"needed more than {limit} MB of memory" in summary_text(
        translator("en"), report)
    assert resident_peak_mb() - before < 20
    with sqlite3.connect(core.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM imports").fetchone() == (0,)


async def test_a_large_upload_is_checked_in_workers_and_the_office_sees_progress(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    files = generate(tmp_path / "county", targets=2000, per_department=4)
    for kind in ("departments", "items"):
        await office.send_document(files[kind].read_bytes(), files[kind].name, "text/csv")
        await office.expect("✅ Loaded")
    data = files["targets"].read_bytes()
    assert len(data) >= imports.HEAVY_FROM
    await office.send_document(data, "targets.csv", "text/csv")
    progress = await office.expect("⏳ Checking targets.csv")
    assert "the result comes here when it is done" in progress["text"]
    loaded = await office.expect("✅ Loaded", timeout=60)
    assert "2000 rows — 2000 new" in loaded["text"]
    assert bot.core.workers.started >= 1
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM targets").fetchone() == (2000,)


async def test_a_job_nobody_waits_for_any_more_ends_with_its_worker() -> None:
    """A cancelled wait (the bot stopping, say) kills that worker: a later job never gets
    the abandoned job's result."""
    pool = Workers(size=1)
    try:
        waiting = asyncio.ensure_future(pool.run(Limit(512, 30), sleep, 5))
        await asyncio.sleep(1.0)  # the job is running in its worker
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert await pool.run(Limit(512, 30), sleep, 0.1) == 0.1
        assert pool.started == 2
    finally:
        pool.close()


def test_which_sheets_a_workbook_has_is_read_without_its_shared_strings(
        tmp_path: Path) -> None:
    """Telling an XLSForm from a table reads the workbook part only (openpyxl would parse
    every shared string first, then open_table again)."""
    from bot.formats.tabular import sheet_names
    from tests.support.forms import xlsform

    form = xlsform(tmp_path / "form.xlsx", [["text", "q1", "问", "Q", "", ""]], "SC-001")
    assert sheet_names(form)[0] == "survey"
    table = tmp_path / "targets.xlsx"
    table.write_bytes(many_strings_xlsx(10))
    assert sheet_names(table) == ["Sheet"]
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    assert sheet_names(broken) == []
