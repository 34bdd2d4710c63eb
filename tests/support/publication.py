"""Records ready to publish, made through the visit services alone, and the public
channel's post as it arrives (tests/test_publication.py, test_corrections.py,
test_team.py, test_aftercare.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from bot.core import Core
from bot.demo import joint_plan, load_county
from bot.emulator import Emulator
from bot.rules.models import Person
from bot.rules.visit import RESULTS
from bot.services import conversations, draws, visits
from bot.services.access import SYSTEM
from bot.tg.app import BotRunner
from tests.conftest import CHANNEL
from tests.support.helpers import prepare

PLAN = "公示联合抽查"


async def finished_tasks(runner: BotRunner, tmp_path: Path, outcomes: list[str]) -> list[int]:
    """Draw a joint plan (items without checklists) and take one task per outcome through
    the visit services to a submitted record: every item gets that result, the team signs,
    the party refuses before a witness."""
    await load_county(runner.core, tmp_path / "county", 12, 4, checklists=False, plans=[
        joint_plan(PLAN, "SC-001、WS-001", "WSJKJ", ("2026-04-15", "2026-04-20", "2026-06-30"),
                   "50%")])
    await prepare(runner.core, SYSTEM, PLAN, "test")
    await draws.run(runner.core, SYSTEM, PLAN, "1")
    core = runner.core
    with sqlite3.connect(runner.settings.db_path) as conn:
        task_ids = [r[0] for r in conn.execute("SELECT id FROM tasks ORDER BY id")]
    done = []
    for task_id, outcome in zip(task_ids, outcomes, strict=False):
        async with core.db.read() as rtx:
            members = await rtx.tasks.members(task_id)
            people: list[Person] = [p for m in members
                                    if (p := await rtx.people.person(m.person_id))]
        tg = {p.id: 500000 + p.id for p in people}
        visit_id = 0
        for p in people:
            # Nobody of this team is on Telegram (services only): start regardless.
            view = await visits.start(core, p, tg[p.id], task_id, anyway=True)
            assert isinstance(view, visits.View)
            visit_id = view.state.id
            conversation = await conversations.current(core, tg[p.id])
            assert conversation is not None
            await visits.checkin(core, p, tg[p.id], conversation, 24.4, 98.5, None)
        index = list(RESULTS).index(outcome)
        for p in people:
            view = await visits.results(core, p, tg[p.id], visit_id)
            while view.kind == "result":
                assert view.item is not None
                view = await visits.choose_result(core, p, tg[p.id], visit_id,
                                                  view.item.position, index)
                if view.kind == "nc_kind":
                    assert view.item is not None
                    view = await visits.noncooperation_kind(core, p, tg[p.id], visit_id,
                                                            view.item.position, 0)
                if view.kind == "fu_kind":  # rectification, due in 14 days, owned by p
                    assert view.item is not None
                    view = await visits.follow_up_kind(core, p, tg[p.id], visit_id,
                                                       view.item.position, 0)
                    assert view.item is not None
                    view = await visits.follow_up_due(core, p, tg[p.id], visit_id,
                                                      view.item.position, 14)
                    assert view.item is not None
                    view = await visits.follow_up_owner(core, p, tg[p.id], visit_id,
                                                        view.item.position, p.id)
                if view.kind in ("nc_text", "order_text"):
                    conversation = await conversations.current(core, tg[p.id])
                    assert conversation is not None
                    view = await visits.result_text(core, p, tg[p.id], conversation,
                                                    "负责人拒绝检查人员进入仓库"
                                                    if view.kind == "nc_text" else
                                                    "责令三日内改正")
        leader = next(p for p, m in zip(people, members, strict=True) if m.leader)
        await sign_and_submit(core, people, tg, leader, visit_id, "拒绝签字")
        done.append(task_id)
    return done


async def sign_and_submit(core: Core, people: list[Person], tg: dict[int, int], leader: Person,
                          visit_id: int, refusal: str) -> None:
    """The team signs the content as it stands, the party refuses before a witness (with
    `refusal` as the reason) and the leader submits."""
    for p in people:
        state = (await visits.signatures(core, p, tg[p.id], visit_id)).state
        await visits.sign(core, p, tg[p.id], visit_id, state.content_hash[:16])
    await visits.party_refuses(core, leader, tg[leader.id], visit_id)
    for text in (refusal, "李某（社区网格员）"):
        conversation = await conversations.current(core, tg[leader.id])
        assert conversation is not None
        await visits.refusal_text(core, leader, tg[leader.id], conversation, text)
    await visits.witness_without_photo(core, leader, tg[leader.id], visit_id)
    confirm = await visits.confirm_submit(core, leader, tg[leader.id], visit_id)
    assert confirm.kind == "submit_confirm"
    submitted = await visits.submit(core, leader, tg[leader.id], visit_id,
                                    confirm.state.content_hash[:16])
    assert submitted.kind == "submitted"


async def channel_post(emulator: Emulator, contains: str) -> dict[str, Any]:
    from tests.support.helpers import eventually

    def found() -> dict[str, Any] | None:
        return next((m for m in emulator.chat_messages(CHANNEL)
                     if contains in str(m.get("text", ""))), None)

    await eventually(lambda: found() is not None, timeout=15)
    result = found()
    assert result is not None
    return result


async def corrected(runner: BotRunner, task_id: int, reason: str, outcome: str) -> None:
    """The team's leader corrects a submitted record through the services (every item's
    result becomes `outcome`), the team signs the new version, the office publishes the
    更正 (tests/test_corrections.py drives the same through the bot)."""
    from bot.clock import now
    from bot.services import corrections, publication

    core = runner.core
    async with core.db.read() as rtx:
        members = await rtx.tasks.members(task_id)
        people: list[Person] = [p for m in members if (p := await rtx.people.person(m.person_id))]
    lead = next(p for p, m in zip(people, members, strict=True) if m.leader)
    tg = {p.id: 500000 + p.id for p in people}
    await corrections.open_correction(core, lead, task_id, reason, now())
    with sqlite3.connect(runner.settings.db_path) as conn:
        visit_id = conn.execute("SELECT id FROM visits WHERE task_id = ?",
                                (task_id,)).fetchone()[0]
    index = list(RESULTS).index(outcome)
    for p in people:
        state = (await visits.home(core, p, tg[p.id], visit_id)).state
        for item in state.mine(p.id):
            await visits.results(core, p, tg[p.id], visit_id, item.position)
            await visits.choose_result(core, p, tg[p.id], visit_id, item.position, index)
    await sign_and_submit(core, people, tg, lead, visit_id, "拒绝在更正记录上签字")
    await publication.correct(core, SYSTEM, task_id, now())
