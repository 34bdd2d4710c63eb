"""On site, through the real Application against the emulator: check-in, the checklist with
skip logic and validation, photos, a restart mid-checklist, review and edit, results,
signatures (team, party by QR, paper, refusal with witness), submission and the PDF."""

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

from bot.config import Settings
from bot.emulator import EmulatedUser, Emulator
from bot.services import visits
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN, person
from tests.support.helpers import eventually, probe, submit_record
from tests.support.visits import drawn_team, jpeg, open_card, pdf_text, target_name


async def test_joint_visit_from_check_in_to_submitted_record(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    team, (leader, member), users = await drawn_team(runner, emulator, tmp_path)
    name = target_name(settings, team["target"])
    card = await open_card(leader, name)

    # Check-in with the location from the reply keyboard.
    await leader.press("▶️ Start the visit", card)
    await leader.expect("Check-in")
    assert "📍 Share my location" in leader.reply_keyboard()
    await leader.share_location(24.4331, 98.5853)
    await leader.expect("Checked in at 24.43310, 98.58530")
    home = await leader.expect("Items:")
    assert "0/5 answered" in home["text"]  # SC-001: 5 questions relevant before any answer
    await leader.press("▶️ Continue my checklist", home)

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

    # The bot restarts in the middle of the checklist: the person resumes at the same question.
    await runner.stop()
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        await leader.send("/tasks")
        listing = await leader.expect("Your open tasks")
        await leader.press(next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                                for b in row if name[:20] in b["text"]), listing)
        card = await leader.expect("Items to check")
        await leader.press("▶️ Continue the visit", card)
        home = await leader.expect("Items:")
        assert "3/7 answered" in home["text"]
        await leader.press("▶️ Continue my checklist", home)
        premises = await leader.expect("Premises match")
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
        # Edit during review: premises becomes compliant.
        await leader.press("✏️ 1.4", review)
        edit = await leader.expect("Premises match")
        assert "Current answer: Non-compliant" in edit["text"]
        await leader.press("Compliant", edit)
        review = await leader.expect("Saved.")
        assert "Non-compliant" not in review["text"]
        await leader.press("➡️ Results", review)
        result = await leader.expect("Result for")
        assert "Suggested from the answers: No problem found" in result["text"]
        await leader.press("⭐ No problem found", result)
        await leader.expect("Waiting for:")

        # The other department's member answers their own item, skipping the check-in.
        card = await open_card(member, name)
        await member.press("▶️ Continue the visit", card)  # the leader started it
        await member.expect("Check-in")
        await member.send("⏭ Skip check-in")
        await member.expect("Why can you not share")
        await member.send("no GPS signal indoors")
        await member.expect("Check-in recorded without a location")
        home = await member.expect("Items:")
        await member.press("▶️ Continue my checklist", home)
        # WS-001 has its own checklist: the hygiene licence, then health certificates,
        # disinfection and the number of beds.
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
        review = await member.expect("Review your answers")
        await member.press("➡️ Results", review)
        result = await member.expect("Result for")
        assert "Problems found" in result["text"]
        await member.press("⭐ Problems found, pending further handling", result)
        await member.press("Rectification within a time limit",
                           await member.expect("What follows"))
        due = await member.expect("by when must it be done?")
        assert "In 7 days: " in due["reply_markup"]["inline_keyboard"][0][0]["text"]
        await member.send("2020-02-02")
        await member.expect("The due date must be after today")
        await member.press(due["reply_markup"]["inline_keyboard"][0][0]["text"], due)
        owner = await member.expect("Who follows it up?")
        await member.press(owner["reply_markup"]["inline_keyboard"][1][0]["text"], owner)
        await member.expect("Every item has its result")

        # Each member signs in their own chat; the leader then gets the party signed by QR.
        for user in (member, leader):
            request = await user.expect("Please sign the result summary", timeout=60)
            assert "No problem found" in request["text"]
            await user.press("✍️ Sign", request)
        signatures = await leader.expect("You signed.")
        assert "⏳ The inspected party has not signed yet." in signatures["text"]
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
        # Nobody registered may sign as the party: not the leader with his own link.
        await leader.open_link(link.group(0))
        await leader.expect("cannot sign for the inspected party")
        assert probe(settings, "SELECT COUNT(*) FROM audit_log"
                               " WHERE action = 'visit.party_link_refused'") == [(1,)]
        party = person(emulator, "店长 陈")
        await party.open_link(link.group(0))
        summary = await party.expect("检查记录")
        assert name in summary["text"] and "未发现问题" in summary["text"]
        # The same link is of no use to anyone else.
        other = person(emulator, "路人")
        await other.open_link(link.group(0))
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
        confirm = next(b["callback_data"] for row in check["reply_markup"]["inline_keyboard"]
                       for b in row if b["text"] == "✅ 确认并签名")
        forged = await party.press_data(check, confirm[:-16] + "0" * 16)
        assert "失效" in (await party.answer(forged))["text"]
        assert probe(settings, "SELECT COUNT(*) FROM signatures WHERE kind = 'party'") == [(0,)]
        await party.press("✅ 确认并签名", check)
        await party.expect("谢谢")
        await party.open_link(link.group(0))
        await party.expect("此签字链接已被使用")
        told = await leader.expect("The party signed the record", timeout=60)
        await leader.press("✍️ Signatures and submission", told)
        status = await leader.expect("Result summary")
        await submit_record(leader, status)
        await leader.expect("Submitted.")

        # The PDF reaches the team; it holds the target, every answer and the results.
        documents = []
        for user in (leader, member):
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
        assert hashlib.sha256(first).hexdigest() in squashed
        # A second submission is refused; the record is frozen.
        again = await leader.press_data(status, status["reply_markup"]["inline_keyboard"][-2][0]
                                        ["callback_data"])
        assert "submitted already" in (await leader.answer(again))["text"]
        rows = probe(settings, "SELECT k.status, r.version, r.record_hash, v.status FROM tasks k"
                     " JOIN records r ON r.task_id = k.id JOIN visits v ON v.task_id = k.id"
                     " WHERE k.target_code = ?", team["target"])
        assert rows[0][0] == "submitted" and rows[0][1] == 1 and rows[0][3] == "submitted"
        assert rows[0][2][:16] in text.replace("\n", "")
        photos = probe(settings, "SELECT sha256, file_unique_id, taken_by FROM evidence"
                       " WHERE kind = 'answer' ORDER BY id")
        assert [p[0] for p in photos] == [hashlib.sha256(first).hexdigest(),
                                         hashlib.sha256(second).hexdigest()]
        assert all(p[1] for p in photos)
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
        # The answers of a frozen record cannot change any more.
        stale = await leader.press_data(premises, premises["reply_markup"]["inline_keyboard"][0]
                                        [0]["callback_data"])
        assert "submitted already" in (await leader.answer(stale))["text"]
    finally:
        await runner.stop()
    assert users


async def test_refusal_with_witness_shortcuts_and_refusals(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        team, (leader, member), users = await drawn_team(runner, emulator, tmp_path,
                                                         targets=20, busy_leader=True)
        teams = (await _teams(settings))
        name = target_name(settings, team["target"])
        listing = await leader.expect("spot-check task", timeout=30)
        # The leader's other task: a visit begun there leaves messages of that task behind.
        other_button = next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                            for b in row if name[:20] not in b["text"])
        await leader.press(other_button, listing)
        await leader.press("▶️ Start the visit", await leader.expect("Items to check"))
        await leader.share_location(24.4, 98.5)
        other_home = await leader.expect("Items:")
        await leader.press(next(b["text"] for row in listing["reply_markup"]["inline_keyboard"]
                                for b in row if name[:20] in b["text"]), listing)
        card = await leader.expect("Items to check")
        # Someone not on the team cannot start the visit (a forged button).
        outsider = next(u for c, u in users.items()
                        if c not in {m["inspector"] for m in team["members"]})
        await outsider.send("/help")
        hello = await outsider.expect()
        forged = await outsider.press_data(hello, f"v1:vis:st:{teams[team['target']]}")
        assert "not yours" in (await outsider.answer(forged))["text"]
        assert probe(settings, "SELECT COUNT(*) FROM visits WHERE task_id = ?",
                     teams[team["target"]]) == [(0,)]

        # The shortcut: 未发现开展本次抽查涉及的经营活动, with a photo.
        await leader.press("▶️ Start the visit", card)
        await leader.expect("Check-in")
        await leader.share_location(24.4, 98.5)
        home = await leader.expect("Items:")
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
        # The member's home no longer offers the checklist's first screen shortcuts.
        requests = {}
        for user in (leader, member):
            requests[user.id] = await user.expect("Please sign the result summary", timeout=60)
            assert "未发现开展本次抽查涉及的经营活动" in requests[user.id]["text"] or \
                "No business activity" in requests[user.id]["text"]
        # Refusal with witness, by the leader only.
        await member.press("✍️ Sign", requests[member.id])
        status = await member.expect("You signed.")
        assert "Party signs" not in str(status.get("reply_markup"))
        forged = await member.press_data(status, f"v1:vis:pr:{_visit(settings)}")
        assert "Only the one who acts for the team" in (await member.answer(forged))["text"]
        await leader.press("✍️ Sign", requests[leader.id])
        status = await leader.expect("You signed.")
        # A stale button (an old version's Sign) is refused politely.
        stale = await leader.press_data(status, f"v1:vis:sg:{_visit(settings)}:0000000000000000")
        assert "record changed" in (await leader.answer(stale))["text"]
        # A QR link not used within 30 minutes expires.
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
        await leader.press("🚫 The party refuses to sign", status)
        await leader.expect("Why is there no signature")
        await leader.send("负责人拒绝签字")
        await leader.expect("Name of the witness")
        await leader.send("王某（社区网格员）")
        witness = await leader.expect("If the witness signed on paper")
        # A photo replying to a question of another task is refused.
        # A photo sent as a reply to a message of the other task is refused, not misfiled.
        await leader.send_photo(jpeg((5, 5, 5)), reply_to=other_home)
        await leader.expect("another task")
        await leader.press("Continue without a photo", witness)
        status = await leader.expect("The refusal and the witness are recorded")
        assert "王某" in status["text"]
        await submit_record(leader, status)
        await leader.expect("Submitted.")
        document = await leader.expect("Check record of", timeout=60)
        text = re.sub(r"\s+", "", pdf_text(leader.file_bytes(document["document"]["file_id"]),
                                           tmp_path))
        for expected in ("未发现开展本次抽查涉及的经营活动", "负责人拒绝签字",
                         "王某（社区网格员）"):
            assert expected in text, expected
        refusal = probe(settings, "SELECT kind, reason, witness FROM signatures"
                        " WHERE kind = 'party_refused'")
        assert refusal == [("party_refused", "负责人拒绝签字", "王某（社区网格员）")]
        assert probe(settings, "SELECT COUNT(*) FROM evidence WHERE kind = 'shortcut'") == [(1,)]
    finally:
        await runner.stop()


async def _teams(settings: Settings) -> dict[str, int]:
    return {code: task_id for task_id, code in probe(settings,
                                                      "SELECT id, target_code FROM tasks")}


def _visit(settings: Settings) -> int:
    return int(probe(settings, "SELECT MAX(id) FROM visits")[0][0])


async def unreachable_shortcut(member: EmulatedUser, name: str) -> dict[str, Any]:
    """Start the visit of `name`, check in, take the shortcut "cannot be contacted at the
    address": its screen."""
    await member.press("▶️ Start the visit", await open_card(member, name))
    await member.expect("Check-in")
    await member.share_location(24.4, 98.5)
    await member.press("🚪 Cannot be contacted at the address", await member.expect("Items:"))
    return await member.expect("Result for every item")


async def test_unreachable_shortcut_needs_no_party_signature(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path, targets=6)
        name = target_name(settings, team["target"])
        shortcut = await unreachable_shortcut(member, name)
        assert "Cannot be contacted" in shortcut["text"]
        await member.send("the door is locked")
        await member.expect("A photo is needed here")
        # A spreadsheet where a photo is needed: told so, not sent to the office's import.
        await member.send_document(b"a,b\n1,2\n", "list.csv", "text/csv")
        refused = await member.expect("This step needs a photo")
        assert "office" not in refused["text"]
        await member.send_photo(jpeg((10, 10, 200)))
        await member.press("✅ Done", await member.expect("Photo 1 saved"))
        await member.expect("Every item has its result")
        # The leader opens the visit too and is offered the check-in, but never uses it.
        await leader.press("▶️ Continue the visit", await open_card(leader, name))
        await leader.expect("Check-in")
        assert "📍 Share my location" in leader.reply_keyboard()
        # The request (outbox) and the check-in (a reply) come in either order. The member
        # signs first (and is told so), then the leader, whose status then offers Submit.
        request = await member.find("Please sign the result summary", timeout=60)
        await member.press("✍️ Sign", request)
        member_status = await member.expect("You signed.")
        request = await leader.find("Please sign the result summary", timeout=60)
        await leader.press("✍️ Sign", request)
        status = await leader.expect("You signed.")
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
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path, targets=6)
        name = target_name(settings, team["target"])
        for user, verb in ((leader, "Start"), (member, "Continue")):
            await user.press(f"▶️ {verb} the visit", await open_card(user, name))
            await user.expect("Check-in")
            await user.share_location(24.4, 98.5)
            await user.press("▶️ Continue my checklist", await user.expect("Items:"))
        # The leader's department: 不配合检查情节严重, of kind (二), with the circumstances.
        review = await answer_checklist(leader, jpeg((1, 100, 1)))
        await leader.press("➡️ Results", review)
        result = await leader.expect("Result for")
        await leader.press("Serious failure to cooperate with the check", result)
        kinds = await leader.expect("Which kind of non-cooperation")
        assert "Refused to provide the relevant materials" in kinds["text"]
        await leader.press(kinds["reply_markup"]["inline_keyboard"][1][0]["text"], kinds)
        await leader.expect("Describe the circumstances")
        await leader.send("no")
        await leader.expect("Please write a little more")
        await leader.send("负责人拒绝提供进货台账，经两次说明仍拒绝")
        await leader.expect("Waiting for:")
        # The other department: 发现问题已责令改正, with the order given.
        review = await answer_checklist(member, jpeg((100, 1, 1)))
        await member.press("➡️ Results", review)
        await member.press("Problems found, correction ordered", await member.expect("Result for"))
        await member.expect("Type the correction order given")
        await member.send("芒卫责改〔2026〕12号：三日内补办健康证明")
        await member.expect("Every item has its result")
        for user in (member, leader):
            await user.press("✍️ Sign", await user.expect("Please sign", timeout=60))
        status = await leader.expect("You signed.")
        # The party signs on paper; the photo is the signature.
        await leader.press("📷 Photo of the signed paper record", status)
        await leader.expect("Send a photo of the paper record")
        await leader.send("signed")
        await leader.expect("A photo is needed here")
        paper = jpeg((240, 240, 240))
        await leader.send_photo(paper)
        status = await leader.expect("The photo of the signed paper record is saved")
        await submit_record(leader, status)
        await leader.expect("Submitted.")
        document = await leader.expect("Check record of", timeout=60)
        text = re.sub(r"\s+", "", pdf_text(leader.file_bytes(document["document"]["file_id"]),
                                           tmp_path))
        for expected in ("不配合检查情节严重", "拒绝向检查人员或者其委托的专业机构提供相关材料的",
                         "负责人拒绝提供进货台账", "发现问题已责令改正", "芒卫责改〔2026〕12号",
                         hashlib.sha256(paper).hexdigest()):
            assert expected in text, expected
        detail = probe(settings, "SELECT result, detail FROM visit_items ORDER BY position")
        assert detail[0][0] == "noncooperation" and "refused_materials" in detail[0][1]
        assert detail[1][0] == "corrected" and "12号" in detail[1][1]
    finally:
        await runner.stop()


async def test_a_stale_sign_press_leaves_the_requests_to_sign_this_version_queued(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    """Refused as changed, the press still makes sure everyone who has not signed is asked
    to sign the current version: the requests are committed before the refusal."""
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
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
        with sqlite3.connect(settings.db_path) as conn:
            conn.execute("DELETE FROM outbox WHERE dedupe_key LIKE 'sign:%:' || ?",
                         (str(probe(settings, "SELECT person_id FROM telegram_accounts"
                                              " WHERE tg_user_id = ?", member.id)[0][0]),))
        before = len([m for m in member.bot_messages() if "Please sign" in m.get("text", "")])
        stale = await leader.press_data(request, f"v1:vis:sg:{_visit(settings)}:0000000000000000")
        assert "record changed" in (await leader.answer(stale))["text"]
        await eventually(lambda: len([m for m in member.bot_messages()
                                      if "Please sign" in m.get("text", "")]) > before,
                         timeout=20)
    finally:
        await runner.stop()
