"""The outbox from the outside: someone registered to send to, a text queued for them,
the status of what was queued (tests/test_outbox.py, test_fit.py)."""

from __future__ import annotations

import sqlite3

from bot.clock import now
from bot.emulator import EmulatedUser, Emulator
from bot.rules.models import Person, Role
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.notify import enqueue_text
from bot.services.onboarding import invite_person, redeem
from bot.tg.app import BotRunner
from tests.conftest import person


async def registered(bot: BotRunner, emulator: Emulator, name: str,
                     roles: list[Role] | None = None) -> tuple[Person, EmulatedUser]:
    user = person(emulator, name)
    issued = await invite_person(bot.core, SYSTEM, name, None, roles or [Role.OFFICE])
    result = await redeem(bot.core, issued.code, TgUser(user.id, user.id, None, name, "zh-hans"))
    assert result.person is not None
    return result.person, user


async def queue(bot: BotRunner, who: Person, key: str, text: str) -> bool:
    async with bot.core.db.transaction() as tx:
        return await enqueue_text(tx, who, key, lambda t: text, now())


def status_of(bot: BotRunner, key: str) -> str:
    with sqlite3.connect(bot.settings.db_path) as conn:
        return str(conn.execute("SELECT status FROM outbox WHERE dedupe_key = ?",
                                (key,)).fetchone()[0])
