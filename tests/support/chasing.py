"""The chase's county, drawn on a moved clock: a plan due just after the 2026 National
Day holiday, everyone bound to a chat, and what the outbox holds
(tests/test_chasing.py, test_digest.py)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from bot.core import Core
from bot.demo import joint_plan, load_county
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import invite_person, redeem, reissue_invite
from tests.support.helpers import prepare, run_draw

TZ = ZoneInfo("Asia/Shanghai")
PLAN = "国庆前后联合抽查"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)


async def county(core: Core, tmp_path: Path) -> dict[str, Any]:
    """Six targets, a joint plan due Friday 9 October 2026, drawn on Friday 18 September;
    everyone bound to a Telegram chat; one office person."""
    await load_county(core, tmp_path / "county", 12, 4, plans=[joint_plan(
        PLAN, "SC-001、WS-001", "WSJKJ", ("2026-09-15", "2026-09-18", "2026-10-09"), "50%")])
    with sqlite3.connect(core.settings.db_path) as conn:
        people = [r[0] for r in conn.execute("SELECT id FROM people")]
    for person_id in people:
        issued = await reissue_invite(core, SYSTEM, person_id)
        await redeem(core, issued.code, TgUser(70000 + person_id, 70000 + person_id, None,
                                               "x", "en"))
    office = await invite_person(core, SYSTEM, "王芳", None, [Role.OFFICE])
    await redeem(core, office.code, TgUser(69999, 69999, None, "王芳", "zh-hans"))
    with time_machine.travel(local(2026, 9, 18, 9, 0), tick=False):
        await prepare(core, SYSTEM, PLAN, "test")
        ran = await run_draw(core, SYSTEM, PLAN, "1")
    return ran.record


def outbox(core: Core, like: str) -> list[tuple[str, int]]:
    with sqlite3.connect(core.settings.db_path) as conn:
        return conn.execute("SELECT dedupe_key, person_id FROM outbox WHERE dedupe_key LIKE ?"
                            " ORDER BY id", (like,)).fetchall()
