"""On site, through the real Application against the emulator: check-in, the checklist with
skip logic and validation, photos, a restart mid-checklist, review and edit, results,
signatures (team, party by QR, paper, refusal with witness), submission and the PDF.

Each journey is a short screenplay of named steps (issue 30): one phase a person goes
through each, defined below its test in the order the test calls them."""

from __future__ import annotations

import asyncio
import hashlib
import re
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.buttons.visits import (
    VisitChoose,
    VisitFollowUpDue,
    VisitFollowUpOwner,
    VisitNoncooperation,
    VisitPartyConfirm,
    VisitSubmit,
)
from bot.config import Settings
from bot.emulator import EmulatedUser, Emulator
from bot.services import visits
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN, person
from tests.support.buttons import button, press_kind
from tests.support.helpers import behind_the_bot, eventually, probe, submit_record
from tests.support.visits import check_in, drawn_team, jpeg, open_card, pdf_text, target_name


async def started(settings: Settings) -> BotRunner:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    return runner


def person_of(settings: Settings, user: EmulatedUser) -> int:
    """The person Choucha knows `user`'s Telegram account as."""
    return int(probe(settings, "SELECT person_id FROM telegram_accounts WHERE tg_user_id = ?",
                     user.id)[0][0])


async def submit_and_read_the_record(leader: EmulatedUser, status: dict[str, Any],
                                     reader: EmulatedUser, tmp_path: Path) -> str:
    """The leader submits from `status`; the text of the PDF `reader` then receives, with
    no white space."""
    await submit_record(leader, status)
    await leader.expect("Submitted.")
    document = await reader.expect("Check record of", timeout=60)
    return re.sub(r"\s+", "", pdf_text(reader.file_bytes(document["document"]["file_id"]),
                                       tmp_path))


# ------------------------------------------------- a joint visit, from check-in to the record

async def test_joint_visit_from_check_in_to_submitted_record(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = await started(settings)
    team, (leader, member), users = await drawn_team(runner, emulator, tmp_path)
    name = target_name(settings, team["target"])
    await check_in_with_location(leader, await open_card(leader, name))
    photos = await answer_up_to_the_restart(leader)
    runner = await restarted(runner, settings)
    try:
        premises = await resume_after_the_restart(leader, name)
        review = await finish_the_checklist(leader, premises)
        await record_no_problem_found(leader, await edit_in_review(leader, review))
        await check_in_without_a_location(member, name)
        review = await answer_the_hygiene_checklist(member)
        await record_problems_and_a_rectification(member, review, person_of(settings, member))
        signatures = await the_team_signs(leader, member)
        link = await show_the_party_a_qr_code(leader, signatures, tmp_path)
        await the_team_cannot_sign_for_the_party(leader, link, settings)
        party = await the_party_signs_by_qr(emulator, link, name, settings)
        status = await submit_once_the_party_signed(leader)
        text = await the_team_receives_the_pdf((leader, member), name, photos[0], tmp_path)
        await the_party_is_told_the_result(party, name, tmp_path)
        await a_second_submission_is_refused(leader, status)
        the_record_is_frozen(settings, team["target"], text, photos)
        await an_answer_of_the_frozen_record_is_refused(leader, premises)
    finally:
        await runner.stop()
    assert users


async def check_in_with_location(leader: EmulatedUser, card: dict[str, Any]) -> None:
    """Check-in with the location from the reply keyboard; on to the checklist."""
    await leader.press("▶️ Start the visit", card)
    await leader.expect("Check-in")
    assert "📍 Share my location" in leader.reply_keyboard()
    await leader.share_location(24.4331, 98.5853)
    await leader.expect("Checked in at 24.43310, 98.58530")
    home = await leader.expect("Items:")
    assert "0/5 answered" in home["text"]  # SC-001: 5 questions relevant before any answer
    await leader.press("▶️ Continue my checklist", home)


async def answer_up_to_the_restart(leader: EmulatedUser) -> tuple[bytes, bytes]:
    """The licence, its two photos and its date, up to the premises question; the photos."""
    # Question 1 with the note before it; buttons for the choices.
    q1 = await leader.expect("Valid licence obtained")
    assert "Show your credentials" in q1["text"]
    await leader.press("Compliant", q1)
    # Skip logic: 'yes' brings the photo question; a text where a photo is needed is refused.
    await leader.expect("Photo of the licence")
    await leader.send("here it is")
    await leader.expect("A photo is needed here")
    first, second = jpeg((200, 30, 30)), jpeg((30, 200, 30))
    await leader.send_photo(first)
    await leader.expect("Photo 1 saved")
    await leader.send_photo(second)
    saved = await leader.expect("Photo 2 saved")
    await leader.press("✅ Done", saved)
    # A date: wrong format, then the form's own constraint message, then a good one.
    await leader.expect("Licence valid until")
    await leader.send("next year")
    await leader.expect("Please type a date")
    await leader.send("2020-01-01")
    await leader.expect("The licence has expired")
    await leader.send("2030年12月31日")
    premises = await leader.expect("Premises match")
    assert "question 4 of up to 8" in premises["text"]  # the problems question was skipped
    return first, second


async def restarted(runner: BotRunner, settings: Settings) -> BotRunner:
    """The bot restarts (in the middle of the checklist)."""
    await runner.stop()
    return await started(settings)


async def resume_after_the_restart(leader: EmulatedUser, name: str) -> dict[str, Any]:
    """The person resumes at the same question: the premises question, returned."""
    await leader.send("/tasks")
    listing = await leader.expect("Your open tasks")
    await leader.press(next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                            for b in row if name[:20] in b["text"]), listing)
    card = await leader.expect("Items to check")
    await leader.press("▶️ Continue the visit", card)
    home = await leader.expect("Items:")
    assert "3/7 answered" in home["text"]
    await leader.press("▶️ Continue my checklist", home)
    return await leader.expect("Premises match")


async def finish_the_checklist(leader: EmulatedUser, premises: dict[str, Any]
                               ) -> dict[str, Any]:
    """The premises do not match; the staff, the records, remarks skipped: the review."""
    await leader.press("Non-compliant", premises)
    # Integer with a constraint: not a number, then out of range, then good.
    await leader.expect("Staff on site")
    await leader.send("twelve")
    await leader.expect("Please type a whole number")
    await leader.send("-3")
    await leader.expect("Between 0 and 9999")
    await leader.send("１２")  # full-width digits typed on a Chinese keyboard
    records = await leader.expect("Purchase inspection records")
    await leader.press("Compliant", records)
    remarks = await leader.expect("Other remarks")
    await leader.press("⏭ Skip", remarks)
    review = await leader.expect("Review your answers")
    assert "Non-compliant" in review["text"] and "12" in review["text"]
    return review


async def edit_in_review(leader: EmulatedUser, review: dict[str, Any]) -> dict[str, Any]:
    """Edit during review: premises becomes compliant; the review again."""
    await leader.press("✏️ 1.4", review)
    edit = await leader.expect("Premises match")
    assert "Current answer: Non-compliant" in edit["text"]
    await leader.press("Compliant", edit)
    review = await leader.expect("Saved.")
    assert "Non-compliant" not in review["text"]
    return review


async def record_no_problem_found(leader: EmulatedUser, review: dict[str, Any]) -> None:
    await leader.press("➡️ Results", review)
    result = await leader.expect("Result for")
    assert "Suggested from the answers: No problem found" in result["text"]
    await leader.press("⭐ No problem found", result)
    await leader.expect("Waiting for:")


async def check_in_without_a_location(member: EmulatedUser, name: str) -> None:
    """The other department's member answers their own item, skipping the check-in."""
    card = await open_card(member, name)
    await member.press("▶️ Continue the visit", card)  # the leader started it
    await member.expect("Check-in")
    await member.send("⏭ Skip check-in")
    await member.expect("Why can you not share")
    await member.send("no GPS signal indoors")
    await member.expect("Check-in recorded without a location")
    home = await member.expect("Items:")
    await member.press("▶️ Continue my checklist", home)


async def answer_the_hygiene_checklist(member: EmulatedUser) -> dict[str, Any]:
    """WS-001 has its own checklist: the hygiene licence, then health certificates,
    disinfection and the number of beds; the review."""
    q1 = await member.expect("Valid hygiene licence obtained")
    await member.press("Non-compliant", q1)
    problems = await member.expect("Problems with the hygiene licence")
    await member.press("⬜ Expired", problems)
    await member.expect_button(problems, "☑️ Expired")
    await member.press("✅ Done", problems)
    await member.press("Compliant", await member.expect("Premises match"))
    await member.press("Compliant", await member.expect("valid health certificates"))
    await member.press("Compliant", await member.expect("cleaned and disinfected"))
    await member.expect("Number of guest beds")
    await member.send("3")
    await member.expect("Other remarks")
    # Typed on a Chinese keyboard: full-width punctuation is kept exactly as typed.
    await member.send("许可证５月到期，已申请续期；另：店内有员工３名")
    return await member.expect("Review your answers")


async def record_problems_and_a_rectification(member: EmulatedUser, review: dict[str, Any],
                                              owner: int) -> None:
    """Problems found: a rectification within 7 days, followed up by `owner`."""
    await member.press("➡️ Results", review)
    result = await member.expect("Result for")
    assert "Problems found" in result["text"]
    await member.press("⭐ Problems found, pending further handling", result)
    await member.press("Rectification within a time limit",
                       await member.expect("What follows"))
    due = await member.expect("by when must it be done?")
    assert "In 7 days: " in button(due, VisitFollowUpDue, days=7)["text"]
    await member.send("2020-02-02")
    await member.expect("The due date must be after today")
    await press_kind(member, due, VisitFollowUpDue, days=7)
    who = await member.expect("Who follows it up?")
    await press_kind(member, who, VisitFollowUpOwner, owner_id=owner)
    await member.expect("Every item has its result")


async def the_team_signs(leader: EmulatedUser, member: EmulatedUser) -> dict[str, Any]:
    """Each member signs in their own chat; the leader's signatures screen."""
    for user in (member, leader):
        request = await user.expect("Please sign the result summary", timeout=60)
        assert "No problem found" in request["text"]
        await user.press("✍️ Sign", request)
    signatures = await leader.expect("You signed.")
    assert "⏳ The inspected party has not signed yet." in signatures["text"]
    return signatures


async def show_the_party_a_qr_code(leader: EmulatedUser, signatures: dict[str, Any],
                                   tmp_path: Path) -> str:
    """The leader gets the party signed by QR: the link, which the code itself carries."""
    await leader.press("📱 Party signs on their phone (QR)", signatures)
    qr = await leader.expect("Let the party scan this code")
    assert qr.get("photo")
    link = re.search(r"https://t\.me/\S+", qr["caption"])
    assert link is not None
    # The QR code itself carries the same link.
    image = tmp_path / "qr.png"
    image.write_bytes(leader.file_bytes(qr["photo"][-1]["file_id"]))
    decoded = (await asyncio.to_thread(
        subprocess.run, ["zbarimg", "-q", "--raw", str(image)], capture_output=True,
        text=True, check=True)).stdout.strip()
    assert decoded == link.group(0)
    return link.group(0)


async def the_team_cannot_sign_for_the_party(leader: EmulatedUser, link: str,
                                             settings: Settings) -> None:
    """Nobody registered may sign as the party: not the leader with his own link."""
    await leader.open_link(link)
    await leader.expect("cannot sign for the inspected party")
    assert probe(settings, "SELECT COUNT(*) FROM audit_log"
                           " WHERE action = 'visit.party_link_refused'") == [(1,)]


async def the_party_is_told_the_result(party: EmulatedUser, name: str, tmp_path: Path
                                       ) -> None:
    """The party signed in its own Telegram: the 检查结果告知书 reaches it there (000 二(六)),
    each item's result in its legal wording, the rectification and its date."""
    notice = await party.expect("检查结果告知书", timeout=60)
    told = re.sub(r"\s+", "", pdf_text(party.file_bytes(notice["document"]["file_id"]),
                                        tmp_path))
    assert "检查结果告知书" in told and name in told and "检查结果：未发现问题" in told
    assert "检查结果：发现问题待后续处理" in told and "后续处理：限期整改" in told
    assert "陈晓梅" not in told  # nothing of the signatures


async def the_party_signs_by_qr(emulator: Emulator, link: str, name: str,
                                settings: Settings) -> EmulatedUser:
    """The party signs in its own Telegram: its account."""
    party = person(emulator, "店长 陈")
    await party.open_link(link)
    summary = await party.expect("检查记录")
    assert name in summary["text"] and "未发现问题" in summary["text"]
    # The same link is of no use to anyone else.
    other = person(emulator, "路人")
    await other.open_link(link)
    await other.expect("另一个 Telegram 账号")
    # The party states who signs and their opinion, then confirms.
    await party.expect("请发送您的全名")
    await party.send("陈晓梅")
    await party.press("负责人", await party.expect("您的身份"))
    await party.send("12a4")
    await party.expect("请只发送四个字符")
    await party.send("123x")
    await party.press("有异议", await party.expect("当事人意见"))
    await party.expect("您对哪些内容有异议")
    await party.send("照片拍摄时店内正在装修")
    check = await party.expect("请核对后确认")
    assert "陈晓梅" in check["text"] and "123X" in check["text"]
    # A tampered Confirm (another hash than the one shown) is a stale button, not
    # "opened on another account"; nothing is signed.
    confirm = button(check, VisitPartyConfirm)
    assert confirm["text"] == "✅ 确认并签名"
    forged = await party.press_data(check, confirm["callback_data"][:-16] + "0" * 16)
    assert "失效" in (await party.answer(forged))["text"]
    assert probe(settings, "SELECT COUNT(*) FROM signatures WHERE kind = 'party'") == [(0,)]
    await party.press("✅ 确认并签名", check)
    await party.expect("谢谢")
    await party.open_link(link)
    await party.expect("此签字链接已被使用")
    return party


async def submit_once_the_party_signed(leader: EmulatedUser) -> dict[str, Any]:
    """Told the party signed, the leader submits: the signatures screen submitted from."""
    told = await leader.expect("The party signed the record", timeout=60)
    await leader.press("✍️ Signatures and submission", told)
    status = await leader.expect("Result summary")
    await submit_record(leader, status)
    await leader.expect("Submitted.")
    return status


async def the_team_receives_the_pdf(team: tuple[EmulatedUser, ...], name: str, photo: bytes,
                                    tmp_path: Path) -> str:
    """The PDF reaches the team; it holds the target, every answer and the results: its
    text."""
    documents = []
    for user in team:
        document = await user.expect("Check record of", timeout=60)
        documents.append(user.file_bytes(document["document"]["file_id"]))
    assert documents[0] == documents[1]
    text = pdf_text(documents[0], tmp_path)
    squashed = re.sub(r"\s+", "", text)
    for expected in (name, "符合", "2030-12-31", "12", "3", "已过期", "未发现问题",
                     "发现问题待后续处理", "许可证５月到期，已申请续期；另：店内有员工３名",
                     "限期整改",
                     "被检查对象签名：陈晓梅（负责人）", "身份证件号码后四位123X",
                     "当事人意见：有异议：照片拍摄时店内正在装修",
                     "内容哈希（签名所确认的内容）", "签名"):
        assert re.sub(r"\s+", "", expected) in squashed, expected
    assert hashlib.sha256(photo).hexdigest() in squashed
    return text


async def a_second_submission_is_refused(leader: EmulatedUser, status: dict[str, Any]) -> None:
    """Submit pressed again on the screen it was submitted from: the record is frozen."""
    again = await leader.press_data(status, button(status, VisitSubmit)["callback_data"])
    assert "submitted already" in (await leader.answer(again))["text"]


def the_record_is_frozen(settings: Settings, target: str, text: str,
                         photos: tuple[bytes, bytes]) -> None:
    """What the database holds of the submitted record, and that it cannot be edited."""
    rows = probe(settings, "SELECT k.status, r.version, r.record_hash, v.status FROM tasks k"
                 " JOIN records r ON r.task_id = k.id JOIN visits v ON v.task_id = k.id"
                 " WHERE k.target_code = ?", target)
    assert rows[0][0] == "submitted" and rows[0][1] == 1 and rows[0][3] == "submitted"
    assert rows[0][2][:16] in text.replace("\n", "")
    stored = probe(settings, "SELECT sha256, file_unique_id, taken_by FROM evidence"
                   " WHERE kind = 'answer' ORDER BY id")
    assert [p[0] for p in stored] == [hashlib.sha256(photo).hexdigest() for photo in photos]
    assert all(p[1] for p in stored)
    signers = probe(settings, "SELECT kind, name FROM signatures ORDER BY id")
    assert [s[0] for s in signers] == ["member", "member", "party"]
    # Nobody on the team is left inside the submitted visit's flow.
    assert probe(settings, "SELECT COUNT(*) FROM conversations WHERE flow = 'visit'") \
        == [(0,)]
    follow = probe(settings, "SELECT kind, status FROM follow_ups")
    assert follow == [("rectification", "open")]
    with sqlite3.connect(settings.db_path) as conn:
        try:
            conn.execute("UPDATE records SET record_hash = 'x'")
            raise AssertionError("a record could be edited")
        except sqlite3.IntegrityError:
            pass


async def an_answer_of_the_frozen_record_is_refused(leader: EmulatedUser,
                                                    premises: dict[str, Any]) -> None:
    """The answers of a frozen record cannot change any more: the premises question's
    first choice, pressed again."""
    stale = await leader.press_data(premises, button(premises, VisitChoose, choice=0)
                                    ["callback_data"])
    assert "submitted already" in (await leader.answer(stale))["text"]


# ------------------------------------------- the shortcut, a refusal with witness, forgeries

async def test_refusal_with_witness_shortcuts_and_refusals(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = await started(settings)
    try:
        team, (leader, member), users = await drawn_team(runner, emulator, tmp_path,
                                                         targets=20, busy_leader=True)
        task_id = (await _teams(settings))[team["target"]]
        name = target_name(settings, team["target"])
        other_home, card = await begin_another_task_first(leader, name)
        outsider = next(u for c, u in users.items()
                        if c not in {m["inspector"] for m in team["members"]})
        await an_outsider_cannot_start_the_visit(outsider, task_id, settings)
        await no_such_business_activity_with_a_photo(leader, card, settings)
        requests = await both_asked_to_sign_the_shortcut(leader, member)
        await the_member_signs_but_may_not_act_for_the_team(member, requests[member.id],
                                                            settings)
        status = await the_leader_signs_past_a_stale_button(leader, requests[leader.id],
                                                            settings)
        await an_unused_qr_link_expires(leader, status, emulator)
        status = await the_party_refuses_before_a_witness(leader, status, other_home)
        text = await submit_and_read_the_record(leader, status, leader, tmp_path)
        for expected in ("未发现开展本次抽查涉及的经营活动", "负责人拒绝签字",
                         "王某（社区网格员）"):
            assert expected in text, expected
        refusal = probe(settings, "SELECT kind, reason, witness FROM signatures"
                        " WHERE kind = 'party_refused'")
        assert refusal == [("party_refused", "负责人拒绝签字", "王某（社区网格员）")]
        assert probe(settings, "SELECT COUNT(*) FROM evidence WHERE kind = 'shortcut'") == [(1,)]
    finally:
        await runner.stop()


async def begin_another_task_first(leader: EmulatedUser, name: str
                                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The leader's other task: a visit begun there leaves messages of that task behind.
    That task's home, and the card of the task of `name`."""
    listing = await leader.expect("spot-check task", timeout=30)
    other_button = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                        for b in row if name[:20] not in b["text"])
    await leader.press(other_button, listing)
    await leader.press("▶️ Start the visit", await leader.expect("Items to check"))
    await leader.share_location(24.4, 98.5)
    other_home = await leader.expect("Items:")
    await leader.press(next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                            for b in row if name[:20] in b["text"]), listing)
    return other_home, await leader.expect("Items to check")


async def an_outsider_cannot_start_the_visit(outsider: EmulatedUser, task_id: int,
                                             settings: Settings) -> None:
    """Someone not on the team cannot start the visit (a forged button)."""
    await outsider.send("/help")
    hello = await outsider.expect()
    forged = await outsider.press_data(hello, f"v1:vis:st:{task_id}")
    assert "not yours" in (await outsider.answer(forged))["text"]
    assert probe(settings, "SELECT COUNT(*) FROM visits WHERE task_id = ?", task_id) == [(0,)]


async def no_such_business_activity_with_a_photo(leader: EmulatedUser, card: dict[str, Any],
                                                 settings: Settings) -> None:
    """The shortcut: 未发现开展本次抽查涉及的经营活动, with a photo."""
    home = await check_in(leader, card)
    # A photo now belongs to no step: refused, nothing stored.
    await leader.send_photo(jpeg((1, 2, 3)))
    await leader.expect("does not take a photo")
    await leader.press("🏚 No such business activity", home)
    shortcut = await leader.expect("Result for every item")
    await leader.press("✅ Done", shortcut)
    assert "A photo is needed" in (await leader.answer(
        await leader.press_data(shortcut, f"v1:vis:sd:{_visit(settings)}")))["text"]
    await leader.send_photo(jpeg((90, 90, 90)))
    saved = await leader.expect("Photo 1 saved")
    await leader.press("✅ Done", saved)
    await leader.expect("Every item has its result")


async def both_asked_to_sign_the_shortcut(leader: EmulatedUser, member: EmulatedUser
                                          ) -> dict[int, dict[str, Any]]:
    """Each is asked to sign the shortcut's result: the requests, by Telegram id."""
    requests = {}
    for user in (leader, member):
        requests[user.id] = await user.expect("Please sign the result summary", timeout=60)
        assert "未发现开展本次抽查涉及的经营活动" in requests[user.id]["text"] or \
            "No business activity" in requests[user.id]["text"]
    return requests


async def the_member_signs_but_may_not_act_for_the_team(
        member: EmulatedUser, request: dict[str, Any], settings: Settings) -> None:
    """Refusal with witness is for the leader only."""
    await member.press("✍️ Sign", request)
    status = await member.expect("You signed.")
    assert "Party signs" not in str(status.get("reply_markup"))
    forged = await member.press_data(status, f"v1:vis:pr:{_visit(settings)}")
    assert "Only the one who acts for the team" in (await member.answer(forged))["text"]


async def the_leader_signs_past_a_stale_button(leader: EmulatedUser, request: dict[str, Any],
                                               settings: Settings) -> dict[str, Any]:
    """The leader signs; a stale button (an old version's Sign) is refused politely. The
    signatures screen."""
    await leader.press("✍️ Sign", request)
    status = await leader.expect("You signed.")
    stale = await leader.press_data(status, f"v1:vis:sg:{_visit(settings)}:0000000000000000")
    assert "record changed" in (await leader.answer(stale))["text"]
    return status


async def an_unused_qr_link_expires(leader: EmulatedUser, status: dict[str, Any],
                                    emulator: Emulator) -> None:
    """A QR link not used within 30 minutes expires."""
    await leader.press("📱 Party signs on their phone (QR)", status)
    qr = await leader.expect("Let the party scan this code")
    link = re.search(r"https://t\.me/\S+", qr["caption"])
    assert link is not None
    late = person(emulator, "店员")
    with pytest.MonkeyPatch.context() as patch:  # the bot's clock only, not the emulator's
        patch.setattr(visits.party_link, "clock_now",
                      lambda: datetime.now(UTC) + timedelta(minutes=31))
        await late.open_link(link.group(0))
        await late.expect("已过期")


async def the_party_refuses_before_a_witness(leader: EmulatedUser, status: dict[str, Any],
                                             other_home: dict[str, Any]) -> dict[str, Any]:
    """The party refuses to sign; the witness, without a photo: the signatures screen."""
    await leader.press("🚫 The party refuses to sign", status)
    await leader.expect("Why is there no signature")
    await leader.send("负责人拒绝签字")
    await leader.expect("Name of the witness")
    await leader.send("王某（社区网格员）")
    witness = await leader.expect("If the witness signed on paper")
    # A photo sent as a reply to a message of the other task is refused, not misfiled.
    await leader.send_photo(jpeg((5, 5, 5)), reply_to=other_home)
    await leader.expect("another task")
    await leader.press("Continue without a photo", witness)
    status = await leader.expect("The refusal and the witness are recorded")
    assert "王某" in status["text"]
    return status


async def _teams(settings: Settings) -> dict[str, int]:
    return {code: task_id for task_id, code in probe(settings,
                                                      "SELECT id, target_code FROM tasks")}


def _visit(settings: Settings) -> int:
    return int(probe(settings, "SELECT MAX(id) FROM visits")[0][0])


# ---------------------------------------------------------- cannot be contacted at the address

async def unreachable_shortcut(member: EmulatedUser, name: str) -> dict[str, Any]:
    """Start the visit of `name`, check in, take the shortcut "cannot be contacted at the
    address": its screen."""
    home = await check_in(member, await open_card(member, name))
    await member.press("🚪 Cannot be contacted at the address", home)
    return await member.expect("Result for every item")


async def test_unreachable_shortcut_needs_no_party_signature(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = await started(settings)
    try:
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path, targets=6)
        name = target_name(settings, team["target"])
        shortcut = await unreachable_shortcut(member, name)
        assert "Cannot be contacted" in shortcut["text"]
        await a_photo_of_the_door_not_a_spreadsheet(member)
        await the_leader_is_offered_the_check_in_but_never_uses_it(leader, name)
        member_status, status = await both_sign_the_member_first(leader, member)
        assert "no signature of the party is needed" in status["text"]
        # Only the leader submits.
        forged = await member.press_data(member_status, f"v1:vis:sb:{_visit(settings)}")
        assert "Only the one who acts for the team" in (await member.answer(forged))["text"]
        await submit_record(leader, status)
        await leader.expect("Submitted.")
        # The step the keyboard served has ended with the visit: it is taken away.
        assert leader.reply_keyboard() == [] and member.reply_keyboard() == []
        document = await member.expect("Check record of", timeout=60)
        text = re.sub(r"\s+", "", pdf_text(member.file_bytes(document["document"]["file_id"]),
                                           tmp_path))
        assert "通过登记的住所（经营场所）无法联系" in text and name in text
        results = probe(settings, "SELECT DISTINCT result FROM visit_items")
        assert results == [("unreachable",)]
        await asyncio.sleep(0)
    finally:
        await runner.stop()


async def a_photo_of_the_door_not_a_spreadsheet(member: EmulatedUser) -> None:
    """The shortcut's photo: not a text, not a spreadsheet."""
    await member.send("the door is locked")
    await member.expect("A photo is needed here")
    # A spreadsheet where a photo is needed: told so, not sent to the office's import.
    await member.send_document(b"a,b\n1,2\n", "list.csv", "text/csv")
    refused = await member.expect("This step needs a photo")
    assert "office" not in refused["text"]
    await member.send_photo(jpeg((10, 10, 200)))
    await member.press("✅ Done", await member.expect("Photo 1 saved"))
    await member.expect("Every item has its result")


async def the_leader_is_offered_the_check_in_but_never_uses_it(leader: EmulatedUser,
                                                               name: str) -> None:
    await leader.press("▶️ Continue the visit", await open_card(leader, name))
    await leader.expect("Check-in")
    assert "📍 Share my location" in leader.reply_keyboard()


async def both_sign_the_member_first(leader: EmulatedUser, member: EmulatedUser
                                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The request (outbox) and the check-in (a reply) come in either order. The member
    signs first (and is told so), then the leader, whose status then offers Submit: the
    member's signatures screen and the leader's."""
    request = await member.find("Please sign the result summary", timeout=60)
    await member.press("✍️ Sign", request)
    member_status = await member.expect("You signed.")
    request = await leader.find("Please sign the result summary", timeout=60)
    await leader.press("✍️ Sign", request)
    return member_status, await leader.expect("You signed.")


# ------------------------------------------- non-cooperation, a correction order, paper

async def answer_checklist(user: EmulatedUser, photo: bytes) -> dict[str, Any]:
    """Answer the item's demo checklist quickly (everything compliant, photos, dates,
    numbers, optional questions skipped); return the review message."""
    question = await user.expect("Valid")
    for _ in range(30):
        text = question.get("text") or ""
        labels = [b["text"] for row in (question.get("reply_markup") or {}).get(
            "inline_keyboard", []) for b in row]
        if "Review your answers" in text:
            return question
        if "Compliant" in labels:
            await user.press("Compliant", question)
        elif "Photo of" in text:
            await user.send_photo(photo)
            await user.press("✅ Done", await user.expect("Photo 1 saved"))
        elif "valid until" in text:
            await user.send("2031-01-01")
        elif "⏭ Skip" in labels:
            await user.press("⏭ Skip", question)
        else:
            await user.send("4")
        question = await user.expect(predicate=lambda m: "Photo 1 saved" not in (
            m.get("text") or ""))
    raise AssertionError("the checklist never reached the review")


async def test_non_cooperation_correction_order_and_paper_signature(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = await started(settings)
    try:
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path, targets=6)
        name = target_name(settings, team["target"])
        for user, verb in ((leader, "Start"), (member, "Continue")):
            home = await check_in(user, await open_card(user, name), verb)
            await user.press("▶️ Continue my checklist", home)
        await record_serious_non_cooperation(leader)
        await record_a_correction_order(member)
        for user in (member, leader):
            await user.press("✍️ Sign", await user.expect("Please sign", timeout=60))
        status, paper = await the_party_signs_on_paper(leader)
        text = await submit_and_read_the_record(leader, status, leader, tmp_path)
        for expected in ("不配合检查情节严重", "拒绝向检查人员或者其委托的专业机构提供相关材料的",
                         "负责人拒绝提供进货台账", "发现问题已责令改正", "芒卫责改〔2026〕12号",
                         hashlib.sha256(paper).hexdigest()):
            assert expected in text, expected
        detail = probe(settings, "SELECT result, detail FROM visit_items ORDER BY position")
        assert detail[0][0] == "noncooperation" and "refused_materials" in detail[0][1]
        assert detail[1][0] == "corrected" and "12号" in detail[1][1]
    finally:
        await runner.stop()


async def record_serious_non_cooperation(leader: EmulatedUser) -> None:
    """The leader's department: 不配合检查情节严重, of kind (二), with the circumstances."""
    review = await answer_checklist(leader, jpeg((1, 100, 1)))
    await leader.press("➡️ Results", review)
    result = await leader.expect("Result for")
    await leader.press("Serious failure to cooperate with the check", result)
    kinds = await leader.expect("Which kind of non-cooperation")
    assert "Refused to provide the relevant materials" in kinds["text"]
    await press_kind(leader, kinds, VisitNoncooperation, index=1)  # (二) refused_materials
    await leader.expect("Describe the circumstances")
    await leader.send("no")
    await leader.expect("Please write a little more")
    await leader.send("负责人拒绝提供进货台账，经两次说明仍拒绝")
    await leader.expect("Waiting for:")


async def record_a_correction_order(member: EmulatedUser) -> None:
    """The other department: 发现问题已责令改正, with the order given."""
    review = await answer_checklist(member, jpeg((100, 1, 1)))
    await member.press("➡️ Results", review)
    await member.press("Problems found, correction ordered", await member.expect("Result for"))
    await member.expect("Type the correction order given")
    await member.send("芒卫责改〔2026〕12号：三日内补办健康证明")
    await member.expect("Every item has its result")


async def the_party_signs_on_paper(leader: EmulatedUser) -> tuple[dict[str, Any], bytes]:
    """The party signs on paper; the photo is the signature: the signatures screen after
    it, and the photo."""
    status = await leader.expect("You signed.")
    await leader.press("📷 Photo of the signed paper record", status)
    await leader.expect("Send a photo of the paper record")
    await leader.send("signed")
    await leader.expect("A photo is needed here")
    paper = jpeg((240, 240, 240))
    await leader.send_photo(paper)
    return await leader.expect("The photo of the signed paper record is saved"), paper


# ------------------------------------------------------------------------ a stale Sign press

async def test_a_stale_sign_press_leaves_the_requests_to_sign_this_version_queued(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    """Refused as changed, the press still makes sure everyone who has not signed is asked
    to sign the current version: the requests are committed before the refusal."""
    runner = await started(settings)
    try:
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path, targets=6)
        name = target_name(settings, team["target"])
        await unreachable_shortcut(member, name)
        await member.send("the door is locked")
        await member.expect("A photo is needed here")
        await member.send_photo(jpeg((10, 10, 201)))
        await member.press("✅ Done", await member.expect("Photo 1 saved"))
        request = await leader.expect("Please sign the result summary", timeout=60)
        # The member's request is lost before it was queued (a request that never left).
        await behind_the_bot(settings, "DELETE FROM outbox WHERE dedupe_key LIKE 'sign:%:' || ?",
                             str(person_of(settings, member)))
        before = len([m for m in member.bot_messages() if "Please sign" in m.get("text", "")])
        stale = await leader.press_data(request, f"v1:vis:sg:{_visit(settings)}:0000000000000000")
        assert "record changed" in (await leader.answer(stale))["text"]
        await eventually(lambda: len([m for m in member.bot_messages()
                                      if "Please sign" in m.get("text", "")]) > before,
                         timeout=20)
    finally:
        await runner.stop()
