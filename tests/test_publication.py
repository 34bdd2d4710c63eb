"""一公开: publishing finished results to the channel within its limits, the export for the
credit publicity system, non-cooperation with its count, withholding, corrections, and a
late publication flagged."""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from bot.clock import now as clock_now
from bot.config import Settings
from bot.emulator import Emulator
from bot.rules.models import Role
from bot.services import publication
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import invite_person, redeem
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN, person
from tests.support.helpers import probe
from tests.support.publication import channel_post, finished_tasks


async def test_publish_withhold_correct_and_export(
    channel_settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(channel_settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        await finished_tasks(runner, tmp_path, ["noncooperation", "no_problem", "corrected"])
        office_issued = await invite_person(runner.core, SYSTEM, "王芳", None, [Role.OFFICE])
        office = person(emulator, "王芳", user_id=61000)
        await redeem(runner.core, office_issued.code, TgUser(61000, 61000, None, "王芳",
                                                             "zh-hans"))
        # The office sees what waits, with the 20-working-day clock.
        await office.send("/publish")
        listing = await office.expect("待公示的检查结果：3")
        assert "个工作日" in listing["text"]
        # Withhold the third with a reason.
        await office.press("🙈 暂不公示 3", listing)
        await office.expect("为什么")
        await office.send("涉及个人隐私")
        await office.expect("已暂不公示")
        # Publish all that are due: first the exact public text; Cancel publishes nothing.
        await office.press("📢 全部公示（3）", listing)
        preview = await office.expect("公开频道将显示的内容如下")
        assert "抽查结果公示" in preview["text"] and "无法撤回" in preview["text"]
        await office.press("✖ 取消", preview)
        await office.expect("未公示任何结果")
        assert probe(channel_settings, "SELECT COUNT(*) FROM publications"
                     " WHERE kind = 'result'") == [(0,)]
        await office.press("📢 全部公示（3）", listing)
        preview = await office.expect("公开频道将显示的内容如下")
        await office.press("✅ 公示 2 条", preview)
        await office.expect("已公示 2 条结果")
        post = await channel_post(emulator, "抽查结果公示")
        text = post["text"]
        assert "不配合检查情节严重" in text and "未发现问题" in text
        assert "不配合检查（003 第二十六条）：1 次" in text and "负责人拒绝检查人员进入仓库" in text
        assert emulator.rate_limited == []
        # Pressing again publishes nothing twice.
        again = await office.press("📢 全部公示（3）", listing)
        assert "不在待公示" in (await office.answer(again))["text"]
        # A published result cannot be edited; a correction is a new publication.
        with sqlite3.connect(channel_settings.db_path) as conn, pytest.raises(
                sqlite3.IntegrityError):
            conn.execute("UPDATE publications SET reason = 'x'")
        # Only a corrected record owes a 更正 (tests/test_corrections.py): none yet.
        await office.send("/publish correct")
        await office.expect("没有需要发布的更正")
        rows = _rows(channel_settings, "SELECT kind, supersedes IS NOT NULL, reason FROM"
                                       " publications ORDER BY id")
        assert [r[0] for r in rows] == ["withheld", "result", "result"]
        assert rows[0][2] == "涉及个人隐私"
        # The withheld result is listed with its reason and can be released, previewed first.
        await office.send("/publish withheld")
        held = await office.expect("暂不公示的结果：1")
        assert "涉及个人隐私" in held["text"]
        await office.press("📢 公开 1", held)
        preview = await office.expect("公开频道将显示的内容如下")
        await office.press("✅ 公示 1 条", preview)
        await office.expect("已公开")
        rows = _rows(channel_settings, "SELECT kind, supersedes FROM publications ORDER BY id")
        assert rows[-1] == ("result", 1)
        # The export for the credit publicity system: one row per item, both formats.
        await office.send("/publish export")
        xlsx = await office.expect(predicate=lambda m: m.get("document", {}).get(
            "file_name", "").endswith(".xlsx"))
        exported = await office.expect(predicate=lambda m: m.get("document", {}).get(
            "file_name", "").endswith(".csv"))
        lines = list(csv.reader(io.StringIO(office.file_bytes(
            exported["document"]["file_id"]).decode("utf-8-sig"))))
        assert lines[0][:6] == publication.EXPORT_HEADERS[:6]
        assert len(lines) - 1 == 6  # three published tasks × two items
        assert {line[5] for line in lines[1:]} == {"不配合检查情节严重", "未发现问题",
                                                   "发现问题已责令改正"}
        noncooperation = [line for line in lines[1:] if line[5] == "不配合检查情节严重"]
        assert noncooperation[0][8] == "1" and "拒绝检查人员" in noncooperation[0][10]
        assert lines[0][12:] == ["责令改正", "后续处理"]
        sheet = load_workbook(io.BytesIO(office.file_bytes(xlsx["document"]["file_id"])))
        assert sheet.active is not None and sheet.active.max_row == 7
    finally:
        await runner.stop()


async def test_a_late_publication_is_flagged(settings: Settings, tmp_path: Path) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        tasks = await finished_tasks(runner, tmp_path, ["no_problem"])
        later = clock_now() + timedelta(days=60)
        due = await publication.due_items(runner.core, SYSTEM,
                                          later.astimezone(settings.tz).date())
        assert due[0].late and due[0].left < 0
        done = await publication.publish(runner.core, SYSTEM, tasks, later)
        assert (done.count, done.late, done.posts) == (1, 1, 0)  # no channel configured
        audit = _rows(settings, "SELECT payload FROM audit_log WHERE action ="
                                " 'publication.published'")
        assert '"late":true' in audit[0][0].replace(" ", "")
    finally:
        await runner.stop()


def _rows(settings: Settings, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(settings.db_path) as conn:
        return conn.execute(sql).fetchall()


def test_export_rows_put_each_finding_on_its_own_item() -> None:
    """Mixed results in one task: non-cooperation columns only on the item found so; the
    correction order and the follow-up on theirs."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.rules.records import Publication, PublicationKind

    content = {"target_code": "91533103MA6K0000X1", "target_name": "A店", "plan": "P",
               "date": "2026-11-02", "noncooperation_count": 2,
               "noncooperation_times": ["2026-03-01", "2026-11-02"],
               "noncooperation": {"date": "2026-11-02", "kinds": ["拒绝检查人员进入"],
                                  "circumstances": "拒绝进入仓库"},
               "items": [
                   {"name": "甲", "department": "市场", "result": "noncooperation",
                    "result_wording": "不配合检查情节严重", "order": None, "follow_up": None},
                   {"name": "乙", "department": "卫健", "result": "corrected",
                    "result_wording": "发现问题已责令改正", "order": "三日内改正",
                    "follow_up": None},
                   {"name": "丙", "department": "应急", "result": "follow_up",
                    "result_wording": "发现问题待后续处理", "order": None,
                    "follow_up": "限期整改（期限 2026-12-31）"}]}
    published = [Publication(1, 9, PublicationKind.RESULT, content, None, None, "office",
                             datetime(2026, 11, 3, 1, tzinfo=UTC))]
    rows = publication.export_rows(published, ZoneInfo("Asia/Shanghai"))
    assert [r[3] for r in rows] == ["甲", "乙", "丙"]
    assert rows[0][8:11] == [2, "2026-03-01、2026-11-02", "拒绝检查人员进入；拒绝进入仓库"]
    assert rows[1][8:11] == ["", "", ""] and rows[2][8:11] == ["", "", ""]
    assert (rows[1][12], rows[2][13]) == ("三日内改正", "限期整改（期限 2026-12-31）")
    assert rows[0][12:] == ["", ""] and rows[0][7] == "2026-11-03"

