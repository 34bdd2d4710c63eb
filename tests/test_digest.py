"""The office's daily digest: its numbers against the database, its chart, its spreadsheet,
the morning send once per working day, and /digest through the bot."""

from __future__ import annotations

import io
import sqlite3
from datetime import date
from pathlib import Path

import time_machine
from openpyxl import load_workbook
from PIL import Image

from bot.buttons.office import DigestPlan
from bot.core import Core
from bot.emulator import Emulator
from bot.emulator.client import message_text
from bot.i18n import translator
from bot.rules.models import Role
from bot.services import digest
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import invite_person, redeem
from bot.texts import digest as words
from bot.tg.app import BotRunner
from tests.conftest import person
from tests.support.buttons import press_kind
from tests.support.chasing import PLAN, county, local, outbox


def seed_states(core: Core) -> None:
    """Move the drawn tasks along: some accepted, started, finished with results."""
    with sqlite3.connect(core.settings.db_path) as conn:
        tasks = [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id")]
        visit = 0
        for n, task_id in enumerate(tasks):
            if n % 2 == 0:
                conn.execute("UPDATE task_members SET accepted_at ="
                             " '2026-10-12T02:00:00.000000Z' WHERE task_id = ?", (task_id,))
            if n % 3 == 0:
                visit += 1
                leader = conn.execute("SELECT person_id FROM task_members WHERE task_id = ?"
                                      " AND leader = 1", (task_id,)).fetchone()[0]
                finished = n % 2 == 0
                conn.execute(
                    "INSERT INTO visits (id, task_id, status, started_by, started_at,"
                    " submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (visit, task_id, "submitted" if finished else "open", leader,
                     "2026-10-12T03:00:00.000000Z", leader if finished else None,
                     "2026-10-12T08:00:00.000000Z" if finished else None))
                for position, (code, result) in enumerate(
                        (("SC-001", "no_problem"), ("WS-001",
                                                    "noncooperation" if n == 0 else
                                                    "follow_up")), start=1):
                    conn.execute(
                        "INSERT INTO visit_items (visit_id, item_code, position, department_id,"
                        " result, detail) VALUES (?, ?, ?, 1, ?, ?)",
                        (visit, code, position, result if finished else None,
                         '{"kind": "refused_entry", "circumstances": "拒绝进入"}'
                         if result == "noncooperation" else "{}"))
                conn.execute("UPDATE tasks SET status = ?, finished_at = ? WHERE id = ?",
                             ("submitted" if finished else "in_progress",
                              "2026-10-12T08:00:00.000000Z" if finished else None, task_id))


async def test_the_digest_matches_the_database(core: Core, tmp_path: Path) -> None:
    await county(core, tmp_path)
    seed_states(core)
    found = await digest.collect(core, SYSTEM, date(2026, 10, 13))  # the morning after
    with sqlite3.connect(core.settings.db_path) as conn:
        statuses = dict(conn.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status"))
        accepted = conn.execute("SELECT COUNT(*) FROM task_members WHERE accepted_at LIKE"
                                " '2026-10-12%'").fetchone()[0]
        started = conn.execute("SELECT COUNT(*) FROM visits").fetchone()[0]
        finished = conn.execute("SELECT COUNT(*) FROM tasks WHERE finished_at IS NOT NULL"
                                ).fetchone()[0]
        results = dict(conn.execute(
            "SELECT result, COUNT(*) FROM visit_items i JOIN visits v ON v.id = i.visit_id"
            " WHERE v.status = 'submitted' GROUP BY result"))
        overdue = conn.execute("SELECT COUNT(*) FROM tasks WHERE status != 'submitted' AND"
                               " window_due < '2026-10-13'").fetchone()[0]
    assert found.statuses == statuses
    assert (found.accepted, found.started, found.finished) == (accepted, started, finished)
    assert found.results_day == results == found.results_all
    assert sum(r.tasks for r in found.overdue) == overdue > 0
    assert len(found.noncooperation) == 1
    # Finished on 12 October: publication due 20 working days later, 9 November.
    assert not found.publish_late and not found.publish_soon
    later = await digest.collect(core, SYSTEM, date(2026, 11, 3))
    assert len(later.publish_soon) == finished and later.publish_soon[0].due == \
        date(2026, 11, 9)
    late = await digest.collect(core, SYSTEM, date(2026, 11, 10))
    assert len(late.publish_late) == finished
    text = words.digest_text(translator("en"), late)
    assert f"Publication late (003 第二十五条): {finished}" in text
    assert f"Overdue tasks: {overdue}" in text
    # The chart: a PNG a phone shows readably, decodable, not blank.
    png = digest.chart_png(translator("zh_CN"), found)
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (1080, 1200)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None and len(colours) > 10
        assert image.convert("L").getextrema()[0] < 100  # there is ink on it
    # The spreadsheet: every open task and every task finished in the last 30 days.
    sheet = await digest.sheet_xlsx(core, SYSTEM, translator("zh_CN"), date(2026, 10, 13))
    rows = list(load_workbook(io.BytesIO(sheet)).active.iter_rows(values_only=True))
    assert len(rows) - 1 == sum(statuses.values())


async def test_the_morning_digest_goes_out_once_on_working_days(
    core: Core, tmp_path: Path
) -> None:
    await county(core, tmp_path)
    for moment in (local(2026, 10, 12, 8, 29), local(2026, 10, 11, 9, 0),
                   local(2026, 10, 3, 9, 0)):  # before 08:30; Sunday; National Day
        with time_machine.travel(moment, tick=False):
            assert await digest.send_daily(core, moment) == 0
    assert await digest.send_daily(core, local(2026, 10, 12, 8, 31)) == 1
    assert await digest.send_daily(core, local(2026, 10, 12, 14, 0)) == 0
    queued = outbox(core, "digest:2026-10-12:%")
    assert [k.rsplit(":", 1)[1] for k, _ in queued] == ["text", "chart", "sheet"]
    # Saturday 10 October 2026 is a working day.
    assert await digest.send_daily(core, local(2026, 10, 10, 9, 0)) == 1


async def test_a_county_that_has_not_drawn_gets_no_digest_of_zeros(core: Core) -> None:
    """A fresh office's first message is not an all-zero digest of yesterday."""
    office = await invite_person(core, SYSTEM, "王芳", None, [Role.OFFICE])
    await redeem(core, office.code, TgUser(69999, 69999, None, "王芳", "zh-hans"))
    assert await digest.send_daily(core, local(2026, 10, 12, 9, 0)) == 0
    assert outbox(core, "digest:%") == []


async def test_digest_on_demand_and_a_plan_summary_in_the_bot(
    bot: BotRunner, emulator: Emulator, tmp_path: Path
) -> None:
    await county(bot.core, tmp_path)
    office = person(emulator, "王芳", user_id=69999)
    await office.send("/digest")
    # Asked for during the day: today so far, not "yesterday".
    digest = await office.expect("今日截至目前")
    text = message_text(digest)
    assert "任务：" in text and "审计日志" in text
    assert "今日截至目前：抽取" in text and "昨日" not in text
    # A short digest is the chart's caption: one message (bot/rules/pacing.py), whole.
    chart = digest
    assert chart.get("photo") and "…" not in text
    assert text.rstrip().endswith("任务状态及检查结果分类")
    with Image.open(io.BytesIO(office.file_bytes(chart["photo"][-1]["file_id"]))) as image:
        assert image.size == (1080, 1200)
    sheet = await office.expect(predicate=lambda m: bool(m.get("document")))
    assert sheet["document"]["file_name"].endswith(".xlsx")
    await office.send("/digest plan")
    choose = await office.expect("哪个计划")
    await press_kind(office, choose, DigestPlan)
    summary = await office.expect("计划汇总")
    assert PLAN in message_text(summary)
    # An inspector is refused politely.
    with sqlite3.connect(bot.settings.db_path) as conn:
        inspector_tg = conn.execute(
            "SELECT a.tg_user_id FROM telegram_accounts a JOIN person_roles r ON r.person_id ="
            " a.person_id WHERE r.role = 'inspector' LIMIT 1").fetchone()[0]
    inspector = person(emulator, "insp", user_id=inspector_tg)
    await inspector.send("/digest")
    await inspector.expect("The digest is for the office.")  # in their own language


def test_the_spreadsheet_dates_a_task_by_the_offices_day() -> None:
    """Finished at 07:30 Beijing time is that day's (23:30 UTC the day before)."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert digest._local_day(moment, ZoneInfo("Asia/Shanghai")) == "2026-12-01"
    assert digest._local_day(None, ZoneInfo("Asia/Shanghai")) == ""
