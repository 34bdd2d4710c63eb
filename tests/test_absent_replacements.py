"""Replacing someone who is not there: the leader asks their supervisor from the visit's
warning, the supervisor asks on the member's behalf (未注册) and the replacement is drawn at
once; the office withdraws an inspector who left and has them replaced through the
supervisor's approval; both draws still verify."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.buttons.replacements import ReplacementForReason
from bot.buttons.withdrawals import WithdrawPerson
from bot.emulator import EmulatedUser, Emulator
from bot.services import draws
from bot.tg.app import BotRunner
from tests.support.absent import drawn_team, name_of, register
from tests.support.buttons import press_first, press_kind
from tests.support.helpers import first_task_card, probe, registered_admin

PLAN = "缺席联合抽查"


def supervisor_in(bot: BotRunner, department: str) -> tuple[str, str]:
    """The 执法证号 and name of the first supervisor of `department`."""
    cert, name = probe(bot, "SELECT i.cert_no, p.name FROM person_roles r JOIN inspectors i"
                            " ON i.person_id = r.person_id JOIN people p ON p.id = r.person_id"
                            " JOIN departments d ON d.id = r.department_id"
                            " WHERE r.role = 'supervisor' AND d.code = ? ORDER BY i.cert_no",
                       department)[0]
    return str(cert), str(name)


async def supervisor_of(bot: BotRunner, emulator: Emulator, department: str) -> EmulatedUser:
    return await register(bot, emulator, supervisor_in(bot, department)[0],
                          f"supervisor-{department}")


async def ask_to_be_replaced(requester: EmulatedUser, note: str) -> None:
    """From the drawn member's task card: 🔁 Replacement, for health, with a note."""
    await requester.press("🔁 Replacement", await first_task_card(requester))
    await requester.press("health (健康状况)",
                          await requester.expect("Why can you not do this inspection?"))
    await requester.send(note)


async def register_spare(bot: BotRunner, emulator: Emulator, members: list[dict[str, object]],
                         department: str) -> EmulatedUser:
    """Register an inspector of `department` who is neither on the team nor a supervisor:
    someone a replacement can reach."""
    team = {str(m["inspector"]) for m in members}
    spare = next(str(c) for (c,) in probe(
        bot, "SELECT i.cert_no FROM inspectors i JOIN people p ON p.id = i.person_id"
             " JOIN departments d ON d.id = p.department_id LEFT JOIN person_roles r ON"
             " r.person_id = p.id AND r.role = 'supervisor' WHERE d.code = ? AND r.role IS"
             " NULL ORDER BY i.cert_no", department) if str(c) not in team)
    return await register(bot, emulator, spare, "spare")


async def verify_draw(bot: BotRunner, tmp_path: Path) -> dict[str, object]:
    out = tmp_path / "published"
    await draws.export(bot.core, PLAN, out)
    assert draws.verify_dir(out) == []
    return dict(json.loads((out / "record.json").read_text(encoding="utf-8")))


async def test_supervisor_replaces_an_unregistered_member_on_their_behalf(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path, entropy="21")
    leader_cert = next(str(m["inspector"]) for m in members if m["leader"])
    absent = next(m for m in members if not m["leader"])
    absent_name = name_of(bot, absent["inspector"])
    supervisor = await supervisor_of(bot, emulator, str(absent["department"]))
    # One more inspector of the absent member's department is registered; the others not.
    await register_spare(bot, emulator, members, str(absent["department"]))
    leader = await register(bot, emulator, leader_cert, "leader")
    await leader.press("▶️ Start the visit", await first_task_card(leader))
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
    newcomer = probe(bot, "SELECT p.name, a.tg_user_id, i.cert_no FROM replacement_requests r"
                          " JOIN people p ON p.id = r.replacement"
                          " JOIN inspectors i ON i.person_id = p.id"
                          " LEFT JOIN telegram_accounts a ON a.person_id = p.id")[0]
    assert str(newcomer[0]) in done["text"]
    # Nobody is drawn who cannot act: the one drawn is registered (here the only other
    # registered inspector of the department), and the reply says who was told.
    assert newcomer[1] is not None
    assert f"Told in Choucha: {newcomer[0]}" in done["text"]
    assert absent_name in done["text"].split("Not told")[1]  # the one replaced: unregistered
    row = probe(bot, "SELECT r.reason, r.status, r.filed_by = r.decided_by, s.name"
                     " FROM replacement_requests r JOIN people s ON s.id = r.filed_by")
    assert row[0][:3] == ("unregistered", "approved", 1)
    record = await verify_draw(bot, tmp_path)
    replacements = record["replacements"]
    assert isinstance(replacements, list) and replacements[0]["out"] == absent["inspector"]
    assert replacements[0]["reason"] == "unregistered"
    # The unreachable inspectors the draw landed on are listed, so that the draw replays; a
    # record claiming the one drawn was passed over does not verify.
    skipped = replacements[0].get("skipped", [])  # whom the draw landed on first, if any
    assert newcomer[2] not in skipped
    for cert in skipped:
        assert probe(bot, "SELECT COUNT(*) FROM telegram_accounts a JOIN inspectors i ON"
                          " i.person_id = a.person_id WHERE i.cert_no = ?", cert) == [(0,)]
    out = tmp_path / "published"
    forged = json.loads((out / "record.json").read_text(encoding="utf-8"))
    forged["replacements"][0]["skipped"] = [*skipped, newcomer[2]]
    (out / "record.json").write_text(json.dumps(forged, ensure_ascii=False) + "\n",
                                     encoding="utf-8")
    problems = draws.verify_dir(out)
    assert any("replacements[0]" in line for line in problems), problems


async def test_office_withdraws_an_inspector_who_left_and_has_them_replaced(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path, entropy="33")
    gone = next(m for m in members if not m["leader"])
    gone_name = name_of(bot, gone["inspector"])
    supervisor = await supervisor_of(bot, emulator, str(gone["department"]))
    await register_spare(bot, emulator, members, str(gone["department"]))

    today = bot.core.today().isoformat()
    for answer in ("✖️ Cancel", "✅ Record"):
        await office.send("/withdraw")
        await office.expect("Which inspector is no longer available")
        await office.send(str(gone["inspector"]))
        found = await office.expect("Who is it?")
        await press_kind(office, found, WithdrawPerson)
        await office.press("left the job (离职)", await office.expect("Why is this inspector"))
        dates = await office.expect("From which day?")
        await office.press(f"From today ({today})", dates)
        sure = await office.expect("is unavailable from")
        if answer == "✖️ Cancel":  # thought better of it: nothing is recorded
            await office.press(answer, sure)
            await office.expect_edit(sure, "Nothing was recorded")
            assert probe(bot, "SELECT COUNT(*) FROM withdrawals") == [(0,)]
    # The summary before a step that cannot be taken back; nothing is written yet.
    assert "cannot be taken back" in sure["text"] and "appended to 1 draw record" in sure["text"]
    # The draw's seed holds a secret nonce: how many of its tasks fell to them varies.
    waiting = probe(bot, "SELECT COUNT(*) FROM task_members m JOIN live_tasks k ON k.id ="
                         " m.task_id JOIN inspectors i ON i.person_id = m.person_id WHERE"
                         " i.cert_no = ? AND m.active = 1 AND k.status = 'assigned'",
                    gone["inspector"])[0][0]
    assert waiting >= 1 and f"on {waiting} task" in sure["text"]
    assert probe(bot, "SELECT COUNT(*) FROM withdrawals") == [(0,)]
    await office.send("2099-01-01")  # a typed date now: the buttons are what is asked for
    await office.expect("Tap ✅ Record")
    await office.press("✅ Record", sure)
    recorded = await office.expect("Recorded:")
    assert "appended to 1 draw records" in recorded["text"]
    assert probe(bot, "SELECT reason, from_date FROM withdrawals") == [("left", today)]
    await press_first(office, recorded, ReplacementForReason)  # the first task they are on
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
    await press_kind(office, found, WithdrawPerson)
    await office.press("other (其他)", await office.expect("Why is this inspector"))
    await office.press(f"From today ({today})", await office.expect("From which day?"))
    assert "already" in (await office.expect("unavailable already"))["text"]
    with sqlite3.connect(bot.settings.db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM withdrawals").fetchone() == (1,)


async def test_a_supervisor_replaces_from_the_task_card(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path, entropy="45")
    member = next(m for m in members if not m["leader"])
    name = name_of(bot, member["inspector"])
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
    # Nobody else of the department is registered: nobody who could act is drawn; the
    # approval stands and the office is told what to do.
    await supervisor.expect("nobody of the department who can be reached")
    assert probe(bot, "SELECT status FROM replacement_requests") == [("open",)]
    told = await office.expect("but nobody who can be reached in Choucha can be drawn",
                               timeout=30)
    await register_spare(bot, emulator, members, str(member["department"]))
    await office.press("✅ Approve", told)
    await office.expect("Approved.")
    assert probe(bot, "SELECT reason, note, status FROM replacement_requests") == [
        ("absent", "在外地培训至月底", "approved")]
    await verify_draw(bot, tmp_path)


async def test_a_request_whose_supervisor_is_not_registered_goes_to_the_office_then_to_them(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path, entropy="57")
    leaving = next(m for m in members if not m["leader"])
    requester = await register(bot, emulator, str(leaving["inspector"]), "member")
    await register_spare(bot, emulator, members, str(leaving["department"]))
    supervisor_cert, supervisor_name = supervisor_in(bot, str(leaving["department"]))
    await ask_to_be_replaced(requester, "发烧住院")
    # Told the truth: who may approve it cannot be reached; the office has it.
    filed = await requester.expect("Your request is filed.")
    assert f"{supervisor_name}, who may approve it, cannot be reached" in filed["text"]
    assert "went to the office" in filed["text"]
    told = await office.expect("Nobody who may approve it can be reached in Choucha",
                               timeout=30)
    assert "发烧住院" in told["text"]
    await office.press(f"📨 Invite {supervisor_name}", told)
    assert "Link:" in (await office.expect(predicate=lambda m: "photo" in m))["caption"]
    # Once the supervisor registers, the request reaches them, and they decide it.
    supervisor = await register(bot, emulator, str(supervisor_cert), "supervisor")
    ask = await supervisor.expect("asks to be replaced", timeout=30)
    await supervisor.press("✅ Approve", ask)
    done = await supervisor.expect("Approved.")
    assert "Told in Choucha" in done["text"]
    assert probe(bot, "SELECT status FROM replacement_requests") == [("approved",)]
    await verify_draw(bot, tmp_path)


async def test_a_request_waits_for_a_supervisor_who_blocked_the_bot_and_reaches_them_back(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    office = await registered_admin(bot, emulator)
    members = await drawn_team(bot, tmp_path, entropy="58")
    leaving = next(m for m in members if not m["leader"])
    requester = await register(bot, emulator, str(leaving["inspector"]), "member")
    await register_spare(bot, emulator, members, str(leaving["department"]))
    supervisor_cert, supervisor_name = supervisor_in(bot, str(leaving["department"]))
    supervisor = await register(bot, emulator, str(supervisor_cert), "supervisor")
    await supervisor.block_bot()
    # What the outbox records when Telegram answers 403 "bot was blocked by the user".
    with sqlite3.connect(bot.settings.db_path) as conn:
        conn.execute("UPDATE telegram_accounts SET blocked_at = '2026-01-01T00:00:00.000000Z'"
                     " WHERE tg_user_id = ?", (supervisor.id,))
    await ask_to_be_replaced(requester, "发烧住院")
    filed = await requester.expect("Your request is filed.")
    assert f"{supervisor_name}, who may approve it, cannot be reached" in filed["text"]
    told = await office.expect("Nobody who may approve it can be reached in Choucha",
                               timeout=30)
    # They are registered: an invite would not help them, so none is offered.
    assert "ask them to open the bot again" in told["text"]
    assert not told.get("reply_markup")
    # They write to the bot again: the request that waited for them reaches them.
    await supervisor.send("/start")
    ask = await supervisor.expect("asks to be replaced", timeout=30)
    await supervisor.press("✅ Approve", ask)
    await supervisor.expect("Approved.")
    assert probe(bot, "SELECT status FROM replacement_requests") == [("approved",)]
