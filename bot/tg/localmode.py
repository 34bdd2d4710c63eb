"""No token: the emulator, the bot and the web chat page together on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import secrets
from pathlib import Path

from bot.config import Settings
from bot.demo import load_demo
from bot.emulator.core import Emulator
from bot.emulator.server import EmulatorServer
from bot.tg.app import BotRunner
from bot.tg.context import Register

logger = logging.getLogger(__name__)

def local_token() -> str:
    """The bot token between the bot and its emulator, new at every start: the Mini App's
    launch data is signed with it, so it must not be a constant anyone can read."""
    return f"7000000001:LOCAL-{secrets.token_urlsafe(24)}"


SAVE_EVERY = 1.0  # seconds between saves of the chat history, when something changed


async def _keep_saving(emulator: Emulator, folder: Path) -> None:
    """Save the chats whenever they changed, so that a restart (even a kill) finds the web
    page's history where it was."""
    saved = -1
    while True:
        if emulator.version != saved:
            saved = emulator.version
            try:
                emulator.save_state(folder)
            except OSError as exc:
                logger.warning("could not save the local chat history: %s", exc)
        await asyncio.sleep(SAVE_EVERY)


async def run_local(settings: Settings, stop: asyncio.Event, register: Register) -> None:
    token = local_token()
    emulator = Emulator(spec_path=settings.bot_api_spec, token=token)
    history = settings.data_dir / "local-chat"
    if emulator.load_state(history):
        logger.info("local chat history restored from %s", history)
    server = await EmulatorServer(emulator, settings.local_host, settings.local_port).start()
    # The Mini App is served beside the chat page, which opens it as Telegram would.
    local = dataclasses.replace(settings, api_root=server.url, webhook_url=None,
                                public_url=server.url)
    runner = BotRunner(local, token, register)
    server.app.add_handlers(r".*", runner.webapp_routes(loopback_only=True))
    await runner.start(webhook=False, poll_timeout=10, serve_webapp=False)
    saver: asyncio.Task[None] | None = None
    try:
        async with runner.core.db.read() as rtx:
            emulator.continue_update_ids(await rtx.updates.last_id())
        await load_demo(runner.core, emulator)
        saver = asyncio.create_task(_keep_saving(emulator, history))
        print(f"Choucha is running in local mode (no Telegram token).\n"
              f"Open {server.url}/ in a browser, pick a person and chat with the bot.\n"
              f"The public site (lists, plans, draws, results): {server.url}/public/\n"
              f"Database: {settings.db_path}. Stop with Ctrl+C.", flush=True)
        await stop.wait()
    finally:
        if saver is not None:
            saver.cancel()
        await runner.stop()
        with contextlib.suppress(OSError):
            emulator.save_state(history)
        await server.stop()
