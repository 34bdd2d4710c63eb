"""Documents and recordings as evidence (issue 32), through the real Application against the
emulator: a checklist with a `file`, an `audio` and a `video` question is imported and
answered with a PDF, a voice message and a video; a wrong kind, a text, a file too large
for a bot to download and the same file twice are told apart; the submitted record's PDF
lists each file with its SHA-256; the office tries such a form in a practice run."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.emulator import EmulatedUser, Emulator
from bot.rules.evidence import MAX_DOWNLOAD
from bot.services.access import SYSTEM
from bot.services.imports import import_file
from bot.tg.app import BotRunner
from handlers import register
from storage.files import blob_path
from tests.conftest import TOKEN
from tests.support.forms import xlsform
from tests.support.helpers import button_labels, probe, submit_record
from tests.support.visits import drawn_team, jpeg, open_card, pdf_text, target_name

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
VOICE = b"OggS\x00\x02" + bytes(range(200)) * 20
VIDEO = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
ROUND = b"\x00\x00\x00\x18ftypisom" + bytes(reversed(range(256))) * 30
EVIDENCE = [
    ["file", "licence_scan", "许可证扫描件", "Scan of the licence", "yes", ""],
    ["audio", "statement", "负责人陈述录音", "Manager's statement", "yes", ""],
    ["video", "walkthrough", "经营场所视频", "Walk-through of the premises", "yes", ""],
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_a_document_a_voice_message_and_a_video_answer_their_questions(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        # A desk check (书面检查): nobody checks in, the party does not sign.
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path,
                                                     methods="书面检查")
        await forms_with_evidence_questions(runner, tmp_path)
        name = target_name(settings, team["target"])
        # (the list of the member's tasks first: the stray recordings' answers come after)
        listing = await member.expect("spot-check task", timeout=30)
        await a_stray_recording_is_not_taken(member)
        await leader.press("▶️ Start the visit", await open_card(leader, name))
        await leader.press("▶️ Continue my checklist", await leader.expect("Items:"))
        await the_licence_as_a_pdf(leader, emulator)
        await the_statement_as_a_voice_message(leader)
        review = await the_premises_on_video(leader)
        await no_problem_found(leader, review)
        await the_member_answers_his_item(member, name, listing)
        for user in (member, leader):
            await user.press("✍️ Sign", await user.expect("Please sign the result summary",
                                                         timeout=60))
            status = await user.expect("You signed.")
        await submit_record(leader, status)
        await leader.expect("Submitted.")
        document = await member.expect("Check record of", timeout=60)
        text = pdf_text(member.file_bytes(document["document"]["file_id"]), tmp_path)
        the_record_lists_each_file(text)
        the_database_keeps_each_file(runner)
    finally:
        await runner.stop()


async def forms_with_evidence_questions(runner: BotRunner, tmp_path: Path) -> None:
    """SC-001 asks for a document, a recording and a video; WS-001 one compliance
    question (so that the member's part is short)."""
    for path, rows, item in (
            (tmp_path / "evidence.xlsx", EVIDENCE, "SC-001"),
            (tmp_path / "hygiene.xlsx",
             [["select_one yn", "ok", "是否符合", "All in order?", "yes", ""]], "WS-001")):
        report = await import_file(runner.core, SYSTEM, xlsform(path, rows, item), path.name)
        assert report.ok, report.problems


async def a_stray_recording_is_not_taken(member: EmulatedUser) -> None:
    """A voice message, or a video, with no visit open goes where a stray photo goes."""
    await member.send_voice(VOICE)
    await member.expect("I wasn't expecting that here")
    await member.send_video(VIDEO)
    await member.expect("I wasn't expecting that here")


async def the_licence_as_a_pdf(leader: EmulatedUser, emulator: Emulator) -> None:
    """Nothing, a text, an archive, a voice message and a PDF too large for a bot to
    download are refused, saving nothing; a PDF is saved, and the same PDF again is
    recognised."""
    question = await leader.expect("Scan of the licence")
    assert "Send the document (PDF, image or office file), then tap Done." in question["text"]
    done = await leader.press("✅ Done", question)
    assert "A document is needed here" in (await leader.answer(done))["text"]
    await leader.send("it is on the wall")
    await leader.expect("A document is needed here")
    await leader.send_document(b"PK\x03\x04" + bytes(100), "photos.zip", "application/zip")
    refused = await leader.expect("That is not what this step takes")
    assert "A document is needed here" in refused["text"]
    await leader.send_voice(VOICE)
    await leader.expect("That is not what this step takes")
    await leader.send_document(PDF + bytes(MAX_DOWNLOAD), "scans.pdf", "application/pdf")
    await leader.expect("This file is larger than 20 MB, the most Telegram lets a bot download")
    sent = await leader.send_document(PDF, "report.pdf", "application/pdf")
    await leader.expect("📎 File 1 saved: report.pdf")
    # The same file once more (Telegram gives it the same file_unique_id): kept once.
    await emulator.user_message(leader.user, {"document": sent["document"]})
    saved = await leader.expect("This file was saved already.")
    await leader.press("✅ Done", saved)


async def the_statement_as_a_voice_message(leader: EmulatedUser) -> None:
    """A photo and a video are not recordings; a voice message is."""
    question = await leader.expect("Manager's statement")
    assert "Send a voice message or an audio file, then tap Done." in question["text"]
    await leader.send_photo(jpeg((10, 120, 10)))
    refused = await leader.expect("That is not what this step takes")
    assert "A recording is needed here" in refused["text"]
    await leader.send_video(VIDEO)
    await leader.expect("That is not what this step takes")
    await leader.send_voice(VOICE)
    await leader.press("✅ Done", await leader.expect("🎤 Recording 1 saved."))


async def the_premises_on_video(leader: EmulatedUser) -> dict[str, Any]:
    """A voice message and a text are refused; a video is saved, set aside (Retake), and a
    round video message saved instead: the review."""
    question = await leader.expect("Walk-through of the premises")
    assert "Send the video (or a round video message), then tap Done." in question["text"]
    await leader.send_voice(VOICE)
    refused = await leader.expect("That is not what this step takes")
    assert "A video is needed here" in refused["text"]
    await leader.send("the shop is small")
    await leader.expect("A video is needed here")
    await leader.send_video(VIDEO, "shop.mp4")
    await leader.press("🗑 Retake", await leader.expect("🎬 Video 1 saved."))
    await leader.expect("Walk-through of the premises")
    await leader.send_video_note(ROUND)
    await leader.press("✅ Done", await leader.expect("🎬 Video 1 saved."))
    review = await leader.expect("Review your answers")
    for shown in ("Scan of the licence: 📎 ×1", "Manager's statement: 🎤 ×1",
                  "Walk-through of the premises: 🎬 ×1"):
        assert shown in review["text"], shown
    return review


async def no_problem_found(user: EmulatedUser, review: dict[str, Any]) -> None:
    await user.press("➡️ Results", review)
    result = await user.expect("Result for")
    await user.press(next(b for b in button_labels(result) if b.endswith("No problem found")),
                     result)


async def the_member_answers_his_item(member: EmulatedUser, name: str,
                                      listing: dict[str, Any]) -> None:
    await member.press("▶️ Continue the visit", await open_card(member, name, listing))
    await member.press("▶️ Continue my checklist", await member.expect("Items:"))
    await member.press("Compliant", await member.expect("All in order?"))
    await no_problem_found(member, await member.expect("Review your answers"))


def the_record_lists_each_file(text: str) -> None:
    """Each file by its name, type, size and SHA-256; a recording is not played; the video
    set aside is not in the record."""
    squashed = re.sub(r"\s+", "", text)
    for expected in ("文件1个", "录音1段", "视频1段",
                     f"文件1：report.pdf·application/pdf·{len(PDF):,}字节",
                     f"文件1SHA-256{sha(PDF)}",
                     f"录音1：（无文件名）·audio/ogg·{len(VOICE):,}字节",
                     f"录音1SHA-256{sha(VOICE)}",
                     f"视频1：（无文件名）·video/mp4·{len(ROUND):,}字节",
                     f"视频1SHA-256{sha(ROUND)}", "本记录不播放"):
        assert expected in squashed, expected
    assert sha(VIDEO) not in squashed


def the_database_keeps_each_file(runner: BotRunner) -> None:
    """The evidence rows with their type, name and size (the retaken video kept, set
    aside); the bytes under their SHA-256; the record's content lists the files."""
    rows = probe(runner, "SELECT question, mime_type, file_name, file_size, sha256,"
                         " removed_at IS NOT NULL FROM evidence WHERE kind = 'answer'"
                         " ORDER BY id")
    assert rows == [
        ("licence_scan", "application/pdf", "report.pdf", len(PDF), sha(PDF), 0),
        ("statement", "audio/ogg", None, len(VOICE), sha(VOICE), 0),
        ("walkthrough", "video/mp4", "shop.mp4", len(VIDEO), sha(VIDEO), 1),
        ("walkthrough", "video/mp4", None, len(ROUND), sha(ROUND), 0)]
    for data in (PDF, VOICE, VIDEO, ROUND):
        assert blob_path(runner.core.settings.files_dir, sha(data)).read_bytes() == data
    assert probe(runner, "SELECT mime_type, size FROM files WHERE sha256 = ?", sha(PDF)) \
        == [("application/pdf", len(PDF))]
    (content,), = probe(runner, "SELECT content FROM records")
    items = json.loads(content)["content"]["items"]
    answers = {a["question"]: a for item in items for a in item["answers"]}
    assert answers["licence_scan"]["files"] == [
        {"sha256": sha(PDF), "name": "report.pdf", "mime": "application/pdf",
         "size": len(PDF)}]
    assert answers["statement"]["display"] == "录音 1 段"
    assert [f["sha256"] for f in answers["walkthrough"]["files"]] == [sha(ROUND)]
    assert answers["walkthrough"]["photos"] == []


async def test_the_office_tries_a_form_with_documents_and_recordings(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    """A practice run takes a document, a recording and a video as a visit does (checked
    the same way), counts them and keeps nothing."""
    from bot.demo import load_county
    from bot.rules.models import Role
    from tests.support.helpers import on_telegram

    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        await load_county(runner.core, tmp_path / "county", 5, 2, checklists=False)
        office = await on_telegram(runner, emulator, 61000, name="王芳", roles=[Role.OFFICE])
        form = xlsform(tmp_path / "e.xlsx", EVIDENCE, "SC-001").read_bytes()
        await office.send_document(form, "e.xlsx", caption="试填")
        scan = await office.expect("Scan of the licence")
        await office.send_voice(VOICE)
        await office.expect("That is not what this step takes")
        await office.send_document(PDF, "report.pdf", "application/pdf")
        counted = await office.expect("📎 File 1 received (a practice keeps no files).")
        assert "Scan of the licence" in counted["text"] and scan
        await office.press("✅ Done", counted)
        statement = await office.expect("Manager's statement")
        done = await office.press("✅ Done", statement)
        assert "A recording is needed here" in (await office.answer(done))["text"]
        await office.send_voice(VOICE)
        await office.press("✅ Done", await office.expect("File 1 received"))
        await office.expect("Walk-through of the premises")
        await office.send_document(PDF, "report.pdf", "application/pdf")
        await office.expect("A video is needed here")
        await office.send_video_note(ROUND)
        await office.press("✅ Done", await office.expect("File 1 received"))
        end = await office.expect("done. Nothing was recorded")
        assert "Manager's statement: 🎤 ×1" in end["text"]
        assert probe(runner, "SELECT COUNT(*) FROM files WHERE sha256 IN (?, ?, ?)",
                     sha(PDF), sha(VOICE), sha(ROUND)) == [(0,)]
        assert probe(runner, "SELECT COUNT(*) FROM checklists") == [(0,)]
    finally:
        await runner.stop()
