"""Durable intake: kept before confirmed, handled once, chats side by side, floods bounded."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from pathlib import Path

import pytest

import bot.tg.intake as intake_module
from bench.bench_intake import soak, start_bot, stop_bot
from bot.config import Settings
from bot.emulator import Emulator
from bot.emulator.core import ApiError
from bot.emulator.server import EmulatorServer
from bot.tg.app import BotRunner
from bot.tg.intake import InboxSeal, inbox_seal
from handlers import register
from storage import Database
from tests.conftest import SPEC, TOKEN, person
from tests.support.helpers import choucha, eventually, registered_admin


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


async def test_an_update_kept_but_not_handled_is_handled_after_a_crash(
        settings: Settings, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    """Kept in the inbox, confirmed to Telegram, then the bot dies before handling it: the
    next start handles it from the inbox, once (Telegram never sends it again)."""
    first = BotRunner(settings, TOKEN, register)
    await first.start(webhook=False, poll_timeout=1)
    never = asyncio.Event()

    async def stuck(update: object) -> None:
        await never.wait()  # the process "dies" while handling

    monkeypatch.setattr(first.intake, "handle", stuck)
    stranger = person(emulator, "路人", "en")
    sent = await stranger.send("/help")
    await eventually(lambda: _rows(settings.db_path, "SELECT COUNT(*) FROM inbox") == [(1,)])
    # Telegram was told: the next getUpdates asked for a later offset.
    await eventually(lambda: not emulator.updates)
    await first.stop()  # cancels the stuck handling: nothing was recorded
    assert _rows(settings.db_path, "SELECT COUNT(*) FROM processed_updates") == [(0,)]
    assert not stranger.bot_messages()

    second = BotRunner(settings, TOKEN, register)
    await second.start(webhook=False, poll_timeout=1)
    try:
        await stranger.expect("/start")
        await stranger.quiet(0.5)
        assert len(stranger.bot_messages()) == 1
        update_id = next(uid for uid, u in emulator.history.items()
                         if u.get("message", {}).get("message_id") == sent["message_id"])
        assert emulator.deliveries[update_id] == 1
        assert _rows(settings.db_path, "SELECT COUNT(*) FROM inbox") == [(0,)]
        assert _rows(settings.db_path, "SELECT update_id FROM processed_updates") == [
            (update_id,)]
    finally:
        await second.stop()


async def test_the_inbox_holds_no_readable_text(settings: Settings, emulator: Emulator,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        never = asyncio.Event()

        async def stuck(update: object) -> None:
            await never.wait()

        monkeypatch.setattr(runner.intake, "handle", stuck)
        await person(emulator, "路人", "en").send("my phone is 13912345678")
        await eventually(lambda: _rows(settings.db_path, "SELECT COUNT(*) FROM inbox") == [(1,)])
        payload = _rows(settings.db_path, "SELECT payload FROM inbox")[0][0]
        assert isinstance(payload, bytes) and b"13912345678" not in payload
        assert b"13912345678" not in settings.db_path.read_bytes()
    finally:
        await runner.stop()


async def test_a_busy_chat_does_not_hold_up_another(bot: BotRunner,
                                                    emulator: Emulator) -> None:
    """One stranger sends 40 /help; their answers are paced (a second each after a burst);
    an inspector's /help meanwhile is answered at once."""
    flooder = person(emulator, "刷屏", "en")
    for _ in range(40):
        await flooder.send("/help")
    await eventually(lambda: len(flooder.bot_messages()) >= 5, timeout=10)
    other = person(emulator, "王五", "en")
    started = time.monotonic()
    await other.send("/help")
    await other.expect("/start", timeout=5)
    waited = time.monotonic() - started
    assert waited < 1.5, waited
    assert len(flooder.bot_messages()) < 40  # the flood is still being answered


async def test_a_flood_beyond_the_backlog_is_not_handled_and_the_sender_told(
        bot: BotRunner, emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intake_module, "CHAT_BACKLOG", 5)
    flooder = person(emulator, "刷屏", "en")
    for i in range(25):
        await flooder.send(f"spam {i}")
    await flooder.expect("faster than Choucha can answer", timeout=10)
    await eventually(lambda: _rows(bot.settings.db_path,
                                   "SELECT COUNT(*) FROM processed_updates") == [(25,)],
                     timeout=30)
    assert _rows(bot.settings.db_path, "SELECT COUNT(*) FROM inbox") == [(0,)]
    notices = [m for m in flooder.bot_messages() if "faster than" in m.get("text", "")]
    assert len(notices) == 1
    # Far fewer answers than messages: the excess was shed, not queued for ever.
    assert len(flooder.bot_messages()) < 20


async def test_an_update_that_keeps_crashing_the_bot_is_given_up(
        settings: Settings, emulator: Emulator) -> None:
    """An update whose handling was cut short again and again (it kills the bot) is set
    aside, audited, and its sender told; an unreadable one too; the rest go on."""
    user = person(emulator, "路人", "en")
    update = {"update_id": 41, "message": {
        "message_id": 7, "date": int(time.time()), "chat": {"id": user.id, "type": "private"},
        "from": {"id": user.id, "is_bot": False, "first_name": "路人", "language_code": "en"},
        "text": "/help", "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
    later = {**update, "update_id": 42, "message": {**update["message"], "message_id": 8}}
    seal = inbox_seal(settings)
    async with Database(settings.db_path) as db, db.transaction(record_update=False) as tx:
        await tx.conn.execute(
            "INSERT INTO inbox (update_id, chat_key, payload, received_at, attempts)"
            " VALUES (41, ?, ?, '2026-01-01T00:00:00.000000Z', ?)",
            (user.id, seal.seal(json.dumps(update).encode()), intake_module.MAX_ATTEMPTS))
        await tx.conn.execute(
            "INSERT INTO inbox (update_id, chat_key, payload, received_at)"
            " VALUES (43, 5, ?, '2026-01-01T00:00:00.000000Z')",
            (InboxSeal(b"k" * 64).seal(b"{}"),))
        await tx.conn.execute(
            "INSERT INTO inbox (update_id, chat_key, payload, received_at)"
            " VALUES (42, ?, ?, '2026-01-01T00:00:00.000000Z')",
            (user.id, seal.seal(json.dumps(later).encode())))
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        await eventually(lambda: sorted(
            "set aside" in m.get("text", "") for m in user.bot_messages()) == [False, True])
        # Update 42 (the same chat, after the one given up) was answered: /help.
        assert any("/start" in m.get("text", "") for m in user.bot_messages())
        assert _rows(settings.db_path, "SELECT COUNT(*) FROM inbox") == [(0,)]
        audited = _rows(settings.db_path, "SELECT subject, payload FROM audit_log"
                                          " WHERE action = 'update.given_up' ORDER BY subject")
        assert [(t, json.loads(str(p))["reason"]) for t, p in audited] == [
            ("update:41", "crashed"), ("update:43", "unreadable")]
    finally:
        await runner.stop()


async def test_an_error_after_the_change_was_saved_says_so(bot: BotRunner,
                                                           emulator: Emulator) -> None:
    admin = await registered_admin(bot, emulator)
    await admin.send("/language")
    keyboard = await admin.expect("Choose your language")
    # The change commits, then Telegram refuses the answer: the person is told it was saved.
    emulator.inject_error(ApiError(400, "Bad Request: message is too long"), times=1,
                          chat_id=admin.id)
    await admin.press("中文", keyboard)
    await admin.expect("saved, but the answer could not be shown")
    assert _rows(bot.settings.db_path,
                 "SELECT COUNT(*) FROM audit_log WHERE action = 'person.language'") == [(1,)]


async def test_kill_9_during_many_presses_loses_and_repeats_nothing(tmp_path: Path) -> None:
    """Four people press a button 12 times each while the bot is killed (SIGKILL) three
    times at random moments: every press is applied exactly once (the benchmark's soak,
    smaller)."""
    result = await soak(tmp_path, kills=3, people=4, presses=12, spec=SPEC, seed=13)
    assert (result.lost, result.twice, result.refused_requests) == (0, 0, 0)


async def test_start_waits_for_an_unreachable_telegram_and_stops_cleanly(
        tmp_path: Path) -> None:
    """Telegram unreachable at start: the bot keeps trying (saying so in its log, without the
    token), and a stop meanwhile ends it without a traceback."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{port}",
           "CHOUCHA_DB": str(tmp_path / "c.sqlite3"), "CHOUCHA_BOT_API_SPEC": str(SPEC)}
    log = tmp_path / "bot.log"
    proc = start_bot(env, log)
    try:
        await eventually(lambda: "trying again" in log.read_text(errors="replace"), timeout=20)
        assert stop_bot(proc) == 0  # SIGTERM ends the wait cleanly
    finally:
        if proc.poll() is None:
            proc.kill()
    text = log.read_text(errors="replace")
    assert "Traceback" not in text and TOKEN not in text


async def test_a_refused_token_is_a_sentence(tmp_path: Path, server: EmulatorServer) -> None:
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": "123:not-the-emulator-token",
           "TELEGRAM_API_BASE_URL": server.url, "CHOUCHA_LANG": "en",
           "CHOUCHA_DB": str(tmp_path / "c.sqlite3"), "CHOUCHA_BOT_API_SPEC": str(SPEC)}
    code, out, err = await choucha(env, "run")
    assert code == 2
    assert "Telegram refused the bot token" in err
    assert "Traceback" not in err + out
