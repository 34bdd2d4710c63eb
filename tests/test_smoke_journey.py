from pathlib import Path

from bot.app import BotRunner
from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.services.onboarding import init_admin
from tests.conftest import TOKEN, make_settings, person


async def test_admin_binds_with_init_link(bot: BotRunner, emulator: Emulator) -> None:
    issued = await init_admin(bot.core)
    assert issued is not None
    admin = person(emulator, "Admin", "en")
    await admin.open_link(issued.link)
    welcome = await admin.expect("Welcome")
    assert "administrator" in welcome["text"]


async def test_emulator_works_without_the_reference(tmp_path: Path) -> None:
    """A fresh clone without ../shared: the emulator runs unchecked and the bot still works."""
    emulator = Emulator(spec_path=tmp_path / "absent.json", token=TOKEN)
    assert emulator.spec is None
    server = await EmulatorServer(emulator).start()
    runner = BotRunner(make_settings(tmp_path, server), TOKEN)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        issued = await init_admin(runner.core)
        assert issued is not None
        admin = person(emulator, "Admin", "en")
        await admin.open_link(issued.link)
        await admin.expect("Welcome")
        await admin.send("/language")
        await admin.expect("Choose your language")
        await admin.press("中文")
        await admin.expect("语言已切换为中文")
    finally:
        await runner.stop()
        await server.stop()
    assert emulator.violations == []
