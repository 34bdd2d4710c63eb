"""After the visit (003 第二十七条): a follow-up closed with a photo as evidence (its chase
stops, the card and the export say so), another handed over with a reason, the
supervisors' and the office's views; a penalty decision recorded in time, a referral
recorded late and flagged, the chase of what is still owed, and the export sheet."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from openpyxl import load_workbook

from bot.buttons.aftercare import DecisionPick, FollowUpTo
from bot.clock import now as clock_now
from bot.config import Settings
from bot.emulator import Emulator
from bot.rules.models import Role
from bot.services import chasing, publication
from bot.services.access import SYSTEM
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN
from tests.support.buttons import press_first
from tests.support.helpers import on_telegram, probe
from tests.support.publication import finished_tasks
from tests.support.visits import jpeg


async def test_follow_ups_closed_and_handed_over_and_decisions_recorded(
    settings: Settings, emulator: Emulator, tmp_path: Path
) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    core = runner.core
    try:
        tasks = await finished_tasks(runner, tmp_path, ["follow_up", "follow_up"])
        follow_ups = probe(runner, "SELECT f.id, f.owner, vi.department_id FROM follow_ups f"
                                   " JOIN visit_items vi ON vi.visit_id = f.visit_id AND"
                                   " vi.item_code = f.item_code ORDER BY f.id")
        assert len(follow_ups) == 4
        first_id, owner_id, department_id = follow_ups[0]
        owner = await on_telegram(runner, emulator, 63000, owner_id)
        owned = [f for f in follow_ups if f[1] == owner_id]

        # The owner's list; closing asks for the outcome, the day and the evidence.
        await owner.send("/followups")
        listing = await owner.expect(f"Your open follow-ups: {len(owned)}")
        await owner.press("✅ Done 1", listing)
        await owner.expect("What was done about")
        await owner.send("ok")  # too short: asked again, nothing changed
        await owner.expect("give the reason")
        await owner.send("整改完毕，已到现场复查，货架标签已更换")
        asked = await owner.expect("On which day?")
        await owner.send((date.today() + timedelta(days=400)).isoformat())
        await owner.expect("a day that has come")
        await owner.press("Today", asked)
        await owner.expect("Send the evidence")
        await owner.send_photo(jpeg((20, 120, 20)))
        closed = await owner.expect("closed on")
        assert "整改完毕" in closed["text"] and "photo.jpg" in closed["text"]
        row = probe(runner, "SELECT status, outcome_date, evidence_sha256, closed_by FROM"
                            " follow_ups WHERE id = ?", first_id)[0]
        assert row[0] == "done" and row[2] and row[3] == owner_id
        assert (core.files_root / row[2][:2] / row[2]).exists() or probe(
            runner, "SELECT COUNT(*) FROM files WHERE sha256 = ?", row[2]) == [(1,)]
        assert probe(runner, "SELECT COUNT(*) FROM audit_log WHERE action ="
                             " 'follow_up.closed'") == [(1,)]
        # Pressing Done again on the old list changes nothing.
        again = await owner.press("✅ Done 1", listing)
        assert "closed already" in (await owner.answer(again))["text"]
        # Its chase stops: a year later only the others are overdue.
        async with core.db.read() as rtx:
            late = await rtx.chasing.overdue_follow_ups(date.today() + timedelta(days=365))
        assert first_id not in {f.id for f in late} and len(late) == 3
        # The task card states the closure as part of the record's history.
        task_of_first = probe(runner, "SELECT v.task_id FROM follow_ups f JOIN visits v ON"
                                      " v.id = f.visit_id WHERE f.id = ?", first_id)[0][0]
        from bot.buttons.tasks import TaskCard
        await owner.press_data(listing, TaskCard(task_of_first).pack())
        card = await owner.expect("closed on")
        assert "整改完毕" in card["text"]

        # Another follow-up handed over by the office to a colleague, with a reason.
        office = await on_telegram(runner, emulator, 61000, name="王芳", roles=[Role.OFFICE])
        await office.send("/followups")
        overview = await office.expect("Follow-ups per department")
        assert "Open, the overdue first" in overview["text"]
        await office.press("↪️ Hand over 1", overview)
        choose = await office.expect("Hand the follow-up of")
        await press_first(office, choose, FollowUpTo)
        await office.expect("Why is it handed to")
        await office.send("案件转交承办人办理")
        await office.expect("Handed over")
        handed = probe(runner, "SELECT follow_up_id, reason, to_person FROM"
                               " follow_up_handovers")
        assert len(handed) == 1 and handed[0][1] == "案件转交承办人办理"
        assert probe(runner, "SELECT owner FROM follow_ups WHERE id = ?",
                     handed[0][0]) == [(handed[0][2],)]

        # A supervisor of the department sees its counts.
        code = probe(runner, "SELECT code FROM departments WHERE id = ?", department_id)[0][0]
        supervisor = await on_telegram(runner, emulator, 64000, name="赵主任",
                                       roles=[Role.SUPERVISOR], department=code)
        await supervisor.send("/followups")
        seen = await supervisor.expect("Follow-ups per department")
        department = probe(runner, "SELECT name FROM departments WHERE id = ?",
                           department_id)[0][0]
        assert department in seen["text"] and ": 1 · 0 · 1" in seen["text"]

        # The export says the follow-up was closed.
        await publication.publish(core, SYSTEM, tasks, clock_now())
        _, exported = await publication.export(core, SYSTEM)
        lines = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
        assert sum("已办结" in line[13] for line in lines[1:]) == 1

        # Decisions: every item was found to need further handling (a violation).
        await office.send("/decisions")
        owed = await office.expect("Penalty decisions and referrals")
        assert "Owed: 4" in owed["text"]
        await press_first(office, owed, DecisionPick)
        kind = await office.expect("Was a penalty decided")
        await office.press("⚖️ Penalty decision", kind)
        await office.expect("document number")
        await office.send("芒市监罚〔2026〕12号")
        day = await office.expect("On which day was the decision made?")
        await office.press("Today", day)
        which = await office.expect("Which penalty")
        await office.press("Fine", which)
        await office.expect("fine in yuan")
        await office.send("five thousand")
        await office.expect("as digits")
        await office.send("5,000.50")
        recorded = await office.expect("Recorded for")
        assert "late" not in recorded["text"]
        # A referral recorded 30 days after it was made: flagged late.
        await office.send("/decisions")
        owed = await office.expect("Owed: 3")
        await press_first(office, owed, DecisionPick)
        kind = await office.expect("Was a penalty decided")
        await office.press("↗️ Referred", kind)
        await office.expect("which authority")
        await office.send("芒市公安局")
        await office.expect("On which day was it referred?")
        await office.send((date.today() - timedelta(days=30)).isoformat())
        late_note = await office.expect("Recorded late")
        assert "003 第二十七条" in late_note["text"]
        assert probe(runner, "SELECT kind, doc_no, penalty, amount_fen, authority, late FROM"
                             " decisions ORDER BY id") == [
            ("penalty", "芒市监罚〔2026〕12号", "fine", 500050, None, 0),
            ("referral", None, None, None, "芒市公安局", 1)]
        await office.send("/decisions")
        summary = await office.expect("Owed: 2")
        assert "recorded late: 1" in summary["text"] and "芒市公安局" in summary["text"]

        # The chase reminds the office of the two still owed, once a day.
        now = clock_now()
        async with core.db.read() as rtx:
            cal = await chasing.calendar(rtx)
            owing = await chasing.owed(rtx, core, cal, now)
        office_id = probe(runner, "SELECT id FROM people WHERE name = '王芳'")[0][0]
        decision = [o for o in owing if o.group == "decision" and o.person_id == office_id]
        assert decision and decision[0].count == 2

        # The export sheet for the 部门协同监管平台.
        await office.send("/decisions export")
        sheet = await office.expect(predicate=lambda m: m.get("document", {}).get(
            "file_name", "").startswith("decisions-"))
        book = load_workbook(io.BytesIO(office.file_bytes(sheet["document"]["file_id"])))
        ws = book.active
        assert ws is not None and ws.title == "行政处罚及移送" and ws.max_row == 3
        values = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
        assert values[0][5:9] == ["行政处罚", "芒市监罚〔2026〕12号", "罚款", 5000.5]
        assert values[1][5] == "移送" and values[1][10] == "芒市公安局" and values[1][12] == "是"
    finally:
        await runner.stop()
