"""A press Telegram no longer lets the bot answer (made while the bot was down, or just
before a crash) still does what it was for: answering the query is best effort
(bot/tg/tgbot.py), the person sees the result (issue 28)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.config import Settings
from bot.emulator import Emulator
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN
from tests.support.helpers import probe, registered_admin


async def test_a_press_made_while_the_bot_was_down_is_answered_after_the_start(
        settings: Settings, emulator: Emulator, tmp_path: Path) -> None:
    emulator.callback_ttl = 0.3  # Telegram's "query is too old" after that
    first = BotRunner(settings, TOKEN, register)
    await first.start(webhook=False, poll_timeout=1)
    try:
        admin = await registered_admin(first, emulator)
        await admin.send("/language")
        chooser = await admin.expect("Choose your language")
    finally:
        await first.stop()
    query = await admin.press("中文", chooser)  # nobody reads it until the bot is back
    await asyncio.sleep(0.5)
    second = BotRunner(settings, TOKEN, register)
    await second.start(webhook=False, poll_timeout=1)
    try:
        switched = await admin.expect("语言已切换为中文", timeout=20)
        # It says it was done late, in the language just chosen (bot/tg/late.py).
        assert switched["text"].startswith("⏱ 机器人重启后处理：\n语言已切换为中文")
        await admin.send("/help")  # the next reply is not late
        assert not (await admin.expect("/help"))["text"].startswith("⏱")
    finally:
        await second.stop()
    assert query not in emulator.callback_answers  # Telegram refused the late answer
    assert probe(settings, "SELECT language FROM telegram_accounts WHERE tg_user_id = ?",
                 admin.id) == [("zh_CN",)]
