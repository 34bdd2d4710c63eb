"""No token: the emulator, the bot and the web chat page together on loopback."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from bot.app import BotRunner
from bot.config import Settings
from bot.demo import load_demo
from bot.emulator.core import Emulator
from bot.emulator.server import EmulatorServer

logger = logging.getLogger(__name__)

LOCAL_TOKEN = "7000000001:LOCAL-emulator-token"


async def run_local(settings: Settings, stop: asyncio.Event) -> None:
    emulator = Emulator(spec_path=settings.bot_api_spec, token=LOCAL_TOKEN)
    server = await EmulatorServer(emulator, settings.local_host, settings.local_port).start()
    local = dataclasses.replace(settings, api_root=server.url, webhook_url=None)
    runner = BotRunner(local, LOCAL_TOKEN)
    await runner.start(webhook=False, poll_timeout=10)
    try:
        await load_demo(runner.core, emulator)
        print(f"Choucha is running in local mode (no Telegram token).\n"
              f"Open {server.url}/ in a browser, pick a person and chat with the bot.\n"
              f"Database: {settings.db_path}. Stop with Ctrl+C.", flush=True)
        await stop.wait()
    finally:
        await runner.stop()
        await server.stop()
