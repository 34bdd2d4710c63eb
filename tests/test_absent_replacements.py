"""Replacing someone who is not there: the leader asks their supervisor from the visit's
warning, the supervisor asks on the member's behalf (未注册) and the replacement is drawn at
once; the office withdraws an inspector who left and has them replaced through the
supervisor's approval; both draws still verify."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.emulator import EmulatedUser, Emulator
from bot.services import draws
from bot.tg.app import BotRunner
from tests.helpers import probe, registered_admin
from tests.test_absent_member import drawn_team, register

PLAN = "缺席联合抽查"


async def supervisor_of(bot: BotRunner, emulator: Emulator, department: str) -> EmulatedUser:
    cert = probe(bot, "SELECT i.cert_no FROM person_roles r JOIN inspectors i ON i.person_id ="
                      " r.person_id JOIN departments d ON d.id = r.department_id"
                      " WHERE r.role = 'supervisor' AND d.code = ? ORDER BY i.cert_no",
                 department)[0][0]
    return await register(bot, emulator, str(cert), f"supervisor-{department}")


async def verify_draw(bot: BotRunner, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "published"
    await draws.export(bot.core, PLAN, out)
    assert draws.verify_dir(out) == []
    return dict(json.loads((out / "record.json").read_text(encoding="utf-8")))


async def test_supervisor_replaces_an_unregistered_member_on_their_behalf(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path, entropy="21")
    leader_cert = next(str(m["inspector"]) for m in members if m["leader"])
    absent = next(m for m in members if not m["leader"])
    absent_name = str(probe(bot, "SELECT p.name FROM inspectors i JOIN people p ON p.id ="
                                 " i.person_id WHERE i.cert_no = ?", absent["inspector"])[0][0])
    supervisor = await supervisor_of(bot, emulator, str(absent["department"]))
    leader = await register(bot, emulator, leader_cert, "leader")
    listing = await leader.expect("You have been drawn for")
    await leader.press(listing["reply_markup"]["inline_keyboard"][0][0]["text"], listing)
    await leader.press("▶️ Start the visit", await leader.expect("Items to check"))
    warning = await leader.expect("Before you start the visit")
    await leader.press(f"🔁 Ask to replace {absent_name}", warning)
    await leader.expect("whether to replace them")
    assert probe(bot, "SELECT COUNT(*) FROM visits") == [(0,)]

    asked = await supervisor.expect(f"reports that {absent_name} is not registered",
                                    timeout=30)
    await supervisor.press(f"🔁 Replace {absent_name}", asked)
    await supervisor.press("not registered in Choucha (未注册)",
                           await supervisor.expect("Why is this inspector to be replaced"))
    await supervisor.press("Send without a note", await supervisor.expect("Add a note"))
    done = await supervisor.expect("Approved.")
    newcomer = probe(bot, "SELECT p.name, a.tg_user_id FROM replacement_requests r JOIN people"
                          " p ON p.id = r.replacement LEFT JOIN telegram_accounts a ON"
                          " a.person_id = p.id")[0]
    assert str(newcomer[0]) in done["text"]
    # Truthful: the one drawn is not registered, cannot be told; the office invites them.
    assert newcomer[1] is None and "is not registered in Choucha" in done["text"]
    notice = await office.expect(f"{newcomer[0]} was drawn to replace", timeout=30)
    await office.press(f"📨 Invite {newcomer[0]}", notice)
    assert "Link:" in (await office.expect(predicate=lambda m: "photo" in m))["caption"]
    row = probe(bot, "SELECT r.reason, r.status, r.filed_by = r.decided_by, s.name"
                     " FROM replacement_requests r JOIN people s ON s.id = r.filed_by")
    assert row[0][:3] == ("unregistered", "approved", 1)
    record = await verify_draw(bot, tmp_path)
    replacements = record["replacements"]
    assert isinstance(replacements, list) and replacements[0]["out"] == absent["inspector"]
    assert replacements[0]["reason"] == "unregistered"


async def test_office_withdraws_an_inspector_who_left_and_has_them_replaced(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path, entropy="33")
    gone = next(m for m in members if not m["leader"])
    gone_name = str(probe(bot, "SELECT p.name FROM inspectors i JOIN people p ON p.id ="
                               " i.person_id WHERE i.cert_no = ?", gone["inspector"])[0][0])
    supervisor = await supervisor_of(bot, emulator, str(gone["department"]))

    await office.send("/withdraw")
    await office.expect("Which inspector is no longer available")
    await office.send(str(gone["inspector"]))
    found = await office.expect("Who is it?")
    await office.press(found["reply_markup"]["inline_keyboard"][0][0]["text"], found)
    await office.press("left the job (离职)", await office.expect("Why is this inspector"))
    dates = await office.expect("From which day?")
    today = bot.core.today().isoformat()
    await office.press(f"From today ({today})", dates)
    recorded = await office.expect("Recorded:")
    assert "appended to 1 draw records" in recorded["text"]
    assert probe(bot, "SELECT reason, from_date FROM withdrawals") == [("left", today)]
    await office.press(recorded["reply_markup"]["inline_keyboard"][0][0]["text"], recorded)
    await office.press("Send without a note", await office.expect("Add a note"))
    await office.expect(f"The request to replace {gone_name} was sent to")

    request = await supervisor.expect(f"asks for {gone_name} to be replaced", timeout=30)
    await supervisor.press("✅ Approve", request)
    await supervisor.expect("Approved.")
    drawn_in = probe(bot, "SELECT i.cert_no FROM replacement_requests r JOIN inspectors i"
                          " ON i.person_id = r.replacement")[0][0]
    assert drawn_in != gone["inspector"]
    record = await verify_draw(bot, tmp_path)
    assert record["withdrawals"] == [{"inspector": gone["inspector"], "from": today,
                                      "reason": "left", "before": 0}]
    # A second withdrawal of the same person changes nothing.
    await office.send("/withdraw")
    await office.expect("Which inspector")
    await office.send(str(gone["inspector"]))
    found = await office.expect("Who is it?")
    await office.press(found["reply_markup"]["inline_keyboard"][0][0]["text"], found)
    await office.press("other (其他)", await office.expect("Why is this inspector"))
    await office.press(f"From today ({today})", await office.expect("From which day?"))
    assert "already" in (await office.expect("unavailable already"))["text"]
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM withdrawals").fetchone() == (1,)


async def test_a_supervisor_replaces_from_the_task_card(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    members = await drawn_team(bot, tmp_path, entropy="45")
    member = next(m for m in members if not m["leader"])
    name = str(probe(bot, "SELECT p.name FROM inspectors i JOIN people p ON p.id ="
                          " i.person_id WHERE i.cert_no = ?", member["inspector"])[0][0])
    task_id = int(str(probe(bot, "SELECT task_id FROM task_members WHERE cert_no = ?",
                            member["inspector"])[0][0]))
    supervisor = await supervisor_of(bot, emulator, str(member["department"]))
    # The card, as a reminder's button opens it for a supervisor of a member's department.
    await supervisor.press_data(supervisor.bot_messages()[-1], f"v1:task:c:{task_id}")
    card = await supervisor.expect("Items to check")
    await supervisor.press("🔁 Replace a member", card)
    choice = await supervisor.expect("Whom is the replacement for?")
    labels = [b["text"] for row in choice["reply_markup"]["inline_keyboard"] for b in row]
    assert len(labels) == 1 and labels[0].startswith(name)  # only their own department's
    await supervisor.press(labels[0], choice)
    await supervisor.press("not at post (未在岗)", await supervisor.expect("Why is this"))
    await supervisor.send("在外地培训至月底")
    await supervisor.expect("Approved.")
    assert probe(bot, "SELECT reason, note, status FROM replacement_requests") == [
        ("absent", "在外地培训至月底", "approved")]
    await verify_draw(bot, tmp_path)
