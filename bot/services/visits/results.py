"""Each item's result (one of the eight legal categories), its detail, follow-ups, and
the shortcuts (premises unreachable, no such activity)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.clock import now as clock_now
from bot.core import Core
from bot.rules import visit as rules
from bot.rules.checklist import Question
from bot.rules.models import AuditAction, Conversation, Person
from bot.services.errors import Refusal, Refused, typed_line
from bot.services.visits.checklist import _first_open, _next
from bot.services.visits.signing import _results_changed
from bot.services.visits.state import (
    Item,
    Note,
    Screen,
    State,
    View,
    VisitStep,
    _at,
    _conversation,
    _open_state,
    _put,
    load,
)
from storage import Tx


async def results(core: Core, person: Person, tg_user_id: int, visit_id: int,
                  position: int | None = None) -> View:
    """The result choice for the given item, or the first of this person's without one."""
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if _first_open(state, person.id) is not None:
            return await _next(tx, tg_user_id, state, person, None, False)
        return await _result_view(tx, tg_user_id, state, person, position)


async def _result_view(tx: Tx, tg_user_id: int, state: State, person: Person,
                       position: int | None) -> View:
    mine = state.mine(person.id)
    if position is not None:
        item = state.item(position)
        if item not in mine:
            raise Refused(Refusal.NOT_YOURS)
    else:
        pending = [i for i in mine if not i.result]
        if not pending:
            await _at(tx, tg_user_id, state, VisitStep.REVIEW)
            return View(Screen.REVIEW, state)
        item = pending[0]
    suggested = rules.suggest(item.checklist, item.answers, state.today) \
        if item.checklist else []
    await _at(tx, tg_user_id, state, VisitStep.RESULT, item=item.position)
    return View(Screen.RESULT, state, item, note=Note(suggested=tuple(suggested)))


async def _pressed_result(tx: Tx, core: Core, person: Person, tg_user_id: int, visit_id: int,
                          position: int, steps: tuple[VisitStep, ...]
                          ) -> tuple[State, Conversation, Item]:
    state = await _open_state(tx, core, person, visit_id)
    conversation = await _conversation(tx, tg_user_id)
    if (conversation.step not in steps or int(conversation.data.get("visit", 0)) != visit_id
            or int(conversation.data.get("item", 0)) != position):
        raise Refused(Refusal.NOT_CURRENT)
    item = state.item(position)
    if item.row.answerer != person.id:
        raise Refused(Refusal.NOT_YOURS)
    return state, conversation, item


async def choose_result(core: Core, person: Person, tg_user_id: int, visit_id: int,
                        position: int, index: int) -> View:
    keys = list(rules.RESULTS)
    if not 0 <= index < len(keys):
        raise Refused(Refusal.STALE)
    key = keys[index]
    async with core.db.transaction() as tx:
        state, _, item = await _pressed_result(tx, core, person, tg_user_id, visit_id,
                                               position, (VisitStep.RESULT,))
        data = {"visit": state.id, "item": position, "result": key}
        if key == "noncooperation":
            await _put(tx, tg_user_id, VisitStep.NC_KIND, data)
            return View(Screen.NC_KIND, state, item)
        if key == "corrected":
            await _put(tx, tg_user_id, VisitStep.ORDER_TEXT, data)
            return View(Screen.ORDER_TEXT, state, item)
        if key == "follow_up":
            await _put(tx, tg_user_id, VisitStep.FU_KIND, data)
            return View(Screen.FU_KIND, state, item)
        return await _set_result(tx, tg_user_id, state, person, item, key, {})


async def _detail_kind(core: Core, person: Person, tg_user_id: int, visit_id: int,
                       position: int, index: int, table: dict[str, tuple[str, str]],
                       step: VisitStep, next_step: VisitStep) -> View:
    """A kind chosen for a result's detail (non-cooperation, follow-up); then the next step."""
    kinds = list(table)
    if not 0 <= index < len(kinds):
        raise Refused(Refusal.STALE)
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(tx, core, person, tg_user_id,
                                                          visit_id, position, (step,))
        await _put(tx, tg_user_id, next_step, {**conversation.data, "kind": kinds[index]})
        return View(Screen(next_step), state, item, note=Note(kind=kinds[index]))


async def noncooperation_kind(core: Core, person: Person, tg_user_id: int, visit_id: int,
                              position: int, index: int) -> View:
    """One of the four kinds of 第二十六条; the circumstances come next."""
    return await _detail_kind(core, person, tg_user_id, visit_id, position, index,
                              rules.NONCOOPERATION, VisitStep.NC_KIND, VisitStep.NC_TEXT)


async def follow_up_kind(core: Core, person: Person, tg_user_id: int, visit_id: int,
                         position: int, index: int) -> View:
    """Rectification, referral or transfer; the due date comes next."""
    return await _detail_kind(core, person, tg_user_id, visit_id, position, index,
                              rules.FOLLOW_UPS, VisitStep.FU_KIND, VisitStep.FU_DUE)


async def follow_up_due(core: Core, person: Person, tg_user_id: int, visit_id: int,
                        position: int, days: int) -> View:
    if not 1 <= days <= 365:
        raise Refused(Refusal.STALE)
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(tx, core, person, tg_user_id,
                                                          visit_id, position, (VisitStep.FU_DUE,))
        due = (state.today + timedelta(days=days)).isoformat()
        await _put(tx, tg_user_id, VisitStep.FU_OWNER, {**conversation.data, "due": due})
        return View(Screen.FU_OWNER, state, item, note=Note(due=due))


async def follow_up_owner(core: Core, person: Person, tg_user_id: int, visit_id: int,
                          position: int, owner: int) -> View:
    now = clock_now()
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(tx, core, person, tg_user_id,
                                                          visit_id, position, (VisitStep.FU_OWNER,))
        if state.member(owner) is None:
            raise Refused(Refusal.STALE)
        kind, due = str(conversation.data["kind"]), str(conversation.data["due"])
        await tx.visits.add_follow_up(state.id, item.code, kind, due, owner, person.id, now)
        return await _set_result(tx, tg_user_id, state, person, item, "follow_up",
                                 {"follow_up": kind, "due": due,
                                  "owner": state.name_of(owner)})


async def result_text(core: Core, person: Person, tg_user_id: int, conversation: Conversation,
                      text: str) -> View:
    """The circumstances of non-cooperation, the correction ordered, or a follow-up's date."""
    step = VisitStep(conversation.step)
    async with core.db.transaction() as tx:
        state, conversation, item = await _pressed_result(
            tx, core, person, tg_user_id, int(conversation.data["visit"]),
            int(conversation.data["item"]), (step,))
        clean = typed_line(text)
        if step == VisitStep.FU_DUE:
            question = Question(name="due", type="date", label={})
            due = rules.parse_typed(question, clean)
            if due <= state.today.isoformat():
                raise Refused(Refusal.DUE_IN_PAST)
            await _put(tx, tg_user_id, VisitStep.FU_OWNER, {**conversation.data, "due": due})
            return View(Screen.FU_OWNER, state, item, note=Note(due=due))
        if len(clean) < 4:
            raise Refused(Refusal.TOO_SHORT)
        if step == VisitStep.NC_TEXT:
            return await _set_result(tx, tg_user_id, state, person, item, "noncooperation",
                                     {"kind": conversation.data["kind"],
                                      "circumstances": clean[:1000]})
        return await _set_result(tx, tg_user_id, state, person, item, "corrected",
                                 {"order": clean[:1000]})


async def _set_result(tx: Tx, tg_user_id: int, state: State, person: Person, item: Item,
                      key: str, detail: dict[str, Any]) -> View:
    now = clock_now()
    if key != "follow_up":
        await tx.visits.drop_follow_up(state.id, item.code)
    await tx.visits.set_result(state.id, item.code, key, detail, person.id, now)
    await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_RESULT, f"visit:{state.id}",
                          {"item": item.code, "result": key, "detail": detail}, now)
    state = await load(tx, state.id, state.today, state.tz)
    pending = [i for i in state.mine(person.id) if not i.result]
    if pending:
        return await _result_view(tx, tg_user_id, state, person, pending[0].position)
    await _results_changed(tx, state)
    await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
    return View(Screen.PART_DONE, state, note=Note(result=key))


async def shortcut(core: Core, person: Person, tg_user_id: int, visit_id: int,
                   kind: str) -> View:
    if kind not in rules.SHORTCUTS:
        raise Refused(Refusal.STALE)
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        if state.started or state.visit.shortcut:
            raise Refused(Refusal.ALREADY_STARTED)
        await _at(tx, tg_user_id, state, VisitStep.SHORTCUT, kind=kind)
        return View(Screen.SHORTCUT, state, note=Note(kind=kind))


async def shortcut_done(core: Core, person: Person, tg_user_id: int, visit_id: int) -> View:
    now = clock_now()
    async with core.db.transaction() as tx:
        state = await _open_state(tx, core, person, visit_id)
        conversation = await _conversation(tx, tg_user_id)
        if conversation.step != VisitStep.SHORTCUT or conversation.data.get("visit") != visit_id:
            raise Refused(Refusal.NOT_CURRENT)
        if state.started or state.visit.shortcut:
            raise Refused(Refusal.ALREADY_STARTED)
        if not any(e.kind == "shortcut" for e in state.evidence):
            raise Refused(Refusal.PHOTO_NEEDED)
        kind = str(conversation.data["kind"])
        await tx.visits.set_shortcut(state.id, kind)
        for item in state.items:
            await tx.visits.set_result(state.id, item.code, kind, {"shortcut": True},
                                       person.id, now)
        await tx.audit.append(f"person:{person.id}", AuditAction.VISIT_SHORTCUT,
                              f"visit:{state.id}",
                              {"result": kind}, now)
        state = await load(tx, state.id, state.today, state.tz)
        await _results_changed(tx, state)
        await _at(tx, tg_user_id, state, VisitStep.SIGNATURES)
        return View(Screen.PART_DONE, state, note=Note(result=kind))
