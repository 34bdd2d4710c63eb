"""A redelivered update is handled once, in polling and in webhook mode."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path

import httpx
import pytest

from bot.config import Settings
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.server import EmulatorServer
from bot.services.onboarding import init_admin
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN, make_settings, person
from tests.support.web import free_port


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
        CHOUCHA_PUBLIC_URL=f"https://choucha.example.org:{port}",
    )
    runner = BotRunner(settings, TOKEN, register)
    await runner.start()
    try:
        assert emulator.webhook is not None
        assert emulator.webhook.secret_token == "s3cret-token"
        # The Mini App is served on the webhook's own listener (behind the TLS proxy).
        async with httpx.AsyncClient() as client:
            page = await client.get(f"http://127.0.0.1:{port}/app/sign?v=1")
            refused = await client.post(f"http://127.0.0.1:{port}/app/api/open",
                                        json={"initData": "x=1", "visit": 1})
        assert page.status_code == 200 and "tgWebAppData" in page.text
        assert refused.status_code == 403 and refused.json()["reason"] == "webapp_auth"
        hook = emulator.webhook.url
        assert hook.startswith(f"http://127.0.0.1:{port}/hook/")
        assert len(hook.rsplit("/", 1)[1]) == 32  # a segment derived from the secret
        # Telegram redelivers when it is unsure the first delivery arrived.
        admin = await register_then_redeliver(runner, emulator)
        await forged_posts_are_refused(hook, f"http://127.0.0.1:{port}/hook", admin, runner)
    finally:
        await runner.stop()


async def forged_posts_are_refused(hook: str, configured: str, admin: EmulatedUser,
                                   runner: BotRunner) -> None:
    """A made-up update claiming to be the administrator's /invite, without the secret, with
    a wrong one, or to the configured path: refused, and nothing happens."""
    update = {"update_id": 999999, "message": {
        "message_id": 99, "date": 0, "chat": {"id": admin.id, "type": "private"},
        "from": {"id": admin.id, "is_bot": False, "first_name": "x"},
        "text": "/invite", "entities": [{"type": "bot_command", "offset": 0, "length": 7}]}}
    async with httpx.AsyncClient() as client:
        for url, headers, status in (
                (hook, {}, 403),
                (hook, {"X-Telegram-Bot-Api-Secret-Token": "guess"}, 403),
                (hook, {"X-Telegram-Bot-Api-Secret-Token": "s3cret-token",
                        "Content-Type": "text/plain"}, 403),
                (configured, {}, 404)):
            forged = await client.post(url, json=update, headers=headers) \
                if "Content-Type" not in headers else await client.post(
                    url, content=json.dumps(update), headers=headers)
            assert forged.status_code == status, (url, headers, forged.status_code)
    await admin.quiet(0.5)
    with sqlite3.connect(runner.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM conversations").fetchone() == (0,)


async def test_webhook_without_a_configured_secret_makes_and_keeps_one(
        tmp_path: Path, server: EmulatorServer, emulator: Emulator) -> None:
    port = free_port()
    settings = make_settings(tmp_path, server,
                             CHOUCHA_WEBHOOK_URL=f"http://127.0.0.1:{port}/tg",
                             CHOUCHA_WEBHOOK_LISTEN=f"127.0.0.1:{port}")
    runner = BotRunner(settings, TOKEN, register)
    await runner.start()
    try:
        assert emulator.webhook is not None
        secret = emulator.webhook.secret_token
        assert secret is not None and len(secret) >= 40
        kept = settings.keys / "webhook-secret"
        assert kept.read_text().strip() == secret
        assert stat.S_IMODE(kept.stat().st_mode) == 0o600
        admin = await register_then_redeliver(runner, emulator)
        async with httpx.AsyncClient() as client:
            forged = await client.post(emulator.webhook.url, json={"update_id": 5})
        assert forged.status_code == 403
        await admin.quiet(0.3)
    finally:
        await runner.stop()
    # A restart keeps the same secret (and so the same path).
    again = BotRunner(settings, TOKEN, register)
    await again.start()
    try:
        assert emulator.webhook is not None and emulator.webhook.secret_token == secret
    finally:
        await again.stop()


async def test_polling_serves_the_mini_app_on_its_own_listener(
        tmp_path: Path, server: EmulatorServer) -> None:
    port = free_port()
    settings = make_settings(tmp_path, server, CHOUCHA_WEBHOOK_LISTEN=f"127.0.0.1:{port}",
                             CHOUCHA_PUBLIC_URL="https://choucha.example.org")
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        async with httpx.AsyncClient() as client:
            page = await client.get(f"http://127.0.0.1:{port}/app/sign?v=1")
        assert page.status_code == 200 and "tgWebAppData" in page.text
    finally:
        await runner.stop()
    with pytest.raises(httpx.ConnectError):  # stopped with the bot
        async with httpx.AsyncClient() as client:
            await client.get(f"http://127.0.0.1:{port}/app/sign?v=1")
