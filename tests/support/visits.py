"""A visit's pieces as the journeys reach them: a team drawn from a county on the bot, a
task's card opened, a check-in, a photo, the record's PDF as text, and the hand-signing
bot (the fixture `signing`, offered to every test by tests/conftest.py) with a visit
brought to its signatures (tests/test_visits.py, test_handsign.py, test_form_logic.py,
test_catalogue.py, test_leavers.py and others)."""

from __future__ import annotations

import dataclasses
import io
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.config import Settings
from bot.emulator import EmulatedUser, Emulator
from bot.emulator.server import EmulatorServer
from bot.services.access import SYSTEM
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN
from tests.support.county import county_with_phones
from tests.support.helpers import prepare, probe, run_draw

PLAN = "两部门联合抽查"


def jpeg(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(out, format="JPEG")
    return out.getvalue()


async def drawn_team(runner: BotRunner, emulator: Emulator, tmp_path: Path, targets: int = 6,
                     busy_leader: bool = False, methods: str = ""
                     ) -> tuple[dict[str, Any], list[EmulatedUser], dict[str, EmulatedUser]]:
    """A joint SCJGJ + WSJKJ plan with items SC-001 and WS-001 (checked by `methods`, '' as
    the item list says: on site); the first team drawn (or the first whose leader is on
    another team too)."""
    users = await county_with_phones(runner, emulator, tmp_path, targets=targets, plan=PLAN,
                                     items="SC-001、WS-001", joining="WSJKJ", methods=methods)
    await prepare(runner.core, SYSTEM, PLAN, "上证指数收盘 2026-04-15")
    ran = await run_draw(runner.core, SYSTEM, PLAN, "7")
    teams = ran.record["teams"]
    team = teams[0]
    if busy_leader:
        team = next(t for t in teams if sum(
            1 for other in teams for m in other["members"]
            if m["inspector"] == t["members"][0]["inspector"]) > 1)
    members = [users[m["inspector"]] for m in team["members"]]
    assert team["members"][0]["leader"] and len(members) == 2
    return team, members, users


async def open_card(user: EmulatedUser, target_name: str,
                    listing: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task's card, from the list of tasks the person was sent (`listing`, when read
    already)."""
    listing = listing or await user.expect("spot-check task", timeout=30)
    button = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row
                  if target_name[:20] in b["text"])
    await user.press(button, listing)
    return await user.expect("Items to check")


async def check_in(user: EmulatedUser, card: dict[str, Any], verb: str = "Start",
                   latitude: float = 24.4, longitude: float = 98.5) -> dict[str, Any]:
    """Start (or continue) the visit from its task's `card` and check in with a location:
    the visit's home ("Items: …")."""
    await user.press(f"▶️ {verb} the visit", card)
    await user.expect("Check-in")
    await user.share_location(latitude, longitude)
    return await user.expect("Items:")


def target_name(settings: Settings, code: str) -> str:
    return str(probe(settings, "SELECT name FROM targets WHERE code = ?", code)[0][0])


def pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


@pytest.fixture
async def signing(settings: Settings, server: EmulatorServer) -> AsyncIterator[BotRunner]:
    """The bot with its Mini App served on the emulator's address (local mode's way)."""
    runner = BotRunner(dataclasses.replace(settings, public_url=server.url), TOKEN, register)
    server.app.add_handlers(r".*", runner.webapp_routes())
    await runner.start(webhook=False, poll_timeout=1, serve_webapp=False)
    yield runner
    await runner.stop()


async def at_signatures(runner: BotRunner, emulator: Emulator, tmp_path: Path
                        ) -> tuple[EmulatedUser, EmulatedUser, dict[str, Any], str]:
    """A visit whose results are in (the shortcut: no such activity) and which both members
    signed: the leader's signature screen, and the target's name."""
    team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path)
    name = target_name(runner.settings, team["target"])
    home = await check_in(leader, await open_card(leader, name))
    await leader.press("🏚 No such business activity", home)
    await leader.expect("Result for every item")
    await leader.send_photo(jpeg((90, 90, 90)))
    await leader.press("✅ Done", await leader.expect("Photo 1 saved"))
    for user in (member, leader):
        await user.press("✍️ Sign", await user.expect("Please sign the result summary",
                                                     timeout=60))
    status = await leader.expect("You signed.")
    return leader, member, status, name
