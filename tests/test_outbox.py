"""The outbox: queued in the change's transaction, sent once, within the limits."""

from __future__ import annotations

import asyncio
import itertools
import sqlite3

import pytest

from bot.emulator import Emulator
from bot.emulator.core import ApiError
from bot.rules.models import Role
from bot.tg.app import BotRunner
from tests.support.helpers import eventually
from tests.support.outbox import queue, registered, status_of

# Texts of the test's own through the transport, not screens of the bot.
RAW_SCREENS = pytest.mark.raw_screens


@RAW_SCREENS
async def test_same_dedupe_key_is_sent_once(bot: BotRunner, emulator: Emulator) -> None:
    office, user = await registered(bot, emulator, "Office")
    assert await queue(bot, office, "k1", "只发一次")
    assert not await queue(bot, office, "k1", "只发一次")
    await user.expect("只发一次")
    await user.quiet(1.0)
    await eventually(lambda: status_of(bot, "k1") == "sent")


@RAW_SCREENS
async def test_a_broadcast_stays_within_the_limits(bot: BotRunner, emulator: Emulator) -> None:
    people = [await registered(bot, emulator, f"P{i}") for i in range(70)]
    for who, _ in people:
        await queue(bot, who, f"b:{who.id}", f"通知 {who.name}")
    for who, user in people:
        await user.expect(f"通知 {who.name}", timeout=20)
    assert emulator.rate_limited == []
    times = sorted(r.at / emulator.pace_second for r in emulator.sent
                   if r.message.get("text", "").startswith("通知"))
    assert len(times) == 70
    # No one-second window (of the pacing rule, tests/conftest.py) holds more than 30.
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 30


@RAW_SCREENS
async def test_one_chat_is_paced_one_a_second(bot: BotRunner, emulator: Emulator) -> None:
    office, user = await registered(bot, emulator, "Office")
    for i in range(4):
        await queue(bot, office, f"p{i}", f"第{i}条")
    for i in range(4):
        await user.expect(f"第{i}条", timeout=10)  # in order
    times = [r.at / emulator.pace_second for r in emulator.sent
             if r.message.get("text", "").startswith("第")]
    assert all(b - a >= 0.95 for a, b in itertools.pairwise(times)), times


@RAW_SCREENS
async def test_flood_wait_is_honoured(bot: BotRunner, emulator: Emulator) -> None:
    office, user = await registered(bot, emulator, "Office")
    emulator.inject_error(ApiError(429, "Too Many Requests: retry after 2", 2), times=3)
    started = asyncio.get_running_loop().time()
    await queue(bot, office, "flood", "稍后送达")
    await user.expect("稍后送达", timeout=15)
    assert asyncio.get_running_loop().time() - started >= 1.9
    assert len([m for m in user.bot_messages() if m.get("text") == "稍后送达"]) == 1
    await eventually(lambda: status_of(bot, "flood") == "sent")


@RAW_SCREENS
async def test_blocked_person_is_marked_and_office_told(bot: BotRunner,
                                                        emulator: Emulator) -> None:
    _, office_user = await registered(bot, emulator, "办公室")
    inspector, user = await registered(bot, emulator, "张三", [Role.ADMIN])
    await user.block_bot()
    await queue(bot, inspector, "to-blocked", "您有新任务")
    told = await office_user.expect("屏蔽")
    assert "张三" in told["text"]
    await eventually(lambda: status_of(bot, "to-blocked") == "blocked")
    with sqlite3.connect(bot.settings.db_path) as conn:
        blocked_at = conn.execute("SELECT blocked_at FROM telegram_accounts WHERE tg_user_id = ?",
                                  (user.id,)).fetchone()[0]
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_log")]
    assert blocked_at is not None and "account.blocked_bot" in actions
    # Writing to the bot again unblocks; what waited is delivered.
    await user.send("/help")
    await user.expect("您有新任务", timeout=10)
    await eventually(lambda: status_of(bot, "to-blocked") == "sent")


def test_one_governor_counts_direct_replies_and_the_outbox_together() -> None:
    from bot.rules.pacing import PRIVATE_BURST as CHAT_BURST
    from bot.tg.sender import WINDOW, Governor

    clock = [100.0]
    governor = Governor(clock=lambda: clock[0])
    # Just after a start there is no burst: what the chat had before is not known.
    assert governor._chat_wait(6, "private") == 0.0
    governor.sent(6, "private")
    assert governor._chat_wait(6, "private") > 0.9
    clock[0] += 5.0
    # A person's own quick back-and-forth: a burst, then one a second.
    for _ in range(CHAT_BURST):
        assert governor._chat_wait(7, "private") == 0.0
        governor.sent(7, "private")
    assert governor._chat_wait(7, "private") > 0.9
    # The outbox never bursts: one a second after whatever that chat got last.
    assert governor.chat_ready(8, "private")
    governor.sent(8, "private")
    assert not governor.chat_ready(8, "private")
    clock[0] += 1.0
    assert not governor.chat_ready(8, "private")  # with the margin: 1.1 s
    clock[0] += 0.11
    assert governor.chat_ready(8, "private")
    # Overall: the replies count, so the outbox waits once the window is full.
    governor.sent(8, "private")
    for chat in range(100, 100 + 30 - 2 - 1):
        governor.sent(chat, "private")
    assert governor.wait_overall() > 0.0
    clock[0] += WINDOW + 0.01
    assert governor.wait_overall() == 0.0
    # Replies go first: queued messages stop short of the limit, replies may use it all.
    for chat in range(200, 200 + 30 - 2):
        governor.sent(chat, "private")
    assert governor.wait_overall(bulk=True) > 0.0 and governor.wait_overall(bulk=False) == 0.0
    clock[0] += WINDOW
    # While a reply waits for a slot, queued messages step back entirely.
    governor.replies_waiting = 1
    assert governor.wait_overall(bulk=True) > 0.0 and governor.wait_overall(bulk=False) == 0.0
    governor.replies_waiting = 0
    # A 429 pauses everything.
    governor.pause(5)
    assert governor.wait_overall() == 5.0


async def test_an_error_on_the_plain_text_retry_is_handled_as_such(
        bot: BotRunner, emulator: Emulator) -> None:
    """Telegram refuses the HTML (400), then the plain-text try meets a block (403): the
    person is marked as having blocked the bot, not the message dropped as refused."""
    office, user = await registered(bot, emulator, "Office")
    await user.quiet(1.0)  # whatever the registration sent has gone
    emulator.inject_error(ApiError(400, "Bad Request: can't parse entities"), chat_id=user.id)
    emulator.inject_error(ApiError(403, "Forbidden: bot was blocked by the user"),
                          chat_id=user.id)
    await queue(bot, office, "refused-then-blocked", "<b>稍后</b>送达")
    await eventually(lambda: status_of(bot, "refused-then-blocked") == "blocked")
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT blocked_at IS NOT NULL FROM telegram_accounts"
                            " WHERE tg_user_id = ?", (user.id,)).fetchone() == (1,)


def test_a_message_is_counted_when_it_has_arrived() -> None:
    """A slow upload, then a short text: the text waits from when the upload was done, so
    the two never reach Telegram closer together than the pace (bot/tg/sender.py)."""
    from bot.tg.sender import Governor

    clock = [0.0]
    governor = Governor(clock=lambda: clock[0])
    clock[0] = 10.0
    for _ in range(3):
        governor.sent(9, "private")
    clock[0] = 10.5  # the third (an upload) took half a second on the wire
    governor.arrived(9, "private")
    clock[0] = 11.5
    assert governor._chat_wait(9, "private") > 0.0  # 1.1 s after 10.5, not after 10.0
    clock[0] = 11.61
    assert governor._chat_wait(9, "private") == 0.0
