"""The one pacing rule (bot/rules/pacing.py) at real speed: what the bot sends to one
chat is a burst of at most 3, then about one a second; a strict server refuses nothing.
The other journeys run the same rule ten times faster (tests/conftest.py)."""

from __future__ import annotations

import itertools
from pathlib import Path

from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.rules import pacing
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN, make_settings
from tests.support.helpers import registered_admin


def test_the_rule_finds_a_fourth_message_within_a_second() -> None:
    ok = [(7, 0.0), (7, 0.01), (7, 0.02), (7, 1.2), (7, 2.3), (-5, 0.0)]
    assert pacing.breaches(ok) == []
    too_fast = [*ok, (7, 2.4)]
    assert [(b.chat_id, round(b.at, 1)) for b in pacing.breaches(too_fast)] == [(7, 2.4)]
    group = [(-5, i * 0.5) for i in range(21)]  # 21 in ten seconds
    assert len(pacing.breaches(group)) == 1


async def test_a_person_asking_quickly_is_answered_at_telegrams_pace(
        tmp_path: Path, server: EmulatorServer, emulator: Emulator) -> None:
    settings = make_settings(tmp_path, server, CHOUCHA_PACE_SECOND="1")
    assert emulator.pace_second == 1.0
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        admin = await registered_admin(runner, emulator)
        before = len(admin.bot_messages())
        for _ in range(6):
            await admin.send("/help")
        for _ in range(6):
            await admin.expect("/language", timeout=20)
    finally:
        await runner.stop()
    times = sorted(r.at for r in emulator.sent if r.chat_id == admin.id)[before:]
    assert len(times) == 6
    assert emulator.rate_limited == []
    assert pacing.breaches([(admin.id, t) for t in times]) == []
    # After the burst, about one a second (the bot keeps a margin over it).
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times[3:]))
