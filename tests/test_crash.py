"""Killing the bot between enqueue and send neither loses nor duplicates the message."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from pathlib import Path

from bench.bench_intake import start_bot, stop_bot
from bot.buttons.tasks import TaskCard
from bot.clock import now as clock_now
from bot.config import load_settings
from bot.core import Core
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.core import ApiError
from bot.emulator.server import EmulatorServer
from bot.rules.models import Role
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import invite_person, redeem
from storage import Database
from tests.conftest import SPEC, TOKEN, person
from tests.support.buttons import press_first
from tests.support.helpers import bound, eventually, prepare


async def test_kill_between_enqueue_and_send(tmp_path: Path, server: EmulatorServer,
                                             emulator: Emulator) -> None:
    env = _env(tmp_path, server)
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


def _env(tmp_path: Path, server: EmulatorServer) -> dict[str, str]:
    """`choucha run` in a process of its own, against the test's emulator."""
    return {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": server.url,
            "CHOUCHA_DB": str(tmp_path / "c.sqlite3"), "CHOUCHA_OUTBOX_INTERVAL": "0.2",
            "CHOUCHA_BOT_API_SPEC": str(SPEC)}


def _outbox(path: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(path) as conn:
        return [(r[0], r[1]) for r in conn.execute(
            "SELECT status, attempts FROM outbox WHERE dedupe_key LIKE 'joined:%'")]


async def test_kill_between_receiving_a_press_and_answering_it(
        tmp_path: Path, server: EmulatorServer, emulator: Emulator) -> None:
    """刘洋 taps a task in the list; the bot has taken the press in (it is in the inbox and
    Telegram was told) and is killed with SIGKILL before it answers. After the restart the
    card arrives, once, saying it was done after a restart (issue 28)."""
    from bot.demo import load_demo
    from bot.demo_data import DAY_ONE_PLAN
    from tests.support.helpers import run_draw

    env = _env(tmp_path, server)
    settings = load_settings(env)
    async with Database(settings.db_path) as db:
        core = Core(settings, db, emulator.username)
        await load_demo(core, emulator)
        plan = DAY_ONE_PLAN.format(year=core.today().year)
        await prepare(core, SYSTEM, plan, "中国福利彩票3D")
        await run_draw(core, SYSTEM, plan, "271")
    emulator.callback_ttl = 5.0  # Telegram's "query is too old" for the late answer
    liu = EmulatedUser(emulator, emulator.users[100004])
    log = tmp_path / "bot.log"
    bot = start_bot(env, log)
    try:
        await liu.send("/tasks")
        listing = await liu.expect("您被抽中参加", timeout=20)
        await liu.quiet(1.5)  # the drawn-task notices have gone out
        arrived = emulator.hold("answerCallbackQuery")
        await press_first(liu, listing, TaskCard)
        await asyncio.wait_for(arrived.wait(), 20)
        assert _inbox(settings.db_path) == 1  # received, kept, not yet done
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        emulator.release("answerCallbackQuery")
        assert not [m for m in liu.bot_messages() if "检查事项" in m.get("text", "")]
        await asyncio.sleep(5.5)  # the press is now too old to answer

        bot = start_bot(env, log)
        card = await liu.expect("检查事项", timeout=30)
        assert card["text"].startswith("⏱ 机器人重启后处理：")
        await liu.quiet(1.5)
        assert sum("检查事项" in m.get("text", "") for m in liu.bot_messages()) == 1
        assert _inbox(settings.db_path) == 0
        # The killed bot's answer reached Telegram after all (released above), so the new
        # one's was refused: the one double answer a crash can make, and nobody sees it.
        assert len(emulator.answered_twice) <= 1
        emulator.answered_twice.clear()
    finally:
        stop_bot(bot)


def _inbox(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])


async def test_a_message_in_flight_at_a_kill_is_the_only_one_sent_again(
        tmp_path: Path, server: EmulatorServer, emulator: Emulator) -> None:
    """Telegram takes a queued message and the bot is killed before it reads the answer:
    that message, marked before the call, comes again after the restart, the same; the
    other queued messages come once each (issue 28)."""
    env = _env(tmp_path, server)
    settings = load_settings(env)
    people = [person(emulator, f"P{i}", "en") for i in range(4)]
    async with Database(settings.db_path) as db:
        core = Core(settings, db, emulator.username)
        for user in people:
            office = await bound(core, user, [Role.OFFICE])
            async with db.transaction(record_update=False) as tx:
                await tx.outbox.enqueue(f"n:{user.id}", user.id, "sendMessage",
                                        {"text": f"Notice for {office.name}"},
                                        now=clock_now())
    arrived = emulator.hold("sendMessage", done=True)
    log = tmp_path / "bot.log"
    bot = start_bot(env, log)
    try:
        await asyncio.wait_for(arrived.wait(), 20)
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        emulator.release("sendMessage")
        first = next(u for u in people if u.bot_messages())
        with sqlite3.connect(settings.db_path) as conn:
            doubt = conn.execute("SELECT dedupe_key FROM outbox WHERE status = 'pending'"
                                 " AND sending_at IS NOT NULL").fetchall()
        assert doubt == [(f"n:{first.id}",)]  # marked before the call: the only one
        bot = start_bot(env, log)
        for user in people:
            await user.expect("Notice for", timeout=20)
        await eventually(lambda: _statuses(settings.db_path) == {"sent"}, timeout=20)
        await first.quiet(1.0)
        got = {u.id: [m["text"] for m in u.bot_messages()] for u in people}
        assert got[first.id] == [f"Notice for {first.user.first_name}"] * 2  # the same
        assert all(len(texts) == 1 for uid, texts in got.items() if uid != first.id)
        assert "sent again" in log.read_text(errors="replace")
    finally:
        stop_bot(bot)


def _statuses(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT status FROM outbox")}
