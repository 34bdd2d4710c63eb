"""检查方式 (issue 32): how an item is checked, read from the item list's words and set by a
plan; a visit with no on-site item asks for no check-in and no party's signature, and its
record, PDF and publication say how it was checked and why the party did not sign."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from bot.clock import now as clock_now
from bot.config import Settings
from bot.core import Core
from bot.demo import joint_plan, load_county
from bot.emulator import Emulator
from bot.emulator.server import EmulatorServer
from bot.rules.methods import CheckMethod, method_named, methods_of, plan_methods
from bot.services import publication
from bot.services.access import SYSTEM
from bot.services.imports import import_file
from bot.site.build import build
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN
from tests.support.helpers import behind_the_bot, probe, submit_record
from tests.support.publication import channel_post
from tests.support.visits import drawn_team, jpeg, open_card, pdf_text, target_name

ON_SITE, DOCUMENTS, ONLINE, DELEGATED = (CheckMethod.ON_SITE, CheckMethod.DOCUMENTS,
                                         CheckMethod.ONLINE, CheckMethod.DELEGATED)


@pytest.mark.parametrize(("text", "found"), [
    ("实地核查、书面检查", (ON_SITE, DOCUMENTS)),
    ("书面检查", (DOCUMENTS,)),
    ("现场检查", (ON_SITE,)),
    ("网络监测", (ONLINE,)),
    ("网上检查，必要时实地核查", (ONLINE, ON_SITE)),
    ("委托第三方检测机构抽样检验", (DELEGATED,)),
    ("双随机抽查", (ON_SITE,)),  # names none: on site, 003 第二十条
    ("非现场检查", (DOCUMENTS,)),  # off-site: not on site
    ("不进行现场检查，采取书面检查", (DOCUMENTS,)),
    ("Check documents on site", (ON_SITE,)),
    ("helpdesk records", (ON_SITE,)),
    ("检测报告审查", (ON_SITE,)),  # what is checked, not who checks it
    ("线上检查、远程视频检查", (ONLINE,)),
    ("", (ON_SITE,)),
])
def test_the_words_of_the_lists_name_their_methods(text: str,
                                                   found: tuple[CheckMethod, ...]) -> None:
    assert methods_of(text) == found


def test_a_plans_cell_names_one_method_per_item() -> None:
    assert plan_methods("书面检查") == {"*": "书面检查"}
    assert plan_methods("SC-001:书面检查；WS-001：网络监测\n") == {
        "SC-001": "书面检查", "WS-001": "网络监测"}
    assert method_named("书面检查") == DOCUMENTS and method_named("online") == ONLINE
    assert method_named("实地核查、书面检查") is None and method_named("抽查") is None


async def test_a_plan_with_a_method_it_cannot_read_is_not_loaded(core: Core,
                                                                  tmp_path: Path) -> None:
    """All or nothing, row by row: a cell naming no method, or two, and an item not the
    plan's, each reported; nothing of the file is stored. A good cell is stored and exported
    as it reads."""
    files = await load_county(core, tmp_path / "county", 20, 4, checklists=False)
    dates = ("2026-04-15", "2026-04-20", "2026-06-30")
    path = tmp_path / "plans.csv"
    header = files["plans"].read_text("utf-8").splitlines()[0]
    rows = [joint_plan("书面计划", "SC-001、WS-001", "WSJKJ", dates, methods="看一看"),
            joint_plan("两种方式", "SC-001", "WSJKJ", dates, methods="实地核查、书面检查"),
            joint_plan("别的事项", "SC-001", "WSJKJ", dates, methods="WS-001:书面检查"),
            joint_plan("好的计划", "SC-001、WS-001", "WSJKJ", dates,
                       methods="SC-001:网络监测；WS-001:现场检查")]
    path.write_text(header + "\n" + "\n".join(",".join(r) for r in rows) + "\n", "utf-8")
    report = await import_file(core, SYSTEM, path, path.name, "plans")
    assert not report.ok
    assert sorted((p.row, p.value) for p in report.problems) == [
        (2, "看一看"), (3, "实地核查、书面检查"), (4, "WS-001")]
    assert probe(core, "SELECT COUNT(*) FROM plans WHERE name IN ('书面计划', '两种方式',"
                       " '别的事项', '好的计划')") == [(0,)]
    path.write_text(header + "\n" + ",".join(rows[-1]) + "\n", "utf-8")
    assert (await import_file(core, SYSTEM, path, path.name, "plans")).ok
    assert probe(core, "SELECT i.code, pi.method FROM plan_items pi JOIN items i"
                       " ON i.id = pi.item_id JOIN plans p ON p.id = pi.plan_id"
                       " WHERE p.name = '好的计划' ORDER BY i.code") == [
        ("SC-001", "online"), ("WS-001", "on_site")]


async def test_a_desk_check_has_no_check_in_and_no_party_signature(
        channel_settings: Settings, emulator: Emulator, tmp_path: Path) -> None:
    settings = dataclasses.replace(channel_settings,
                                   objection="异议请于十个工作日内向芒市市场监督管理局提出。")
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    try:
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path,
                                                     methods="书面检查")
        name = target_name(settings, team["target"])
        card = await open_card(leader, name)
        assert card["text"].count("Desk check of documents") == 2
        # Started: no check-in is asked; the first screen says why.
        await leader.press("▶️ Start the visit", card)
        home = await leader.expect("Items:")
        assert "not on the party's premises" in home["text"] and "Check-in" not in home["text"]
        assert leader.reply_keyboard() == []
        assert probe(settings, "SELECT DISTINCT method FROM visit_items") == [("documents",)]
        # The plan changed since (an import): the card shows each item as the visit fixed
        # it, not as the plan says now.
        await behind_the_bot(settings, "UPDATE plan_items SET method = 'on_site'")
        await leader.send("/tasks")
        again = await open_card(leader, name, await leader.expect("Your open tasks"))
        assert again["text"].count("Desk check of documents") == 2
        await leader.press("🏚 No such business activity", home)
        await leader.expect("Result for every item")
        await leader.send_photo(jpeg((90, 90, 90)))
        await leader.press("✅ Done", await leader.expect("Photo 1 saved"))
        for user in (member, leader):  # (one after the other: the last sees both)
            await user.press("✍️ Sign", await user.expect("Please sign the result summary",
                                                         timeout=60))
            status = await user.expect("You signed.")
        assert "no signature of the party is needed" in status["text"]
        assert "Nobody was on the party's premises" in status["text"]
        # Submitted without the party: the record says how it was checked and why.
        await submit_record(leader, status)
        await leader.expect("Submitted.")
        document = await member.expect("Check record of", timeout=60)
        text = re.sub(r"\s+", "", pdf_text(member.file_bytes(document["document"]["file_id"]),
                                           tmp_path))
        assert "检查方式：书面检查" in text
        assert "本次以书面检查方式检查，检查人员未到被检查对象场所，无当事人现场签字。" in text
        assert "无法联系" not in text and "签到：" not in text
        assert probe(settings, "SELECT COUNT(*) FROM visit_checkins") == [(0,)]
        # The party is told (000 二(六)): the 检查结果告知书 to the leader, to print or
        # forward; the result in its legal wording, how it was checked, how to object (the
        # office's words), and the record's hash; nothing the party did not see.
        notice = await leader.expect("检查结果告知书 for", timeout=60)
        assert notice["document"]["file_name"].startswith("notice-")
        told = re.sub(r"\s+", "", pdf_text(leader.file_bytes(notice["document"]["file_id"]),
                                            tmp_path))
        [(record_hash,)] = probe(settings, "SELECT record_hash FROM records")
        assert "检查结果告知书" in told and name in told and "以书面检查方式" in told
        assert told.count("检查结果：未发现开展本次抽查涉及的经营活动") == 2
        assert "异议请于十个工作日内向芒市市场监督管理局提出" in told
        assert record_hash in told and "照片" not in told
        # Published: the channel and the publication say 书面检查.
        [(task_id,)] = probe(settings, "SELECT task_id FROM records")
        await publication.publish(runner.core, SYSTEM, [task_id], clock_now())
        post = await channel_post(emulator, name)
        assert "书面检查" in post["text"]
        [(content,)] = probe(settings, "SELECT content FROM publications")
        assert [i["method"] for i in json.loads(content)["items"]] == ["书面检查"] * 2
        # And on the public site, beside each item's result.
        await build(runner.core, tmp_path / "site")
        results = next((tmp_path / "site/plans").glob("*/results-1.html")).read_text()
        assert results.count("（书面检查）：") == 2 and name in results
    finally:
        await runner.stop()


def _pdf(text: str) -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


async def test_the_party_sends_its_documents_by_link(
        settings: Settings, server: EmulatorServer, emulator: Emulator,
        tmp_path: Path) -> None:
    """A desk check: who acts for the team gives the party a link; the party opens it in a
    browser, without Telegram, and sends its documents once; they are kept by content,
    the team is told, and the record lists them with their SHA-256."""
    runner = BotRunner(dataclasses.replace(settings, public_url=server.url), TOKEN, register)
    server.app.add_handlers(r".*", runner.webapp_routes())
    await runner.start(webhook=False, poll_timeout=1, serve_webapp=False)
    try:
        team, (leader, member), _ = await drawn_team(runner, emulator, tmp_path,
                                                     methods="书面检查")
        name = target_name(settings, team["target"])
        await leader.press("▶️ Start the visit", await open_card(leader, name))
        home = await leader.expect("Items:")
        await leader.press("📨 Ask the party for its documents (link)", home)
        shown = await leader.expect("Send this link to the party")
        url = re.search(r"http://\S+/u/[A-Za-z0-9_-]+", shown["text"])
        assert url is not None and "until" in shown["text"]
        link = url.group(0)
        async with httpx.AsyncClient(headers={"Accept-Language": "en-US,en;q=0.8"}) as client:
            page = await client.get(link, headers={"Accept-Language": "zh-CN"})
            assert page.status_code == 200 and name in page.text
            assert "食品经营许可及经营条件检查" in page.text and 'type="file"' in page.text
            assert page.text.startswith("<!doctype html>") and 'lang="zh-CN"' in page.text
            assert "script-src" not in page.headers["Content-Security-Policy"]
            assert "<script" not in page.text
            # Not a document: refused, nothing kept, the link still serves.
            refused = await client.post(link, files={"files": ("run.exe", b"MZ\x90\x00",
                                                                "application/x-msdownload")})
            assert refused.status_code == 400 and "run.exe" in refused.text
            # What the browser declares is not believed: a program named .pdf is refused.
            disguised = await client.post(link, files={"files": (
                "payload.pdf", b"MZ\x90\x00", "application/pdf")})
            assert disguised.status_code == 400 and "payload.pdf" in disguised.text
            # A sending that cannot be read is refused politely (no closing boundary).
            torn = await client.post(link, content=b"--x\r\nContent-Disposition: form-data;"
                                     b' name="files"; filename="a.pdf"\r\n\r\n%PDF',
                                     headers={"Content-Type":
                                              "multipart/form-data; boundary=x"})
            assert torn.status_code == 400 and "could not be read" in torn.text
            assert probe(settings, "SELECT COUNT(*) FROM materials") == [(0,)]
            sent = [("files", ("营业执照.pdf", _pdf("licence"), "image/svg+xml")),
                    ("files", ("台账.xlsx", b"PK\x03\x04 ledger", "application/octet-stream"))]
            receipt = await client.post(link, files=sent)
            assert receipt.status_code == 200 and "营业执照.pdf" in receipt.text
            digests = [hashlib.sha256(data).hexdigest() for _, (_, data, _) in sent]
            assert all(d in receipt.text for d in digests)
            again = await client.post(link, files=sent[:1])
            assert again.status_code == 410
            unknown = await client.get(link[:-4] + "AAAA")
            assert unknown.status_code == 404
        assert probe(settings, "SELECT name, sha256 FROM materials ORDER BY id") == [
            ("营业执照.pdf", digests[0]), ("台账.xlsx", digests[1])]
        told = await member.expect("sent 2 files for the desk check", timeout=30)
        assert "营业执照.pdf" in told["text"]
        # The files themselves, to read in the chat.
        for _, (filename, data, _) in sent:
            document = await member.expect(predicate=lambda m, n=filename: (
                m.get("document") or {}).get("file_name") == n, timeout=30)
            assert member.file_bytes(document["document"]["file_id"]) == data
            assert "From the party of" in document["caption"]
        # What the team signs lists each file by its SHA-256 (the draft to print shows it).
        await leader.press("🔄 Refresh", home)
        home = await leader.expect("The party's documents")
        assert "营业执照.pdf、台账.xlsx" in home["text"]
        await leader.press("📄 Print the record (draft, to sign)", home)
        draft = await leader.expect("Draft of the record", timeout=30)
        text = re.sub(r"\s+", "", pdf_text(leader.file_bytes(draft["document"]["file_id"]),
                                           tmp_path))
        assert "当事人提交的书面材料" in text and all(d in text for d in digests)
        # Files that arrive after the team signed change what it signed: everyone is asked
        # to sign again.
        await leader.press("🔄 Refresh", home)
        home = await leader.expect("Items:")
        await leader.press("🏚 No such business activity", home)
        await leader.expect("Result for every item")
        await leader.send_photo(jpeg((70, 70, 70)))
        await leader.press("✅ Done", await leader.expect("Photo 1 saved"))
        for user in (member, leader):
            await user.press("✍️ Sign", await user.find("Please sign the result summary",
                                                       timeout=60))
            await user.expect("You signed.")
        await leader.press("📋 Progress", leader.bot_messages()[-1])
        home = await leader.expect("Items:")
        await leader.press("📨 Ask the party for its documents (link)", home)
        shown = await leader.expect("Send this link to the party")
        late = re.search(r"http://\S+/u/[A-Za-z0-9_-]+", shown["text"])
        assert late is not None
        async with httpx.AsyncClient() as client:
            answered = await client.post(late.group(0), files={"files": (
                "补充说明.txt", "补充的经营情况说明".encode(), "text/plain")})
            assert answered.status_code == 200
        await member.expect("Please sign the result summary", timeout=60)
        assert probe(settings, "SELECT COUNT(*) FROM materials") == [(3,)]
        # An expired link is refused, and says so.
        await leader.press("📨 Ask the party for its documents (link)", home)
        shown = await leader.expect("Send this link to the party")
        url = re.search(r"http://\S+/u/[A-Za-z0-9_-]+", shown["text"])
        assert url is not None
        await behind_the_bot(settings, "UPDATE material_requests SET expires_at ="
                             " '2020-01-01T00:00:00.000000Z' WHERE used_at IS NULL")
        async with httpx.AsyncClient() as client:
            expired = await client.get(url.group(0), headers={"Accept-Language": "en-GB"})
            assert expired.status_code == 410 and "expired" in expired.text
        # More than a sending may hold is refused before it is read (a raw request: it
        # announces 200 MB and sends 1 KiB).
        parts = urlsplit(url.group(0))
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        writer.write(f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                     f"Content-Type: multipart/form-data; boundary=x\r\n"
                     f"Content-Length: {200 * 1024 * 1024}\r\n\r\n".encode() + b"x" * 1024)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
        writer.close()
        assert status.split()[1] == b"413"
    finally:
        await runner.stop()
