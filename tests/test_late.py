"""The line a late update begins with (bot/tg/late.py): when, in which words, and only in
the task handling the update."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from telegram import Chat, Message, Update

from bot.i18n import translator
from bot.tg import late

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CHAT = Chat(5, "private")


def _update(date: datetime, edit_date: datetime | None = None, edited: bool = False
            ) -> Update:
    message = Message(1, date, CHAT, edit_date=edit_date, text="hi")
    return Update(1, edited_message=message) if edited else Update(1, message=message)


async def test_the_line_is_said_once_in_the_handling_task_and_nowhere_else() -> None:
    late.begin(_update(NOW), resumed=True, now=NOW)
    late.speaks(translator("en"))
    seen_elsewhere: list[str] = []

    async def woken() -> None:  # a task started by the handler (the outbox woken)
        seen_elsewhere.append(late.line(5, False))

    await asyncio.get_running_loop().create_task(woken())
    assert seen_elsewhere == [""]
    assert late.line(6, False) == ""  # another chat
    assert late.line(5, True) == "⏱ Done after a restart of the bot:\n"
    assert late.line(5, True) == ""  # once
    late.end()
    assert late.line(5, True) == ""


async def test_a_message_is_late_by_its_date_and_an_edit_by_its_edit_date() -> None:
    late.started()
    old = NOW - timedelta(minutes=5)
    late.begin(_update(NOW - timedelta(seconds=5)), resumed=False, now=NOW)
    late.speaks(translator("zh_CN"))
    assert late.line(5, False) == ""  # on time
    late.begin(_update(old, edit_date=NOW - timedelta(seconds=5), edited=True),
               resumed=False, now=NOW)
    late.speaks(translator("en"))
    assert late.line(5, False) == ""  # a typo fixed minutes later is not late
    late.begin(_update(old), resumed=False, now=NOW)
    late.speaks(translator("zh_CN"))
    assert late.line(5, False) == "⏱ 机器人重启后处理：\n"  # just started: after a restart
    late._started[0] = time.monotonic() - 3600  # running for an hour: the bot was busy
    late.begin(_update(old), resumed=False, now=NOW)
    late.speaks(translator("en"))
    assert late.line(5, False) == "⏱ Done late (the bot was busy):\n"
    late.end()
    late.started()
