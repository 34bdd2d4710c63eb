"""A check-in at an implausible place (0,0, outside China, far from the county) is kept
and flagged: on the visit's screen, in the record's content and in the office's digest."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.emulator import Emulator
from bot.i18n import translator
from bot.rules import visit as rules
from bot.rules.records import CheckinFlag, FlagKind
from bot.services import digest
from bot.services.access import SYSTEM
from bot.texts import digest as words
from bot.texts.labels import flag_text
from bot.tg.app import BotRunner
from tests.support.absent import drawn_team, register
from tests.support.helpers import first_task_card

MANGSHI = (24.43, 98.58, 60.0)


def test_the_flags() -> None:
    assert rules.checkin_flag(0.0, 0.0, None) == CheckinFlag(FlagKind.ZERO)
    assert rules.checkin_flag(48.85, 2.35, None) == CheckinFlag(FlagKind.OUTSIDE_CHINA)
    assert rules.checkin_flag(24.45, 98.60, MANGSHI) is None
    flag = rules.checkin_flag(25.04, 102.71, MANGSHI)  # Kunming, ~400 km away
    assert flag is not None and flag.kind is FlagKind.FAR and 350 < (flag.km or 0) < 450
    assert flag.code == f"far:{flag.km}" and CheckinFlag.from_db(flag.code) == flag
    assert CheckinFlag.from_db("zero").code == "zero"
    assert rules.checkin_flag(25.04, 102.71, None) is None  # no area configured
    assert "km" in flag_text(flag, translator("en"))


async def test_a_zero_check_in_is_kept_and_flagged(bot: BotRunner, emulator: Emulator,
                                                   tmp_path: Path) -> None:
    members = await drawn_team(bot, tmp_path)
    leader = await register(bot, emulator, next(str(m["inspector"]) for m in members
                                                if m["leader"]), "leader")
    await leader.press("▶️ Start the visit", await first_task_card(leader))
    await leader.press("▶️ Start anyway", await leader.expect("Before you start the visit"))
    await leader.expect("Check-in")
    await leader.share_location(0.0, 0.0)
    home = await leader.expect("Items:")
    assert "⚠️ location 0,0" in home["text"]
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT latitude, flag FROM visit_checkins").fetchall() == [
            (0.0, "zero")]
    found = await digest.collect(bot.core, SYSTEM, bot.core.today() + timedelta(days=1))
    assert [r.flag.code for r in found.flagged_checkins] == ["zero"]
    assert "implausible place yesterday: 1" in words.digest_text(translator("en"), found)
