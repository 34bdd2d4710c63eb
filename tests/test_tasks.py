"""After a draw: one message per inspector, the task card, Accept, the pre-check."""

from __future__ import annotations

import asyncio
import csv
import json
import sqlite3
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.buttons.replacements import ReplacementApprove
from bot.demo_data import generate
from bot.emulator import EmulatedUser, Emulator
from bot.services import draws, replacements
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.errors import Refused
from bot.services.imports import import_file
from bot.services.onboarding import redeem, reissue_invite
from bot.tg.app import BotRunner
from tests.conftest import person
from tests.support.buttons import button
from tests.support.county import PLAN, county_with_phones
from tests.support.helpers import eventually, prepare, probe, run_draw


async def test_a_draw_notifies_each_inspector_once_within_limits(
    bot: BotRunner, emulator: Emulator, tmp_path: Path
) -> None:
    users = await county_with_phones(bot, emulator, tmp_path)
    assert len(users) == 40
    await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘 2026-04-15")
    ran = await run_draw(bot.core, SYSTEM, PLAN, "372")
    assert ran.tasks == 200
    drawn = {m["inspector"] for team in ran.record["teams"] for m in team["members"]}
    for cert in drawn:
        message = await users[cert].expect("spot-check task", timeout=30)
        assert "Open each task to accept it." in message["text"]
    for user in users.values():
        listings = [m for m in user.bot_messages() if "spot-check task" in m.get("text", "")]
        assert len(listings) == (1 if user in [users[c] for c in drawn] else 0)
    assert emulator.rate_limited == []
    # Every listing names all of that inspector's tasks (up to the listed limit).
    cert = sorted(drawn)[0]
    count = sum(1 for team in ran.record["teams"] for m in team["members"]
                if m["inspector"] == cert)
    listing = users[cert].bot_messages()[-1]
    assert f"{count} spot-check tasks" in listing["text"]


async def test_accept_card_details_and_refusals(bot: BotRunner, emulator: Emulator,
                                               tmp_path: Path) -> None:
    users = await county_with_phones(bot, emulator, tmp_path, targets=20)
    await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘 2026-04-15")
    ran = await run_draw(bot.core, SYSTEM, PLAN, "7")
    team = ran.record["teams"][0]
    target = team["target"]
    members = [users[m["inspector"]] for m in team["members"]]
    leader = members[0]
    assert team["members"][0]["leader"]
    cards = []
    for user in members:
        listing = await user.expect("spot-check task", timeout=30)
        button = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                      for b in row if b["callback_data"].endswith(
                          f":{_task_id(bot, target)}"))
        await user.press(button, listing)
        card = await user.expect("Items to check")
        assert target[:8] in card["text"] and target not in card["text"]  # masked USCC
        assert "****" in card["text"] and "leader" in card["text"]
        cards.append(card)
    # The pre-check shows registration data and risk flags.
    await leader.press("🔎 Details", cards[0])
    details = await leader.expect("Pre-check")
    assert "Credit class" in details["text"] and "No earlier check" in details["text"]
    # Accept: recorded, the card shows it; a double tap is refused politely.
    for user, card in zip(members[:-1], cards[:-1], strict=True):
        query = await user.press("✅ Accept", card)
        assert (await user.answer(query))["text"] == "Accepted."
        await user.expect_edit(card, "You have accepted this task.")
        again = await user.press_data(card, f"v1:task:a:{_task_id(bot, target)}")
        assert "already" in (await user.answer(again))["text"]
    # Someone not on the team cannot accept it.
    outsider = next(u for c, u in users.items()
                    if c not in {m["inspector"] for m in team["members"]})
    forged = await outsider.press_data(cards[0], f"v1:task:a:{_task_id(bot, target)}")
    assert "not yours" in (await outsider.answer(forged))["text"]
    # The last acceptance tells the others that everyone has accepted.
    await members[-1].press("✅ Accept", cards[-1])
    for user in members[:-1]:
        await user.expect("has accepted")
    with sqlite3.connect(bot.settings.db_path) as conn:
        accepted = conn.execute(
            "SELECT COUNT(*) FROM task_members WHERE task_id = ? AND accepted_at IS NOT NULL",
            (_task_id(bot, target),)).fetchone()[0]
        audited = conn.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'task.accepted'").fetchone()[0]
    assert accepted == len(members) == audited
    # /tasks lists the open tasks with buttons.
    await leader.send("/tasks")
    listing = await leader.expect("Your open tasks")
    assert listing["reply_markup"]["inline_keyboard"]
    # Every task of the page is numbered in the text, as on its button.
    numbered = [b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row
                if b["text"].startswith("📋")]
    for label in numbered:
        number, target_name = label[2:].split(". ", 1)
        assert f"\n{number}. {target_name[:20]}" in listing["text"], label
    # The list deleted, its page asked for again: the page comes as a new message.
    await leader.delete(listing)
    await leader.press_data(listing, "v1:task:pg:0")
    again = await leader.expect("Your open tasks")
    assert again["message_id"] != listing["message_id"]
    # Before the window opens, and three days after it ended, the list and the card say so.
    start, due = (date.fromisoformat(str(v)) for v in probe(
        bot.settings, "SELECT window_start, window_due FROM tasks WHERE id = ?",
        _task_id(bot, target))[0])
    earlier = datetime.combine(start - timedelta(days=1), time(10), tzinfo=bot.settings.tz)
    later = datetime.combine(due + timedelta(days=3), time(10), tzinfo=bot.settings.tz)
    with pytest.MonkeyPatch.context() as patch:  # the bot's clock only
        patch.setattr("bot.core.clock_now", lambda: earlier.astimezone(UTC))
        await leader.send("/tasks")
        listing = await leader.expect("Your open tasks")
        assert f"window opens {start.isoformat()}" in listing["text"]
        assert "overdue" not in listing["text"]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("bot.core.clock_now", lambda: later.astimezone(UTC))
        await leader.send("/tasks")
        listing = await leader.expect("Your open tasks")
        assert f"overdue by 3 days (due {due.isoformat()})" in listing["text"]
        await leader.press(next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                                for b in row if b["callback_data"].endswith(
                                    f":{_task_id(bot, target)}")), listing)
        card = await leader.expect("Items to check")
        assert "🔴 overdue by 3 days" in card["text"]
    await eventually(lambda: emulator.rate_limited == [])


def _task_id(bot: BotRunner, target: str) -> int:
    with sqlite3.connect(bot.settings.db_path) as conn:
        return int(conn.execute("SELECT id FROM tasks WHERE target_code = ?",
                                (target,)).fetchone()[0])


def _names(bot: BotRunner, certs: list[str]) -> list[str]:
    with sqlite3.connect(bot.settings.db_path) as conn:
        return [conn.execute("SELECT p.name FROM people p JOIN inspectors i ON i.person_id ="
                             " p.id WHERE i.cert_no = ?", (c,)).fetchone()[0] for c in certs]


def _supervisors(bot: BotRunner, department: str) -> list[str]:
    with sqlite3.connect(bot.settings.db_path) as conn:
        return [r[0] for r in conn.execute(
            "SELECT i.cert_no FROM person_roles r JOIN inspectors i ON i.person_id = r.person_id"
            " JOIN departments d ON d.id = r.department_id WHERE r.role = 'supervisor'"
            " AND d.code = ?", (department,))]


async def test_replacement_requested_approved_redrawn_and_verifiable(
    bot: BotRunner, emulator: Emulator, tmp_path: Path
) -> None:
    users = await county_with_phones(bot, emulator, tmp_path, targets=20)
    await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘 2026-04-15")
    ran = await run_draw(bot.core, SYSTEM, PLAN, "7")
    team = ran.record["teams"][0]
    task_id = _task_id(bot, team["target"])
    leaving = team["members"][1]
    requester = users[leaving["inspector"]]
    listing = await requester.expect("spot-check task", timeout=30)
    await requester.press(next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                               for b in row if b["callback_data"].endswith(f":{task_id}")),
                          listing)
    card = await requester.expect("Items to check")
    await requester.press("🔁 Replacement", card)
    await requester.expect("Why can you not do this inspection?")
    await requester.press("health (健康状况)")
    await requester.expect("Add a note")
    await requester.send("发烧住院")
    sent = await requester.expect("Your request was sent to")
    supervisors = _supervisors(bot, leaving["department"])
    approver = users[supervisors[0]]
    ask = await approver.expect("asks to be replaced")
    assert "发烧住院" in ask["text"] and "health" in ask["text"]
    assert "Others on the team" in ask["text"] and _names(bot, [team["members"][0][
        "inspector"]])[0] in ask["text"]
    assert all(name in sent["text"] for name in _names(bot, supervisors))

    # Nobody else decides: a supervisor of another department, the requester themself.
    other_department = next(d for d in ("SCJGJ", "WSJKJ", "STHJJ", "YJGLJ", "SWJ")
                            if d != leaving["department"])
    stranger = users[_supervisors(bot, other_department)[0]]
    request_id = ReplacementApprove.parse(button(ask, ReplacementApprove)["callback_data"]
                                          ).request_id
    forged = await stranger.press_data(ask, f"v1:rep:ok:{request_id}")
    assert "Only a supervisor" in (await stranger.answer(forged))["text"]
    own = await requester.press_data(card, f"v1:rep:ok:{request_id}")
    assert "Only a supervisor" in (await requester.answer(own))["text"]

    await approver.press("✅ Approve", ask)
    approved = await approver.expect("drawn at random")
    with sqlite3.connect(bot.settings.db_path) as conn:
        active = conn.execute("SELECT cert_no FROM task_members WHERE task_id = ? AND active = 1",
                              (task_id,)).fetchall()
    newcomer = next(c for (c,) in active if c not in {m["inspector"] for m in team["members"]})
    assert _names(bot, [newcomer])[0] in approved["text"]
    await users[newcomer].expect("drawn to replace")
    await requester.expect("You are released")
    await users[team["members"][0]["inspector"]].expect("Team change")
    closed = await approver.expect_edit(ask, "Approved by")
    assert "reply_markup" not in closed  # the buttons are gone once decided
    again = await approver.press_data(ask, f"v1:rep:ok:{request_id}")
    assert "decided already" in (await approver.answer(again))["text"]
    # The released inspector's old buttons: a clear answer, nothing changed.
    late = await requester.press_data(card, f"v1:rep:why:{task_id}:health")
    await requester.answer(late)
    await requester.expect("Add a note")
    await requester.send("再次申请")
    assert "not on this task's team" in (await requester.expect())["text"]
    stale = await requester.press_data(card, f"v1:rep:send:{task_id}")
    assert "no longer valid" in (await requester.answer(stale))["text"]

    # The record gains the replacement and still verifies from the exported files.
    out = tmp_path / "published"
    await draws.export(bot.core, PLAN, out)
    record = json.loads((out / "record.json").read_text(encoding="utf-8"))
    assert record["replacements"][0]["out"] == leaving["inspector"]
    assert record["replacements"][0]["in"] == newcomer
    assert draws.verify_dir(out) == []


async def test_replacement_rejected_with_reason(bot: BotRunner, emulator: Emulator,
                                               tmp_path: Path) -> None:
    users = await county_with_phones(bot, emulator, tmp_path, targets=20)
    await prepare(bot.core, SYSTEM, PLAN, "上证指数收盘 2026-04-15")
    ran = await run_draw(bot.core, SYSTEM, PLAN, "9")
    team = ran.record["teams"][1]
    task_id = _task_id(bot, team["target"])
    member = team["members"][2]
    requester = users[member["inspector"]]
    await requester.expect("spot-check task", timeout=30)
    async with bot.core.db.read() as rtx:
        me = await rtx.people.person_by_tg(requester.id)
    assert me is not None
    await replacements.request(bot.core, me, task_id, "work_conflict", None)
    approver = users[_supervisors(bot, member["department"])[0]]
    ask = await approver.expect("asks to be replaced")
    await approver.press("❌ Reject", ask)
    await approver.expect("Send the reason")
    await approver.send("本周无其他人员可替换")
    await approver.expect("Rejected")
    await approver.expect_edit(ask, "Rejected by")
    told = await requester.expect("was rejected")
    assert "本周无其他人员可替换" in told["text"] and "You stay on the team" in told["text"]
    with sqlite3.connect(bot.settings.db_path) as conn:
        still = conn.execute("SELECT COUNT(*) FROM task_members WHERE task_id = ? AND active = 1"
                             " AND cert_no = ?", (task_id, member["inspector"])).fetchone()[0]
    assert still == 1
    # Once the visit has started, no replacement can be asked for. (The write runs in a
    # thread: a blocking write on the event loop could wait on the bot's own transaction.)
    def start_visit() -> None:
        with sqlite3.connect(bot.settings.db_path, timeout=30) as conn:
            conn.execute("UPDATE tasks SET status = 'in_progress' WHERE id = ?", (task_id,))

    await asyncio.to_thread(start_visit)
    try:
        await replacements.request(bot.core, me, task_id, "health", None)
    except Refused as exc:
        assert exc.reason == "task_closed"
    else:
        raise AssertionError("a request after the visit started must be refused")


async def test_nobody_to_draw_keeps_the_request_open_for_the_office(
    bot: BotRunner, emulator: Emulator, tmp_path: Path
) -> None:
    from tests.support.helpers import registered_admin

    office = await registered_admin(bot, emulator)
    files = generate(tmp_path / "county", targets=12, per_department=2)  # one inspector each
    del files["recusals"]  # no recusals: everyone is drawable for every target
    with files["plans"].open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["两部门", "检查", "联合", "", "100%", "WS-001", "", "SCJGJ",
                                 "WSJKJ", "2026-04-15", "2026-04-20", "2026-06-30", "", ""])
    for key, path in files.items():
        kind = "checklist" if key.startswith("checklist:") else key
        assert (await import_file(bot.core, SYSTEM, path, path.name, kind)).ok
    users: dict[int, EmulatedUser] = {}
    with sqlite3.connect(bot.settings.db_path) as conn:
        ids = [r[0] for r in conn.execute("SELECT person_id FROM inspectors")]
    for person_id in ids:
        user = person(emulator, f"p{person_id}", user_id=800000 + person_id)
        issued = await reissue_invite(bot.core, SYSTEM, person_id)
        await redeem(bot.core, issued.code, TgUser(user.id, user.id, None, "x", "en"))
        users[person_id] = user
    await prepare(bot.core, SYSTEM, "两部门", "lottery 2026-04-15")
    ran = await run_draw(bot.core, SYSTEM, "两部门", "1")
    member = ran.record["teams"][0]["members"][1]  # the only drawable WSJKJ inspector
    with sqlite3.connect(bot.settings.db_path) as conn:
        person_id = conn.execute("SELECT person_id FROM inspectors WHERE cert_no = ?",
                                 (member["inspector"],)).fetchone()[0]
        supervisor = conn.execute(
            "SELECT r.person_id FROM person_roles r JOIN departments d ON d.id ="
            " r.department_id WHERE r.role = 'supervisor' AND d.code = 'WSJKJ'").fetchone()[0]
    async with bot.core.db.read() as rtx:
        requester = await rtx.people.person(person_id)
    assert requester is not None
    await replacements.request(bot.core, requester, _task_id(bot, ran.record["teams"][0][
        "target"]), "health", None)
    ask = await users[supervisor].expect("asks to be replaced")
    await users[supervisor].press("✅ Approve", ask)
    await users[supervisor].expect("nobody of the department who can be reached")
    told = await office.expect("but nobody who can be reached in Choucha can be drawn")
    await office.press("❌ Reject", told)
    await office.expect("Send the reason")
    await office.send("无人可替换，请按原计划参加")
    await office.expect("Rejected")
    assert "无人可替换" in (await users[person_id].expect("was rejected"))["text"]


async def test_leader_of_the_same_department_may_approve_where_the_plan_allows(
    bot: BotRunner, emulator: Emulator, tmp_path: Path
) -> None:
    files = generate(tmp_path / "county", targets=12, per_department=6)
    del files["recusals"]
    with files["plans"].open("a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["单部门", "检查", "部门", "", "20%", "SC-002", "", "SCJGJ", "",
                                 "2026-04-15", "2026-04-20", "2026-06-30", "", "", "是"])
    for key, path in files.items():
        kind = "checklist" if key.startswith("checklist:") else key
        assert (await import_file(bot.core, SYSTEM, path, path.name, kind)).ok, key
    users: dict[str, EmulatedUser] = {}
    with sqlite3.connect(bot.settings.db_path) as conn:
        people = conn.execute("SELECT person_id, cert_no FROM inspectors").fetchall()
    for person_id, cert in people:
        user = person(emulator, cert, user_id=700000 + person_id)
        issued = await reissue_invite(bot.core, SYSTEM, person_id)
        await redeem(bot.core, issued.code, TgUser(user.id, user.id, None, "x", "en"))
        users[cert] = user
    await prepare(bot.core, SYSTEM, "单部门", "lottery 2026-04-15")
    ran = await run_draw(bot.core, SYSTEM, "单部门", "5")
    leader_cert, member_cert = (m["inspector"] for m in ran.record["teams"][0]["members"][:2])
    assert ran.record["teams"][0]["members"][0]["leader"]
    async with bot.core.db.read() as rtx:
        requester = await rtx.people.person_by_tg(users[member_cert].id)
    assert requester is not None
    task_id = _task_id(bot, ran.record["teams"][0]["target"])
    approvers = await replacements.request(bot.core, requester, task_id, "work_conflict",
                                           "外出培训")
    assert _names(bot, [leader_cert])[0] in {p.name for p in approvers.approvers}
    ask = await users[leader_cert].expect("asks to be replaced")
    await users[leader_cert].press("✅ Approve", ask)
    await users[leader_cert].expect("drawn at random")
    out = tmp_path / "published"
    await draws.export(bot.core, "单部门", out)
    assert draws.verify_dir(out) == []
