"""A fresh clone without ../shared: the emulator runs unchecked and the bot still works."""

from pathlib import Path

from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN, make_settings
from tests.support.helpers import registered_admin


async def test_emulator_works_without_the_reference(tmp_path: Path) -> None:
    emulator = Emulator(spec_path=tmp_path / "absent.json", token=TOKEN)
    assert emulator.spec is None
    server = await EmulatorServer(emulator).start()
    runner = BotRunner(make_settings(tmp_path, server), TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        admin = await registered_admin(runner, emulator)
        await admin.send("/language")
        await admin.expect("Choose your language")
        await admin.press("中文")
        await admin.expect("语言已切换为中文")
    finally:
        await runner.stop()
        await server.stop()
    assert emulator.violations == []
