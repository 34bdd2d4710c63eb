"""更正: a submitted and published record corrected by its leader, re-signed, submitted as
a new version that supersedes the old one (both kept with their PDFs), and the office's
更正 publication chosen from a list, previewed, cancelled once and then published."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from bot.buttons.corrections import CorrectionOpen
from bot.buttons.office import PublishCorrect
from bot.clock import now as clock_now
from bot.config import Settings
from bot.emulator import Emulator
from bot.rules.models import Person, Role
from bot.rules.visit import RESULTS, record_filename
from bot.services import publication, visits
from bot.services.access import SYSTEM
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import CHANNEL, TOKEN
from tests.support.buttons import press_kind
from tests.support.helpers import on_telegram, probe
from tests.support.publication import channel_post, finished_tasks, sign_and_submit

LEADER_TG, OFFICE_TG = 62000, 61000


async def test_a_published_record_is_corrected_and_its_correction_published(
    channel_settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(channel_settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    core = runner.core
    try:
        [task_id] = await finished_tasks(runner, tmp_path, ["no_problem"])
        await publication.publish(core, SYSTEM, [task_id], clock_now())
        first_pdf = probe(runner, "SELECT pdf_sha256, record_hash FROM records")[0]
        # The office and the team's leader on Telegram.
        office = await on_telegram(runner, emulator, OFFICE_TG, name="王芳", roles=[Role.OFFICE])
        async with core.db.read() as rtx:
            members = await rtx.tasks.members(task_id)
            people: list[Person] = [p for m in members
                                    if (p := await rtx.people.person(m.person_id))]
        lead = next(p for p, m in zip(people, members, strict=True) if m.leader)
        leader = await on_telegram(runner, emulator, LEADER_TG, lead.id)

        # The leader asks for a correction from /correct: chosen from a list, with a reason.
        await leader.send("/correct")
        listing = await leader.expect("Which record needs a correction?")
        assert "version 1" in listing["text"]
        await press_kind(leader, listing, CorrectionOpen, task_id=task_id)
        await leader.expect("Why is the record corrected?")
        await leader.send("no")  # too short: asked again, nothing opened
        await leader.expect("give the reason")
        assert probe(runner, "SELECT COUNT(*) FROM corrections") == [(0,)]
        await leader.send("第二项结果选错，应为未按规定公示")
        await leader.expect("Correction opened")
        home = await leader.expect("Correcting version 1 of the record")
        assert "第二项结果选错，应为未按规定公示" in home["text"]
        assert probe(runner, "SELECT status FROM visits") == [("open",)]
        # A second correction of the same record is refused while this one is open.
        await leader.send("/correct")
        listing = await leader.expect("Which record needs a correction?")
        assert "correction under way" in listing["text"]
        assert "reply_markup" not in listing  # nothing else of theirs to correct

        # The team changes the results and everyone signs the changed content again.
        visit_id = probe(runner, "SELECT id FROM visits")[0][0]
        tg = {p.id: LEADER_TG if p.id == lead.id else 500000 + p.id for p in people}
        index = list(RESULTS).index("not_disclosed")
        for p in people:
            state = (await visits.home(core, p, tg[p.id], visit_id)).state
            for item in state.mine(p.id):
                await visits.results(core, p, tg[p.id], visit_id, item.position)
                await visits.choose_result(core, p, tg[p.id], visit_id, item.position, index)
        state = (await visits.home(core, lead, tg[lead.id], visit_id)).state
        assert state.unsigned == state.members  # the old signatures were of the old content
        await sign_and_submit(core, people, tg, lead, visit_id, "拒绝在更正记录上签字")

        # Both versions are kept, frozen; the new one supersedes the old, with its own PDF.
        records = probe(runner, "SELECT id, version, supersedes, pdf_sha256, record_hash"
                                " FROM records ORDER BY version")
        assert [(r[1], r[2]) for r in records] == [(1, None), (2, records[0][0])]
        assert records[0][3:] == first_pdf and records[1][3] != first_pdf[0]
        for sha in (records[0][3], records[1][3]):
            assert (core.files_root / sha[:2] / sha).exists() or probe(
                runner, "SELECT COUNT(*) FROM files WHERE sha256 = ?", sha) == [(1,)]
        assert probe(runner, "SELECT new_record_id IS NOT NULL, closed_at IS NOT NULL"
                             " FROM corrections") == [(1, 1)]
        assert probe(runner, "SELECT status FROM tasks WHERE id = ?", task_id) == [("submitted",)]
        with sqlite3.connect(channel_settings.db_path) as conn:
            content = conn.execute("SELECT content FROM records WHERE version = 2").fetchone()
        assert "第二项结果选错" in content[0] and '"of_version":1' in content[0]
        # The leader's copy of the new version says it is a correction, and its file is
        # named as one: not the original's name.
        copy = await leader.expect(
            predicate=lambda m: "supersedes version 1" in m.get("caption", ""))
        code = probe(runner, "SELECT target_code FROM tasks WHERE id = ?", task_id)[0][0]
        names = {json.loads(payload)["file"]["filename"] for payload, in probe(
            runner, "SELECT payload FROM outbox WHERE dedupe_key LIKE 'record:%'")}
        assert names == {f"record-{task_id}-{code}-v2-correction1.pdf"}  # all sent now
        latest = await visits.record_of(core, lead, task_id)
        assert copy["document"]["file_name"] == f"record-{task_id}-{code}-v2-correction1.pdf"
        # Read back later (the task card's 📄 button), it keeps that name.
        assert visits.record_filename(latest) == f"record-{task_id}-{code}-v2-correction1.pdf"
        assert record_filename(task_id, code, 1) == f"record-{task_id}-{code}.pdf"

        # The office is told a 更正 is owed; it is chosen from a list, previewed, published.
        told = await office.expect("was corrected")
        await office.press("📢 Publish the 更正", told)
        owed = await office.expect("Corrected records of published results: 1")
        await press_kind(office, owed, PublishCorrect, task_id=task_id)
        preview = await office.expect("Publish this 更正?")
        assert "第二项结果选错" in preview["text"] and "未按规定公示" in preview["text"]
        await office.press("✖ Cancel", preview)
        await office.expect("nothing was published")
        assert probe(runner, "SELECT kind FROM publications ORDER BY id") == [("result",)]
        await press_kind(office, owed, PublishCorrect, task_id=task_id)
        preview = await office.expect("Publish this 更正?")
        await office.press("✅ Publish 1", preview)
        await office.expect("更正 published")
        post = await channel_post(emulator, "更正")
        assert "第二项结果选错" in post["text"] and "未按规定公示应当公示的信息" in post["text"]
        rows = probe(runner, "SELECT kind, supersedes, json_extract(content, '$.record_hash'),"
                             " reason FROM publications ORDER BY id")
        assert [r[0] for r in rows] == ["result", "correction"]
        assert rows[0][2] == first_pdf[1] and rows[1][2] == records[1][4]
        assert rows[1][3] == "第二项结果选错，应为未按规定公示"
        assert emulator.chat_messages(CHANNEL)
        # Nothing more is owed.
        await office.send("/publish correct")
        await office.expect("No 更正 is owed")
    finally:
        await runner.stop()
