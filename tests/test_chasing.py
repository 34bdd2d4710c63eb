"""The scheduler's chase with the clock moved (time-machine): across a weekend, the 2026
National Day holiday (1–7 October, with Sunday 20 September and Saturday 10 October
working days), and a year the calendar package does not know."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from bot.core import Core
from bot.rules.chase import LISTED
from bot.rules.workdays import Calendar
from bot.services import chasing, replacements, tasks
from bot.services.access import SYSTEM
from handlers import register
from storage import Database
from tests.support.chasing import PLAN, county, local, outbox
from tests.support.helpers import prepare, run_draw


def reminded(core: Core, group: str, day: str) -> dict[int, list[str]]:
    """Who was reminded of what in one group's message of a day: person → subject:step."""
    with sqlite3.connect(core.settings.db_path) as conn:
        rows = conn.execute("SELECT person_id, reason FROM reminders WHERE kind = ? AND"
                            " day = ?", (group, day)).fetchall()
    return {p: [f"{i['subject']}:{i['step']}" for i in json.loads(r)["items"]]
            for p, r in rows}


def about(found: dict[int, list[str]], item: str) -> set[int]:
    return {p for p, items in found.items() if item in items}


async def chase_at(core: Core, moment: datetime) -> int:
    with time_machine.travel(moment, tick=False):
        return await chasing.chase(core, chasing_now())


def chasing_now() -> datetime:
    from bot.clock import now
    return now()


def test_the_calendar_knows_national_day_2026_and_its_make_up_days() -> None:
    cal = Calendar()
    assert cal.is_workday(date(2026, 9, 20))  # Sunday, a make-up working day
    assert cal.is_workday(date(2026, 10, 10))  # Saturday, a make-up working day
    assert not any(cal.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert cal.add(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert cal.add(date(2026, 9, 18), 1) == date(2026, 9, 20)
    assert cal.between(date(2026, 9, 30), date(2026, 10, 12)) == 4  # 8, 9, 10, 12 October
    assert cal.add(date(2026, 11, 20), 20) == date(2026, 12, 18)
    assert not cal.known(2027) and cal.unknown_years([date(2027, 3, 1)]) == [2027]
    assert cal.add(date(2027, 1, 1), 1) == date(2027, 1, 4)  # weekends only are assumed
    loaded = Calendar({date(2027, 1, 1): False, date(2027, 1, 4): False}, frozenset({2027}))
    assert loaded.known(2027) and loaded.add(date(2026, 12, 31), 1) == date(2027, 1, 5)
    hours = cal.hours_between(local(2026, 9, 18, 17, 0), local(2026, 9, 20, 10, 0),
                              datetime.min.time().replace(hour=8, minute=30),
                              datetime.min.time().replace(hour=18))
    assert hours == 2.5  # Friday 17:00–18:00, Saturday off, Sunday (make-up) 08:30–10:00


async def test_acceptance_reminders_escalate_once_a_day_and_stop(core: Core,
                                                                 tmp_path: Path) -> None:
    record = await county(core, tmp_path)
    team = record["teams"][0]
    with sqlite3.connect(core.settings.db_path) as conn:
        task_id = conn.execute("SELECT id FROM tasks WHERE target_code = ?",
                               (team["target"],)).fetchone()[0]
        member_ids = [r[0] for r in conn.execute(
            "SELECT person_id FROM task_members WHERE task_id = ? ORDER BY position",
            (task_id,))]
    # Saturday 19 September is a day off: nothing, even in office hours.
    assert await chase_at(core, local(2026, 9, 19, 10, 0)) == 0
    # Sunday 20 September is a make-up working day, 1 working day after the draw; before
    # 08:30 nothing, at 09:00 each member is reminded, a second run the same day adds nothing.
    assert await chase_at(core, local(2026, 9, 20, 8, 0)) == 0
    sent = await chase_at(core, local(2026, 9, 20, 9, 0))
    mine = reminded(core, "accept", "2026-09-20")
    assert sorted(p for p, items in mine.items()
                  if f"task:{task_id}:{p}:remind" in items) == sorted(member_ids)
    assert sent >= len(member_ids)
    assert await chase_at(core, local(2026, 9, 20, 15, 0)) == 0
    assert await chase_at(core, local(2026, 9, 20, 18, 30)) == 0  # after office hours
    # Monday 21st: 2 working days: the leader and the member's supervisor are told too.
    await chase_at(core, local(2026, 9, 21, 9, 0))
    told = about(reminded(core, "accept", "2026-09-21"),
                 f"task:{task_id}:{member_ids[1]}:escalate")
    assert member_ids[0] in told  # the leader
    with sqlite3.connect(core.settings.db_path) as conn:
        supervisors = {r[0] for r in conn.execute(
            "SELECT person_id FROM person_roles WHERE role = 'supervisor' AND department_id ="
            " (SELECT department_id FROM task_members WHERE task_id = ? AND person_id = ?)",
            (task_id, member_ids[1]))}
    assert supervisors and supervisors <= told
    # The member accepts: their reminders stop; the leader's continue.
    person = await _person(core, member_ids[1])
    await tasks.accept(core, person, task_id)
    await chase_at(core, local(2026, 9, 22, 9, 0))
    that_day = reminded(core, "accept", "2026-09-22")
    assert not [i for items in that_day.values() for i in items
                if i.startswith(f"task:{task_id}:{member_ids[1]}:")]
    assert f"task:{task_id}:{member_ids[0]}:remind" in that_day[member_ids[0]]
    # A restart (a new process opens the database) sends nothing twice the same day.
    reopened = Core(core.settings, await Database(core.settings.db_path).open(), "choucha_bot")
    try:
        assert await chase_at(reopened, local(2026, 9, 22, 11, 0)) == 0
    finally:
        await reopened.db.close()


async def _person(core: Core, person_id: int) -> Any:
    async with core.db.read() as rtx:
        return await rtx.people.person(person_id)


async def test_window_reminders_across_national_day_and_overdue(core: Core,
                                                                 tmp_path: Path) -> None:
    record = await county(core, tmp_path)
    with sqlite3.connect(core.settings.db_path) as conn:
        task_ids = [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id")]
        conn.execute("UPDATE task_members SET accepted_at = '2026-09-18T02:00:00.000000Z'")
    task_id = task_ids[0]
    assert record["teams"]
    # Due Friday 9 October. Three working days before: Tuesday 29 September (30 Sep, 8 and
    # 9 Oct remain); one before: Thursday 8 October. The holiday sends nothing.
    for day, expected in ((28, []), (29, ["due-3"]), (30, [])):
        await chase_at(core, local(2026, 9, day, 9, 0))
        steps = {i.split(":")[2] for items in reminded(
            core, "window", f"2026-09-{day}").values() for i in items
            if i.startswith(f"task:{task_id}:")}
        assert sorted(steps) == expected, day
    for day in range(1, 8):
        assert await chase_at(core, local(2026, 10, day, 10, 0)) == 0, day
    await chase_at(core, local(2026, 10, 8, 9, 0))
    assert about(reminded(core, "window", "2026-10-08"), f"task:{task_id}:due-1")
    # Saturday 10 October is a working day and the window has passed: overdue, to the
    # leader, the supervisors and the office; Sunday 11th nothing; Monday 12th again.
    await chase_at(core, local(2026, 10, 10, 9, 0))
    overdue = about(reminded(core, "overdue", "2026-10-10"), f"task:{task_id}:overdue")
    with sqlite3.connect(core.settings.db_path) as conn:
        office = {r[0] for r in conn.execute(
            "SELECT person_id FROM person_roles WHERE role = 'office'")}
        leader = conn.execute("SELECT person_id FROM task_members WHERE task_id = ? AND leader"
                              " = 1", (task_id,)).fetchone()[0]
    assert office <= overdue and leader in overdue
    assert await chase_at(core, local(2026, 10, 11, 9, 0)) == 0
    await chase_at(core, local(2026, 10, 12, 9, 0))
    assert about(reminded(core, "overdue", "2026-10-12"), f"task:{task_id}:overdue")
    # Done: once the record is submitted the overdue reminders stop.
    with sqlite3.connect(core.settings.db_path) as conn:
        conn.execute("UPDATE tasks SET status = 'submitted', finished_at ="
                     " '2026-10-12T08:00:00.000000Z' WHERE id = ?", (task_id,))
    await chase_at(core, local(2026, 10, 13, 9, 0))
    assert not about(reminded(core, "overdue", "2026-10-13"), f"task:{task_id}:overdue")
    # Its publication is now due within 20 working days (by 9 November): the office is
    # told from 5 working days before, and it is late afterwards.
    await chase_at(core, local(2026, 11, 2, 9, 0))
    assert about(reminded(core, "publish", "2026-11-02"), f"task:{task_id}:soon")
    await chase_at(core, local(2026, 11, 10, 9, 0))
    assert about(reminded(core, "publish", "2026-11-10"), f"task:{task_id}:late")
    # Why: each reminder is kept with its reason for the person to read.
    reminders = await chasing.my_reminders(core, leader)
    assert reminders and reminders[0].reason["items"][0]["reason"]["rule"] in (
        "overdue", "due", "publish_late")


async def test_replacement_reminders_in_working_hours(core: Core, tmp_path: Path) -> None:
    record = await county(core, tmp_path)
    cert = record["teams"][0]["members"][1]["inspector"]
    with sqlite3.connect(core.settings.db_path) as conn:
        person_id, task_id = conn.execute(
            "SELECT m.person_id, m.task_id FROM task_members m JOIN inspectors i ON"
            " i.person_id = m.person_id WHERE i.cert_no = ?", (cert,)).fetchone()
    person = await _person(core, person_id)
    with time_machine.travel(local(2026, 9, 30, 16, 0), tick=False):
        await replacements.request(core, person, task_id, "health", None)
    # Wednesday 16:00 → 18:00 is 2 working hours; the holiday adds none; Thursday 8 Oct
    # 10:00 makes 3.5, 10:31 makes 4: the supervisors are reminded then, not before.
    assert outbox(core, "remind:approvals:%") == []
    await chase_at(core, local(2026, 10, 8, 10, 0))
    assert not [i for items in reminded(core, "approvals", "2026-10-08").values()
                for i in items if i.endswith(":remind")]
    await chase_at(core, local(2026, 10, 8, 10, 31))
    steps = {i.split(":")[2] for items in reminded(core, "approvals", "2026-10-08").values()
             for i in items}
    # After a working day undecided (it is 8 October, one working day after 30 September):
    # the office is told as well.
    assert steps == {"remind", "escalate"}


async def test_an_unknown_year_is_announced_once_a_day_and_can_be_loaded(
    core: Core, tmp_path: Path
) -> None:
    await county(core, tmp_path)
    await chase_at(core, local(2027, 1, 4, 9, 0))
    await chase_at(core, local(2027, 1, 4, 11, 0))
    warned = outbox(core, "calendar-unknown:2027:2027-01-04:%")
    assert len(warned) == 1
    year, days = await chasing.load_calendar(
        core, SYSTEM, "date,kind\n2027-01-01,休\n2027-02-06,班\n2027-02-11,休\n", "2027.csv",
        local(2027, 1, 4, 12, 0))
    assert (year, days) == (2027, 3)
    await chase_at(core, local(2027, 1, 5, 9, 0))
    assert outbox(core, "calendar-unknown:2027:2027-01-05:%") == []
    async with core.db.read() as rtx:
        cal = await chasing.calendar(rtx)
    assert cal.is_workday(date(2027, 2, 6)) and not cal.is_workday(date(2027, 2, 11))


@pytest.mark.journey
async def test_a_reminder_reaches_the_phone_and_says_why(tmp_path: Path) -> None:
    """Through the real bot and the emulator, the whole bot living on a moved clock (only
    ever moved forward, as real time goes): the member gets the reminder with its reason
    and a button to the task; /reminders lists it."""
    from bot.emulator import Emulator
    from bot.emulator.server import EmulatorServer
    from bot.tg.app import BotRunner
    from tests.conftest import SPEC, TOKEN, make_settings
    from tests.support.county import county_with_phones

    with time_machine.travel(local(2026, 6, 1, 9, 0), tick=True) as traveller:
        emulator = Emulator(spec_path=SPEC if SPEC.is_file() else None, token=TOKEN)
        server = await EmulatorServer(emulator).start()
        runner = BotRunner(make_settings(tmp_path, server), TOKEN, register)
        await runner.start(webhook=False, poll_timeout=1)
        try:
            users = await county_with_phones(runner, emulator, tmp_path, targets=6,
                                             plan=PLAN, items="SC-001、WS-001",
                                             joining="WSJKJ")
            await prepare(runner.core, SYSTEM, PLAN, "test")
            ran = await run_draw(runner.core, SYSTEM, PLAN, "1")
            member = users[ran.record["teams"][0]["members"][1]["inspector"]]
            await member.expect("spot-check task", timeout=30)
            # Wednesday 3 June, two working days later, in office hours.
            traveller.move_to(local(2026, 6, 3, 10, 0))
            assert await chasing.chase(runner.core, chasing_now())
            reminder = await member.expect("Please accept your task", timeout=15)
            assert "Why: you are on the team and have not accepted yet." in reminder["text"]
            await member.press("📋 Open the task", reminder)
            await member.expect("Items to check")
            await member.send("/reminders")
            listed = await member.expect("Your latest reminders")
            assert "Please accept your task" in listed["text"] and "Why:" in listed["text"]
            assert emulator.violations == []
        finally:
            await runner.stop()
            await server.stop()


async def test_many_tasks_make_one_message_per_person_and_group(core: Core,
                                                                 tmp_path: Path) -> None:
    """Every task overdue at once: the office gets one message counting them all (the first
    few listed, three buttons), not one message per task; so does each supervisor."""
    await county(core, tmp_path)
    with sqlite3.connect(core.settings.db_path) as conn:
        conn.execute("UPDATE task_members SET accepted_at = '2026-09-18T02:00:00.000000Z'")
        tasks_open = conn.execute("SELECT COUNT(*) FROM tasks").fetchone()[0]
        office = conn.execute("SELECT person_id FROM person_roles WHERE role = 'office'"
                              ).fetchone()[0]
    assert tasks_open > 3
    sent = await chase_at(core, local(2026, 10, 12, 9, 0))
    with sqlite3.connect(core.settings.db_path) as conn:
        rows = conn.execute("SELECT person_id, dedupe_key, payload FROM outbox WHERE"
                            " dedupe_key LIKE 'remind:%:2026-10-12:%'").fetchall()
    assert len(rows) == sent
    groups = [(p, key.split(":")[1]) for p, key, _ in rows]
    assert len(groups) == len(set(groups))  # at most one per person and group
    payload = next(json.loads(raw) for p, key, raw in rows
                   if p == office and key.startswith("remind:overdue:"))
    assert str(tasks_open) in payload["text"].split("\n")[0]
    assert payload["text"].count("\n• ") == min(tasks_open, LISTED)
    assert len(payload["reply_markup"]["inline_keyboard"]) == 3
    assert reminded(core, "overdue", "2026-10-12")[office]
    # The same day again: nothing more.
    assert await chase_at(core, local(2026, 10, 12, 15, 0)) == 0


async def test_the_office_is_reminded_of_the_years_plan_until_one_is_published(
        core: Core, tmp_path: Path) -> None:
    """The year's plan is published by 30 March (003 第十一条): the office is reminded from
    ten working days before, every working day once late, and no more once a plan of the
    year is published; nobody else is."""
    from bot.demo import load_county
    from bot.rules.models import Role
    from bot.services.accounts import TgUser
    from bot.services.onboarding import invite_person, redeem
    from tests.support.helpers import publish_plan

    await load_county(core, tmp_path / "county", 12, 4)
    office = await invite_person(core, SYSTEM, "王芳", None, [Role.OFFICE])
    await redeem(core, office.code, TgUser(69999, 69999, None, "王芳", "zh-hans"))
    assert await chase_at(core, local(2026, 3, 13, 9, 0)) == 0  # eleven working days left
    await chase_at(core, local(2026, 3, 18, 9, 0))
    assert reminded(core, "plan", "2026-03-18") == {office.person.id: ["plan:2026:soon"]}
    await chase_at(core, local(2026, 3, 31, 9, 0))
    assert reminded(core, "plan", "2026-03-31") == {office.person.id: ["plan:2026:late"]}
    with sqlite3.connect(core.settings.db_path) as conn:
        text = json.loads(conn.execute(
            "SELECT payload FROM outbox WHERE dedupe_key LIKE 'remind:plan:2026-03-31:%'"
        ).fetchone()[0])["text"]
    assert "2026年抽查计划尚未公布" in text and "/publish" in text, text
    with time_machine.travel(local(2026, 3, 31, 10, 0), tick=False):
        plans = probe_plans(core)
        await publish_plan(core, plans[0])
    assert await chase_at(core, local(2026, 4, 1, 9, 0)) == 0
    assert reminded(core, "plan", "2026-04-01") == {}


def probe_plans(core: Core) -> list[str]:
    with sqlite3.connect(core.settings.db_path) as conn:
        return [r[0] for r in conn.execute("SELECT name FROM plans ORDER BY id")]
