"""Killing the bot between enqueue and send neither loses nor duplicates the message."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

from bench.bench_intake import start_bot, stop_bot
from bot.config import load_settings
from bot.core import Core
from bot.emulator import Emulator
from bot.emulator.core import ApiError
from bot.emulator.server import EmulatorServer
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import invite_person, redeem
from storage import Database
from tests.conftest import SPEC, TOKEN, person
from tests.helpers import eventually


async def test_kill_between_enqueue_and_send(tmp_path: Path, server: EmulatorServer,
                                             emulator: Emulator) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
           "CHOUCHA_DB": str(tmp_path / "c.sqlite3"), "CHOUCHA_OUTBOX_INTERVAL": "0.2",
           "CHOUCHA_BOT_API_SPEC": str(SPEC)}
    settings = load_settings(env)
    admin = person(emulator, "Admin", "en")
    async with Database(settings.db_path) as db:
        core = Core(settings, db, emulator.username)
        first = await invite_person(core, SYSTEM, "Admin", None, [Role.ADMIN, Role.OFFICE])
        bound = await redeem(core, first.code, TgUser(admin.id, admin.id, None, "Admin", "en"))
        # The admin invites 张伟; when 张伟 joins, the admin is told through the outbox.
        issued = await invite_person(core, bound.person, "张伟", None, [Role.OFFICE])

    # Telegram answers the admin's notification with flood waits: it stays in the outbox.
    emulator.inject_error(ApiError(429, "Too Many Requests: retry after 30", 30), times=5,
                          chat_id=admin.id)
    log = tmp_path / "bot.log"
    bot = start_bot(env, log)
    try:
        inspector = person(emulator, "张伟")
        await asyncio.sleep(0.5)
        await inspector.open_link(issued.link)
        await inspector.expect("欢迎", timeout=20)
        await eventually(lambda: any(m == "sendMessage" and p.get("chat_id") == admin.id
                                     for m, p in emulator.requests), timeout=20)
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        assert _outbox(settings.db_path) == [("pending", 0)]
        assert not any("has joined" in m.get("text", "") for m in admin.bot_messages())

        emulator.clear_injected()
        bot = start_bot(env, log)
        await admin.expect("has joined", timeout=20)
        await eventually(lambda: _outbox(settings.db_path)[0][0] == "sent", timeout=10)
        await admin.quiet(1.5)
        assert sum("has joined" in m.get("text", "") for m in admin.bot_messages()) == 1
    finally:
        stop_bot(bot)
    assert TOKEN not in log.read_text(errors="replace")


def _outbox(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return [(r[0], r[1]) for r in conn.execute(
            "SELECT status, attempts FROM outbox WHERE dedupe_key LIKE 'joined:%'")]
