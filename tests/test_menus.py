"""Each person's command menu is set at start only where it changed, and a flood wait is
waited out rather than skipped (bot/tg/menus.py, issue 28)."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from bot.config import Settings
from bot.core import Core
from bot.emulator import Emulator
from bot.emulator.core import ApiError
from bot.rules.models import Role
from bot.tg.app import BotRunner
from handlers import register
from storage import Database
from tests.conftest import TOKEN, person
from tests.support.helpers import bound, eventually


def _chat_menus(emulator: Emulator) -> list[int]:
    return [p["scope"]["chat_id"] for m, p in emulator.requests
            if m == "setMyCommands" and p.get("scope", {}).get("type") == "chat"]


async def _start_and_settle(settings: Settings, emulator: Emulator,
                            users: list[Any]) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        await eventually(lambda: all(u.commands() for u in users), timeout=20)
        await asyncio.sleep(1.5)  # the start's menus job has run (1 s after the start)
    finally:
        await runner.stop()


async def test_menus_are_set_where_they_changed_and_a_flood_wait_is_waited_out(
        settings: Settings, emulator: Emulator) -> None:
    users = [person(emulator, f"Office {i}", "en") for i in range(5)]
    async with Database(settings.db_path) as db:
        core = Core(settings, db, emulator.username)
        for user in users:
            await bound(core, user, [Role.OFFICE])
        emulator.requests.clear()
    # Telegram answers one person's menu with flood waits: they are waited out (for that
    # request only), then it is set; another's is refused, and the rest go on.
    emulator.inject_error(ApiError(429, "Too Many Requests: retry after 1", 1), times=2,
                          method="setMyCommands", chat_id=users[0].id)
    emulator.inject_error(ApiError(400, "Bad Request: chat not found"),
                          method="setMyCommands", chat_id=users[1].id)
    await _start_and_settle(settings, emulator, [users[0], *users[2:]])
    assert sorted(_chat_menus(emulator)) == sorted([users[0].id] * 2 + [u.id for u in users])

    emulator.requests.clear()  # the next start sets the one refused, and only that one
    await _start_and_settle(settings, emulator, users)
    assert _chat_menus(emulator) == [users[1].id]
    assert all("/people" in " ".join(f"/{c}" for c in u.commands()) for u in users)

    emulator.requests.clear()  # nothing changed: a restart sets no menu
    await _start_and_settle(settings, emulator, users)
    assert _chat_menus(emulator) == []

    with sqlite3.connect(settings.db_path) as conn:  # one person's roles change
        conn.execute("DELETE FROM person_roles WHERE person_id = (SELECT person_id FROM"
                     " telegram_accounts WHERE tg_user_id = ?)", (users[0].id,))
    emulator.requests.clear()
    await _start_and_settle(settings, emulator, users[1:])
    assert _chat_menus(emulator) == [users[0].id]
