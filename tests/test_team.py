"""/team: a supervisor sees the replacement requests waiting for them (and decides one
from there), their departments' tasks with the overdue first (each opens its card, marked
overdue), and their people not registered; someone without the role is told politely."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.emulator import Emulator
from bot.rules.models import Role
from bot.services import replacements
from bot.services.access import SYSTEM
from bot.services.accounts import TgUser
from bot.services.onboarding import redeem, reissue_invite
from bot.tg.app import BotRunner
from handlers import register
from tests.conftest import TOKEN
from tests.support.helpers import on_telegram, probe
from tests.support.publication import finished_tasks


async def test_team_for_a_supervisor(settings: Settings, emulator: Emulator,
                                     tmp_path: Path) -> None:
    runner = BotRunner(settings, TOKEN, register)
    await runner.start(webhook=False, poll_timeout=1)
    core = runner.core
    try:
        # One task submitted; the others of the plan stay owed after their window ended.
        await finished_tasks(runner, tmp_path, ["no_problem"])
        task_id, member_id, department_id = probe(
            runner, "SELECT k.id, m.person_id, m.department_id FROM tasks k JOIN task_members"
                    " m ON m.task_id = k.id WHERE k.status = 'assigned' AND m.leader = 0"
                    " ORDER BY k.id LIMIT 1")[0]
        code, department = probe(runner, "SELECT code, name FROM departments WHERE id = ?",
                                 department_id)[0]
        async with core.db.read() as rtx:
            member = await rtx.people.person(member_id)
        assert member is not None
        await replacements.request(core, member, task_id, "health", None)
        # Someone of the department who can be drawn and reached (the others are not
        # registered: nobody is drawn who could not act).
        spare = probe(runner, "SELECT i.person_id FROM inspectors i JOIN people p ON p.id ="
                              " i.person_id WHERE p.department_id = ? AND i.person_id NOT IN"
                              " (SELECT person_id FROM task_members WHERE task_id = ?)"
                              " ORDER BY i.cert_no LIMIT 1", department_id, task_id)[0][0]
        issued = await reissue_invite(core, SYSTEM, int(spare))
        await redeem(core, issued.code, TgUser(64001, 64001, None, "spare", "en"))
        supervisor = await on_telegram(runner, emulator, 64000, name="赵主任",
                                       roles=[Role.SUPERVISOR], department=code)

        await supervisor.send("/team")
        view = await supervisor.expect("Replacement requests waiting for a decision: 1")
        text = view["text"]
        assert department in text and member.name in text
        owed = probe(runner, "SELECT COUNT(DISTINCT k.id) FROM tasks k JOIN task_members m"
                             " ON m.task_id = k.id WHERE m.active = 1 AND m.department_id = ?"
                             " AND k.status IN ('assigned', 'in_progress')", department_id)[0][0]
        assert f"🔴 overdue {owed}" in text and "submitted 1" in text
        assert "Not registered in Choucha" in text  # the drawn inspectors are not on Telegram
        # An overdue task opens its card, which says it is overdue.
        overdue = [b["text"] for row in view["reply_markup"]["inline_keyboard"] for b in row
                   if b["text"].startswith("🔴 1.")]
        await supervisor.press(overdue[0], view)
        card = await supervisor.expect("Inspection window")
        assert "overdue" in card["text"].lower() or "ended" in card["text"]
        # The approval is decided from the view: a fresh draw replaces the member.
        await supervisor.press("✅ Approve 1", view)
        await supervisor.expect("Approved")
        assert probe(runner, "SELECT status FROM replacement_requests") == [("approved",)]
        await supervisor.send("/team")
        await supervisor.expect("Replacement requests waiting for a decision: 0")

        # Someone without the role is told what /team is for.
        inspector = await on_telegram(runner, emulator, 65000, name="李四",
                                      roles=[Role.INSPECTOR], department=code)
        await inspector.send("/team")
        told = await inspector.expect("/team is for supervisors")
        # A forged ✏️ of a record that is not theirs is refused at once, nothing asked.
        from bot.buttons.corrections import CorrectionOpen

        submitted = probe(runner, "SELECT id FROM tasks WHERE status = 'submitted'")[0][0]
        query = await inspector.press_data(told, CorrectionOpen(submitted).pack())
        refused = (await inspector.answer(query))["text"]
        assert "Only the office or the one who acts for the team" in refused
        assert probe(runner, "SELECT COUNT(*) FROM conversations WHERE tg_user_id = 65000"
                     " AND flow = 'correction'") == [(0,)]
    finally:
        await runner.stop()
