"""A demo county whose inspectors all use the bot, each on a phone of the emulator
(tests/test_tasks.py, test_chasing.py, and the visits' teams in support/visits.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.demo import joint_plan, load_county
from bot.emulator import EmulatedUser, Emulator
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import redeem, reissue_invite
from bot.tg.app import BotRunner
from tests.conftest import person

PLAN = "五部门联合抽查"


async def county_with_phones(bot: BotRunner, emulator: Emulator, tmp_path: Path,
                             targets: int = 200, plan: str = PLAN, items: str = "WS-001",
                             joining: str = "WSJKJ、STHJJ、YJGLJ、SWJ", methods: str = ""
                             ) -> dict[str, EmulatedUser]:
    """A county whose 40 inspectors (8 in each of five departments) all use the bot;
    `methods`: the plan's 检查方式 ('' as the item list says)."""
    await load_county(bot.core, tmp_path / "county", targets, 8, all_active=True, plans=[
        joint_plan(plan, items, joining, ("2026-04-15", "2026-04-20", "2026-06-30"),
                   methods=methods)])
    users: dict[str, EmulatedUser] = {}
    with sqlite3.connect(bot.settings.db_path) as conn:
        people = conn.execute("SELECT p.id, i.cert_no FROM people p JOIN inspectors i"
                              " ON i.person_id = p.id WHERE p.active = 1").fetchall()
    for person_id, cert in people:
        user = person(emulator, f"insp-{cert}", user_id=900000 + person_id)
        issued = await reissue_invite(bot.core, SYSTEM, person_id)
        await redeem(bot.core, issued.code, TgUser(user.id, user.id, None, cert, "en"))
        users[cert] = user
    return users
