from bot.app import BotRunner
from bot.emulator import Emulator
from bot.services.onboarding import init_admin
from tests.conftest import person


async def test_admin_binds_with_init_link(bot: BotRunner, emulator: Emulator) -> None:
    issued = await init_admin(bot.core)
    assert issued is not None
    admin = person(emulator, "Admin", "en")
    await admin.open_link(issued.link)
    welcome = await admin.expect("Welcome")
    assert "administrator" in welcome["text"]
