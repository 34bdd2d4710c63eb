"""A team drawn from a county where nobody is on Telegram yet, and its members registered
one by one: for the absent-member journeys (tests/test_absent_member.py,
test_absent_replacements.py, test_checkin_flags.py, test_plan_window.py,
test_bad_input.py)."""

from __future__ import annotations

from pathlib import Path

from bot.demo import joint_plan, load_county
from bot.emulator import EmulatedUser, Emulator
from bot.services.access import SYSTEM
from bot.services.onboarding import reissue_invite
from bot.tg.app import BotRunner
from tests.conftest import person
from tests.support.helpers import prepare, probe, run_draw

PLAN = "缺席联合抽查"


async def drawn_team(bot: BotRunner, tmp_path: Path,
                     entropy: str = "9") -> list[dict[str, object]]:
    today = bot.core.today().isoformat()
    await load_county(bot.core, tmp_path / "county", 6, 4, checklists=False, all_active=True,
                      plans=[joint_plan(PLAN, "SC-001、WS-001", "WSJKJ",
                                        (today, today, "2099-12-31"), "20%")])
    await prepare(bot.core, SYSTEM, PLAN, "test")
    ran = await run_draw(bot.core, SYSTEM, PLAN, entropy)
    return list(ran.record["teams"][0]["members"])


async def register(bot: BotRunner, emulator: Emulator, cert: str,
                   name: str) -> EmulatedUser:
    person_id = probe(bot, "SELECT person_id FROM inspectors WHERE cert_no = ?", cert)[0][0]
    issued = await reissue_invite(bot.core, SYSTEM, int(str(person_id)))
    user = person(emulator, name, "en")
    await user.open_link(issued.link)
    await user.expect("Welcome")
    return user


def name_of(bot: BotRunner, cert: object) -> str:
    """The name of the inspector holding that 执法证号."""
    return str(probe(bot, "SELECT p.name FROM inspectors i JOIN people p ON p.id ="
                          " i.person_id WHERE i.cert_no = ?", cert)[0][0])
