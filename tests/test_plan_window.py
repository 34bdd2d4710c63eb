"""A drawn plan's inspection window changed by importing the plans again: the tasks not
finished yet follow it (it does not decide the draw), the report says so, and every
member of their teams is told. Before, the report said "1 changed" and the tasks kept the
old window."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.demo import joint_plan
from bot.demo_data import _headers
from bot.emulator import Emulator
from bot.emulator.client import message_text
from bot.rules.workdays import Calendar
from bot.tg.app import BotRunner
from tests.support.absent import PLAN, drawn_team, register
from tests.support.helpers import probe, registered_admin


async def test_a_new_window_for_a_drawn_plan_moves_its_open_tasks(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path)
    member = await register(bot, emulator, str(members[0]["inspector"]), "member")
    await member.expect("You have been drawn for")
    today = bot.core.today()
    start, due = Calendar().add(today, 3).isoformat(), Calendar().add(today, 30).isoformat()
    path = tmp_path / "plans.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_headers("plans"))
        writer.writerow(joint_plan(PLAN, "SC-001、WS-001", "WSJKJ",
                                   (today.isoformat(), start, due), "20%"))
    await office.send_document(path.read_bytes(), "plans.csv", "text/csv")
    loaded = await office.expect("Loaded")
    assert "1 changed" in message_text(loaded) and f"is now {start} – {due}" in message_text(loaded)
    windows = probe(bot, "SELECT DISTINCT window_start, window_due FROM tasks")
    assert windows == [(start, due)]
    told = await member.expect("changed the inspection window", timeout=30)
    assert start in message_text(told) and due in message_text(told)
