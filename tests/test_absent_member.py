"""No team is blocked by someone who is not there: the leader is told before anything is
recorded, answers the absent member's items, prints the draft record, records the
member's signature on paper with a photo, and submits; the others are told the visit
began, and a member whose items wait sees it in /tasks."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

from bot.emulator import Emulator
from bot.tg.app import BotRunner
from tests.support.absent import drawn_team, name_of, register
from tests.support.helpers import first_task_card, probe, submit_record
from tests.support.visits import jpeg


def pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return "".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout.split())


async def test_a_team_with_an_unregistered_member_submits_with_a_paper_signature(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    members = await drawn_team(bot, tmp_path)
    leader_cert = next(str(m["inspector"]) for m in members if m["leader"])
    absent_cert = next(str(m["inspector"]) for m in members if not m["leader"])
    absent_name = name_of(bot, absent_cert)
    leader = await register(bot, emulator, leader_cert, "leader")
    card = await first_task_card(leader)

    # Told before anything is recorded; "Not now" records nothing.
    await leader.press("▶️ Start the visit", card)
    warning = await leader.expect("Before you start the visit")
    assert absent_name in warning["text"] and "is not registered in Choucha" in warning["text"]
    assert "Nothing has been recorded yet" in warning["text"]
    assert probe(bot, "SELECT COUNT(*) FROM visits") == [(0,)]
    await leader.press("Not now", warning)
    # Marked as left by a directory import (在岗状态 离职): said so, not "not registered".
    with sqlite3.connect(bot.settings.db_path) as conn:
        conn.execute("UPDATE people SET active = 0 WHERE id = (SELECT person_id FROM"
                     " inspectors WHERE cert_no = ?)", (absent_cert,))
    await leader.press("▶️ Start the visit", card)
    warning = await leader.expect("Before you start the visit")
    assert f"{absent_name} " in warning["text"]
    assert "is no longer in the directory" in warning["text"]
    assert "is not registered" not in warning["text"]
    with sqlite3.connect(bot.settings.db_path) as conn:
        conn.execute("UPDATE people SET active = 1 WHERE id = (SELECT person_id FROM"
                     " inspectors WHERE cert_no = ?)", (absent_cert,))
    await leader.press("Not now", warning)
    await leader.press("▶️ Start the visit", card)
    warning = await leader.expect("Before you start the visit")
    await leader.press("▶️ Start anyway", warning)
    await leader.expect("Check-in")
    await leader.share_location(24.43, 98.58)
    home = await leader.expect("Items:")
    assert "Not reachable in Choucha" in home["text"] and absent_name in home["text"]
    # The absent member's item (WS-001) falls to the leader.
    assert probe(bot, "SELECT COUNT(DISTINCT answerer) FROM visit_items") == [(1,)]

    # Results for both items.
    await leader.press("▶️ Continue my checklist", home)
    await leader.press("➡️ Results", await leader.expect("Review your answers"))
    for _ in range(2):
        await leader.press("No problem found", await leader.expect("Result for"))
    signatures_button = await leader.expect(predicate=lambda m: any(
        b.get("text") == "✍️ Signatures and submission"
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row))
    await leader.press("✍️ Signatures and submission", signatures_button)
    screen = await leader.expect("Result summary")

    # The draft to print: marked 草稿/待签 with the content hash, a line for the member.
    await leader.press("📄 Print the record (draft, to sign)", screen)
    draft = await leader.expect(predicate=lambda m: "document" in m, timeout=30)
    text = pdf_text(leader.file_bytes(draft["document"]["file_id"]), tmp_path, "draft.pdf")
    assert "草稿·待签" in text and absent_name in text and "签名：" in text
    content_hash = draft["caption"].split("content hash ")[1].split(".")[0].strip()
    assert content_hash in text

    await leader.press("✍️ Sign", screen)
    screen = await leader.expect("You signed")
    await leader.press(f"📄 {absent_name} signed on paper", screen)
    await leader.expect(f"with {absent_name}'s signature")
    await leader.send_photo(jpeg((200, 200, 200)))
    screen = await leader.expect("signature on the paper record is saved")
    assert "on paper" in screen["text"]
    await leader.press("📷 Photo of the signed paper record", screen)
    await leader.expect("Send a photo of the paper record")
    await leader.send_photo(jpeg((180, 180, 180)))
    screen = await leader.expect("The photo of the signed paper record is saved")
    await submit_record(leader, screen)
    await leader.expect("Submitted", timeout=30)
    record = await leader.expect(predicate=lambda m: "document" in m, timeout=60)
    final = pdf_text(leader.file_bytes(record["document"]["file_id"]), tmp_path, "record.pdf")
    assert f"检查人员{absent_name}在纸质记录上签名（纸质签名" in final
    assert probe(bot, "SELECT kind, recorded_by IS NOT NULL FROM signatures ORDER BY id") == [
        ("member", 0), ("member_paper", 1), ("party_paper", 0)]


async def test_members_are_told_the_visit_began_and_see_what_waits(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    members = await drawn_team(bot, tmp_path, "11")
    leader_cert = next(str(m["inspector"]) for m in members if m["leader"])
    other_cert = next(str(m["inspector"]) for m in members if not m["leader"])
    leader = await register(bot, emulator, leader_cert, "leader")
    other = await register(bot, emulator, other_cert, "member")
    await leader.press("▶️ Start the visit", await first_task_card(leader))
    await leader.expect("Check-in")  # everyone registered: no warning
    told = await other.expect("has started the visit of", timeout=30)
    assert "Your part:" in told["text"]
    await other.send("/tasks")
    tasks = await other.expect("Your open tasks")
    assert "the visit is under way and 1 item waits for you" in tasks["text"]
    await other.press("▶️ My part of the visit", told)
    await other.expect("Check-in")


async def test_a_member_whose_leader_is_not_registered_finishes_the_visit(
        bot: BotRunner, emulator: Emulator, tmp_path: Path) -> None:
    members = await drawn_team(bot, tmp_path)
    leader_cert = next(str(m["inspector"]) for m in members if m["leader"])
    member_cert = next(str(m["inspector"]) for m in members if not m["leader"])
    leader_name = name_of(bot, leader_cert)
    member = await register(bot, emulator, member_cert, "member")
    await member.press("▶️ Start the visit", await first_task_card(member))
    warning = await member.expect("Before you start the visit")
    assert leader_name in warning["text"]
    await member.press("▶️ Start anyway", warning)
    await member.expect("Check-in")
    await member.share_location(24.43, 98.58)
    home = await member.expect("Items:")
    # Told at once that they act for the team, and why.
    assert f"The leader, {leader_name}, cannot be reached in Choucha" in home["text"]
    await member.press("▶️ Continue my checklist", home)
    await member.press("➡️ Results", await member.expect("Review your answers"))
    for _ in range(2):
        await member.press("No problem found", await member.expect("Result for"))
    button = await member.expect(predicate=lambda m: any(
        b.get("text") == "✍️ Signatures and submission"
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", []) for b in row))
    await member.press("✍️ Signatures and submission", button)
    screen = await member.expect("Result summary")
    assert "Read the summary above, then sign it" in screen["text"]
    await member.press("✍️ Sign", screen)
    screen = await member.expect("You signed")
    assert "Collect the missing signatures" in screen["text"]
    # The member records the unregistered leader's paper signature, then the party's.
    await member.press(f"📄 {leader_name} signed on paper", screen)
    await member.expect(f"with {leader_name}'s signature")
    await member.send_photo(jpeg((200, 200, 200)))
    screen = await member.expect("signature on the paper record is saved")
    await member.press("📷 Photo of the signed paper record", screen)
    await member.send_photo(jpeg((180, 180, 180)))
    screen = await member.expect("The photo of the signed paper record is saved")
    assert "Everyone has signed: submit the record" in screen["text"]
    await submit_record(member, screen)
    await member.expect("Submitted", timeout=30)
    assert probe(bot, "SELECT kind FROM signatures ORDER BY id") == [
        ("member",), ("member_paper",), ("party_paper",)]
    assert ("submitted",) in probe(bot, "SELECT status FROM tasks")
