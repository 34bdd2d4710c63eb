"""/followups and /decisions: follow-ups closed with evidence or handed over, and the
penalty decisions or referrals of the items found in violation (003 第二十七条)."""

from __future__ import annotations

from datetime import date
from typing import Any

from telegram import Update

from bot.buttons.aftercare import (
    DecisionKindPick,
    DecisionPenalty,
    DecisionPick,
    DecisionToday,
    FollowUpClose,
    FollowUpHandOver,
    FollowUpList,
    FollowUpNoFile,
    FollowUpTo,
    FollowUpToday,
)
from bot.clock import now as clock_now
from bot.i18n import Translator
from bot.rules import aftercare as rules
from bot.rules.models import Conversation, Flow, Person
from bot.services import aftercare, conversations
from bot.services.errors import Refusal, Refused
from bot.tg.markup import markup_of
from bot.views import aftercare as words
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    command,
    download,
    registered,
    reply,
    sent_file,
)

FOLLOW_UP = Flow.FOLLOW_UP
DECISION = Flow.DECISION


# -------------------------------------------------------------------------- follow-ups

@command()
async def followups_command(sent: Sent) -> None:
    """/followups: mine, with buttons; the departments' view for supervisors and the office."""
    await _followups(sent.update, sent.context, sent.person, sent.t)


async def _followups(update: Update, context: Context, person: Person, t: Translator) -> None:
    core = context.core
    today = core.today()
    mine = await aftercare.mine(core, person)
    overseer = person.is_office or aftercare.supervises(person)
    if mine or not overseer:
        await reply(update, words.mine_text(t, mine, today),
                    reply_markup=markup_of(words.handle_keyboard(t, mine)))
    if overseer:
        found = await aftercare.overview(core, person, today)
        await reply(update, words.overview_text(t, found, today),
                    reply_markup=None if mine else markup_of(
                        words.handle_keyboard(t, found.open)))


BUTTONS = Buttons(words.refusal_text, registered)


@BUTTONS.on(FollowUpList)
async def follow_up_list(press: Press[FollowUpList]) -> None:
    await press.query.answer()
    await _followups(press.update, press.context, press.member, press.me.t)


@BUTTONS.on(FollowUpClose)
async def close(press: Press[FollowUpClose]) -> None:
    line = await aftercare.follow_up(press.context.core, press.member,
                                     press.button.follow_up_id)
    await conversations.begin(press.context.core, press.me.tg_user_id, FOLLOW_UP, "outcome",
                              {"id": line.id})
    await press.query.answer()
    await reply(press.update, words.ask_outcome(press.me.t, line))


async def _flow(press: Press[Any], flow: Flow, step: str) -> Conversation:
    """The conversation a button continues: stale unless the person is at that step."""
    conversation = await conversations.current(press.context.core, press.me.tg_user_id)
    if conversation is None or conversation.flow != flow or conversation.step != step:
        raise Refused(Refusal.STALE)
    return conversation


@BUTTONS.on(FollowUpToday)
async def today(press: Press[FollowUpToday]) -> None:
    conversation = await _flow(press, FOLLOW_UP, "day")
    await conversations.begin(press.context.core, press.me.tg_user_id, FOLLOW_UP, "evidence",
                              {**conversation.data,
                               "day": press.context.core.today().isoformat()})
    await press.query.answer()
    await _ask_evidence(press.update, press.me.t, int(conversation.data["id"]))


async def _ask_evidence(update: Update, t: Translator, follow_up_id: int) -> None:
    await reply(update, words.ask_evidence(t),
                reply_markup=markup_of(words.no_file_keyboard(t, follow_up_id)))


@BUTTONS.on(FollowUpNoFile)
async def no_file(press: Press[FollowUpNoFile]) -> None:
    conversation = await _flow(press, FOLLOW_UP, "evidence")
    await press.query.answer()
    await _close(press.update, press.context, press.me, conversation, None)


async def _close(update: Update, context: Context, me: Who, conversation: Conversation,
                 evidence: aftercare.EvidenceIn | None) -> None:
    assert me.person is not None
    data = conversation.data
    try:
        line = await aftercare.close(context.core, me.person, int(data["id"]),
                                     str(data["outcome"]), date.fromisoformat(data["day"]),
                                     evidence, clock_now())
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
        if exc.reason == Refusal.TOO_LARGE:
            return  # another file may come
        await conversations.cancel(context.core, me.tg_user_id)
        return
    await conversations.cancel(context.core, me.tg_user_id)
    await reply(update, words.closed_text(me.t, line))


@BUTTONS.on(FollowUpHandOver)
async def hand_over(press: Press[FollowUpHandOver]) -> None:
    core, t = press.context.core, press.me.t
    line, people = await aftercare.successors(core, press.member, press.button.follow_up_id)
    await press.query.answer()
    if not people:
        await reply(press.update, words.nobody_to_take_over_text(t, line))
        return
    await reply(press.update, words.ask_successor(t, line),
                reply_markup=markup_of(words.successors_keyboard(line, people)))


@BUTTONS.on(FollowUpTo)
async def hand_to(press: Press[FollowUpTo]) -> None:
    core = press.context.core
    _, people = await aftercare.successors(core, press.member, press.button.follow_up_id)
    name = next((p.name for p in people if p.id == press.button.person_id), None)
    if name is None:
        raise Refused(Refusal.UNKNOWN_PERSON)
    await conversations.begin(core, press.me.tg_user_id, FOLLOW_UP, "handover",
                              {"id": press.button.follow_up_id, "to": press.button.person_id})
    await press.query.answer()
    await reply(press.update, words.ask_handover_reason(press.me.t, name))


async def follow_up_text(update: Update, context: Context, me: Who,
                         conversation: Conversation) -> None:
    """Text in the follow-up flow: the outcome, its day, or a hand-over's reason."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    core, t, step, data = context.core, me.t, conversation.step, conversation.data
    try:
        if step == "outcome":
            outcome = aftercare.clean_text(message.text, 4)
            await conversations.begin(core, me.tg_user_id, FOLLOW_UP, "day",
                                      {**data, "outcome": outcome})
            await reply(update, words.ask_day(t),
                        reply_markup=markup_of(words.today_keyboard(t, int(data["id"]))))
        elif step == "day":
            day = aftercare.parse_day(message.text, core.today())
            await conversations.begin(core, me.tg_user_id, FOLLOW_UP, "evidence",
                                      {**data, "day": day.isoformat()})
            await _ask_evidence(update, t, int(data["id"]))
        elif step == "handover":
            line = await aftercare.hand_over(core, me.person, int(data["id"]), int(data["to"]),
                                             message.text, clock_now())
            await conversations.cancel(core, me.tg_user_id)
            await reply(update, words.handed_text(t, line))
        else:
            await reply(update, words.ask_evidence(t))
    except Refused as exc:
        await reply(update, words.refusal_text(t, exc))


async def evidence_file(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    """A photo or a document while a follow-up's evidence is awaited."""
    message = update.effective_message
    assert message is not None
    if conversation.step != "evidence":
        await reply(update, words.file_not_expected_text(me.t))
        return
    sent = sent_file(message)
    if sent.size and sent.size > aftercare.MAX_EVIDENCE:
        await reply(update, words.refusal_text(me.t, Refused(Refusal.TOO_LARGE)))
        return
    data = await download(context, sent.file_id)
    if data is None:
        await reply(update, words.not_downloaded_text(me.t))
        return
    await _close(update, context, me, conversation,
                 aftercare.EvidenceIn(data, sent.filename, sent.mime))


# --------------------------------------------------------------------------- decisions

@command()
async def decisions_command(sent: Sent) -> None:
    """/decisions: what is owed and what was recorded late · /decisions export"""
    core, person, t = sent.context.core, sent.person, sent.t
    if sent.args and sent.args[0] == "export":
        if not person.is_office:
            await reply(sent.update, words.refusal_text(t, Refused(Refusal.NOT_ALLOWED)))
            return
        data = await aftercare.decisions_xlsx(core, person)
        await sent.message.reply_document(
            data, filename=f"decisions-{core.today().isoformat()}.xlsx",
            caption=words.decisions_caption(t))
        return
    rows = await aftercare.decisions(core, person, owed_only=False)
    if not rows:
        await reply(sent.update, words.no_decisions_text(t))
        return
    await reply(sent.update, words.decisions_text(t, rows),
                reply_markup=markup_of(words.decisions_keyboard(rows)))


DECISIONS = Buttons(words.refusal_text, registered)


@DECISIONS.on(DecisionPick)
async def pick(press: Press[DecisionPick]) -> None:
    b, t = press.button, press.me.t
    row = await aftercare.decision_item(press.context.core, press.member, b.task_id, b.position)
    await press.query.answer()
    await reply(press.update, words.ask_decision_kind(t, row),
                reply_markup=markup_of(words.decision_kind_keyboard(t, b.task_id, b.position)))


@DECISIONS.on(DecisionKindPick)
async def pick_kind(press: Press[DecisionKindPick]) -> None:
    b, t, core = press.button, press.me.t, press.context.core
    await aftercare.decision_item(core, press.member, b.task_id, b.position)
    penalty = b.kind == rules.DecisionKind.PENALTY
    await conversations.begin(core, press.me.tg_user_id, DECISION,
                              "doc_no" if penalty else "authority",
                              {"task": b.task_id, "position": b.position, "kind": b.kind})
    await press.query.answer()
    await reply(press.update, words.ask_doc_no(t) if penalty else words.ask_authority(t))


@DECISIONS.on(DecisionToday)
async def decided_today(press: Press[DecisionToday]) -> None:
    conversation = await _flow(press, DECISION, "date")
    await press.query.answer()
    await _decided_on(press.update, press.context, press.me, conversation,
                      press.context.core.today().isoformat())


@DECISIONS.on(DecisionPenalty)
async def penalty(press: Press[DecisionPenalty]) -> None:
    conversation = await _flow(press, DECISION, "penalty")
    if press.button.penalty not in rules.PENALTIES:
        raise Refused(Refusal.STALE)
    data = {**conversation.data, "penalty": press.button.penalty}
    await press.query.answer()
    if press.button.penalty == "fine":
        await conversations.begin(press.context.core, press.me.tg_user_id, DECISION, "amount",
                                  data)
        await reply(press.update, words.ask_amount(press.me.t))
        return
    await _record(press.update, press.context, press.me, data)


async def _decided_on(update: Update, context: Context, me: Who, conversation: Conversation,
                      day: str) -> None:
    data = {**conversation.data, "day": day}
    if data["kind"] == rules.DecisionKind.REFERRAL:
        await _record(update, context, me, data)
        return
    await conversations.begin(context.core, me.tg_user_id, DECISION, "penalty", data)
    await reply(update, words.ask_penalty(me.t),
                reply_markup=markup_of(words.penalty_keyboard(me.t)))


async def _record(update: Update, context: Context, me: Who, data: dict[str, Any]) -> None:
    assert me.person is not None
    given = aftercare.DecisionIn(
        kind=rules.DecisionKind(data["kind"]), decided_on=date.fromisoformat(data["day"]),
        doc_no=data.get("doc_no"), penalty=data.get("penalty"),
        amount_fen=data.get("amount_fen"), authority=data.get("authority"))
    try:
        done = await aftercare.record_decision(context.core, me.person, int(data["task"]),
                                               int(data["position"]), given, clock_now())
    except Refused as exc:
        await reply(update, words.refusal_text(me.t, exc))
    else:
        await reply(update, words.recorded_text(me.t, done))
    await conversations.cancel(context.core, me.tg_user_id)


async def decision_text(update: Update, context: Context, me: Who,
                        conversation: Conversation) -> None:
    """Text in the decision flow: the document number, the authority, the day, the fine."""
    message = update.effective_message
    assert message is not None and message.text is not None
    core, t, step, data = context.core, me.t, conversation.step, conversation.data
    try:
        if step in ("doc_no", "authority"):
            value = aftercare.clean_text(message.text, 2, 100)
            await conversations.begin(core, me.tg_user_id, DECISION, "date",
                                      {**data, step: value})
            await reply(update, words.ask_decision_day(t, str(data["kind"])),
                        reply_markup=markup_of(words.decision_today_keyboard(t)))
        elif step == "date":
            day = aftercare.parse_day(message.text, core.today())
            await _decided_on(update, context, me, conversation, day.isoformat())
        elif step == "amount":
            amount = rules.parse_amount(message.text)
            if amount is None:
                await reply(update, words.bad_amount(t))
                return
            await _record(update, context, me, {**data, "amount_fen": amount})
        else:
            await reply(update, words.ask_penalty(t))
    except Refused as exc:
        await reply(update, words.refusal_text(t, exc))
