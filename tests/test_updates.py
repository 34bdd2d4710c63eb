"""A redelivered update is handled once, in polling and in webhook mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx

from bot.app import BotRunner
from bot.config import Settings
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.server import EmulatorServer
from bot.services.onboarding import init_admin
from tests.conftest import TOKEN, make_settings, person


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def register_then_redeliver(runner: BotRunner, emulator: Emulator) -> EmulatedUser:
    """The admin registers; Telegram delivers that /start again; the admin asks for /help."""
    issued = await init_admin(runner.core)
    assert issued is not None
    admin = person(emulator, "Admin", "en")
    sent = await admin.open_link(issued.link)
    await admin.expect("Welcome")
    update_id = next(uid for uid, u in emulator.history.items()
                     if u.get("message", {}).get("message_id") == sent["message_id"])
    await emulator.redeliver(update_id)
    await admin.send("/help")
    await admin.expect("/invite")
    assert emulator.deliveries[update_id] == 2
    # One welcome and one help: the redelivered /start changed and answered nothing.
    texts = [m.get("text", "") for m in admin.bot_messages()]
    assert len(texts) == 2 and "Welcome" in texts[0] and "/invite" in texts[1], texts
    return admin


async def test_redelivered_update_is_handled_once(bot: BotRunner, emulator: Emulator) -> None:
    await register_then_redeliver(bot, emulator)
    with sqlite3.connect(bot.settings.db_path) as conn:
        bound = conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'account.bound'")
        assert bound.fetchone()[0] == 1


async def test_webhook_mode_with_secret(tmp_path: Path, server: EmulatorServer,
                                        emulator: Emulator) -> None:
    port = free_port()
    settings: Settings = make_settings(
        tmp_path, server,
        CHOUCHA_WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
        CHOUCHA_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
        CHOUCHA_WEBHOOK_SECRET="s3cret-token",
    )
    runner = BotRunner(settings, TOKEN)
    await runner.start()
    try:
        assert emulator.webhook is not None
        assert emulator.webhook.secret_token == "s3cret-token"
        # Telegram redelivers when it is unsure the first delivery arrived.
        admin = await register_then_redeliver(runner, emulator)
        # A request without the secret is refused and changes nothing.
        async with httpx.AsyncClient() as client:
            forged = await client.post(
                f"http://127.0.0.1:{port}/hook",
                json={"update_id": 999999, "message": {
                    "message_id": 99, "date": 0, "chat": {"id": admin.id, "type": "private"},
                    "from": {"id": admin.id, "is_bot": False, "first_name": "x"},
                    "text": "/help"}})
        assert forged.status_code == 403
        await admin.quiet(0.5)
    finally:
        await runner.stop()
