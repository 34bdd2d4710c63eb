"""On site: buttons, typed answers, photos, files, recordings and locations of a visit; the
party's QR link."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import (
    CallbackQuery,
    Message,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest

from bot.buttons.base import Button
from bot.buttons.visits import (
    PartyOpinion,
    PartyRole,
    PartySkipId,
    VisitBack,
    VisitChoose,
    VisitClearPhotos,
    VisitDefault,
    VisitDone,
    VisitDraft,
    VisitEdit,
    VisitFollowUpDue,
    VisitFollowUpKind,
    VisitFollowUpOwner,
    VisitGo,
    VisitHome,
    VisitMaterials,
    VisitMemberPaper,
    VisitNoncooperation,
    VisitNotNow,
    VisitPartyConfirm,
    VisitPartyPaper,
    VisitPartyQr,
    VisitPartyRefuses,
    VisitPause,
    VisitResult,
    VisitResults,
    VisitReview,
    VisitShortcut,
    VisitShortcutDone,
    VisitSign,
    VisitSignatures,
    VisitSkip,
    VisitStart,
    VisitStartAnyway,
    VisitSubmit,
    VisitSubmitConfirm,
    VisitToggle,
    VisitWitnessWithoutPhoto,
    visit_of,
)
from bot.core import Core
from bot.rules import visit as rules
from bot.rules.models import Conversation, Person, Role
from bot.services import conversations, party, visits
from bot.services.errors import Refusal, Refused
from bot.services.visits import materials
from bot.services.visits.state import Screen, VisitStep
from bot.texts.visits import skip_texts
from bot.tg.markup import markup_of
from bot.tg.webapp import sign_url
from bot.views import materials as materials_view
from bot.views import visits as words
from bot.views.visits import Shown, absent, party_step, party_text, refusal_text, render
from handlers.common import (
    Buttons,
    Context,
    Press,
    Who,
    access_text,
    download,
    registered,
    reply,
    sent_file,
    who,
)
from handlers.onboarding import start, unexpected_message

logger = logging.getLogger(__name__)

FLOW = visits.FLOW



async def show(update: Update, shown: list[Shown]) -> None:
    message = update.effective_message
    if message is None:
        return
    for item in shown:
        if item.photo is not None:
            await message.reply_photo(item.photo, caption=item.text, parse_mode="HTML",
                                      reply_markup=markup_of(item.markup))
        else:
            await message.reply_html(item.text, reply_markup=markup_of(item.markup))


async def show_view(update: Update, context: Context, me: Who,
                view: visits.View | visits.Absent) -> None:
    assert me.person is not None
    if isinstance(view, visits.Absent):
        await show(update, [absent(me.t, view)])
        return
    base = context.core.settings.public_url
    if view.kind == Screen.SIGNATURES and base:  # the Mini App is served: offer it
        view = dataclasses.replace(view, note=dataclasses.replace(
            view.note, webapp=sign_url(base, view.state.id)))
    await show(update, render(me.t, view, me.person.id))


async def _draft(update: Update, context: Context, query: CallbackQuery, me: Who,
                 visit_id: int) -> None:
    """📄 The record as it stands, to print and sign on paper."""
    assert me.person is not None
    message = update.effective_message
    assert message is not None
    await context.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    pdf, state = await visits.draft(context.core, me.person, visit_id)
    await query.answer()
    await message.reply_document(
        pdf, filename=f"record-{state.task.id}-draft-{state.content_hash[:8]}.pdf",
        caption=words.draft_caption(me.t, state.content_hash), parse_mode="HTML")


# ----------------------------------------------------------------------------- buttons

BUTTONS = Buttons(refusal_text, registered, Refusal.NOT_MEMBER)

# A visit's screen button: the service it calls, given the core, who pressed (person, their
# Telegram id) and the button; the View it returns is shown.
Step = Callable[[Core, Person, int, Any], Awaitable["visits.View | visits.Absent"]]
STEPS: dict[type[Button], Step] = {
    VisitStart: lambda c, p, tg, b: visits.start(c, p, tg, b.task_id),
    VisitStartAnyway: lambda c, p, tg, b: visits.start(c, p, tg, b.task_id, anyway=True),
    VisitMemberPaper: lambda c, p, tg, b: visits.member_paper(c, p, tg, b.visit_id,
                                                              b.member_id),
    VisitHome: lambda c, p, tg, b: visits.home(c, p, tg, b.visit_id),
    VisitGo: lambda c, p, tg, b: visits.go(c, p, tg, b.visit_id),
    VisitChoose: lambda c, p, tg, b: visits.choose(c, p, tg, b.visit_id, b.position, b.index,
                                                   b.choice),
    VisitDone: lambda c, p, tg, b: visits.done(c, p, tg, b.visit_id, b.position, b.index),
    VisitClearPhotos: lambda c, p, tg, b: visits.clear_photos(c, p, tg, b.visit_id,
                                                              b.position, b.index),
    VisitSkip: lambda c, p, tg, b: visits.skip(c, p, tg, b.visit_id, b.position, b.index),
    VisitDefault: lambda c, p, tg, b: visits.use_default(c, p, tg, b.visit_id, b.position,
                                                         b.index),
    VisitBack: lambda c, p, tg, b: visits.back(c, p, tg, b.visit_id, b.position, b.index),
    VisitPause: lambda c, p, tg, b: visits.pause(c, p, tg, b.visit_id),
    VisitReview: lambda c, p, tg, b: visits.review(c, p, tg, b.visit_id, b.page or 0),
    VisitEdit: lambda c, p, tg, b: visits.edit(c, p, tg, b.visit_id, b.position, b.index),
    VisitResults: lambda c, p, tg, b: visits.results(c, p, tg, b.visit_id, b.position),
    VisitResult: lambda c, p, tg, b: visits.choose_result(c, p, tg, b.visit_id, b.position,
                                                          b.index),
    VisitNoncooperation: lambda c, p, tg, b: visits.noncooperation_kind(
        c, p, tg, b.visit_id, b.position, b.index),
    VisitFollowUpKind: lambda c, p, tg, b: visits.follow_up_kind(c, p, tg, b.visit_id,
                                                                 b.position, b.index),
    VisitFollowUpDue: lambda c, p, tg, b: visits.follow_up_due(c, p, tg, b.visit_id,
                                                               b.position, b.days),
    VisitFollowUpOwner: lambda c, p, tg, b: visits.follow_up_owner(c, p, tg, b.visit_id,
                                                                   b.position, b.owner_id),
    VisitShortcut: lambda c, p, tg, b: visits.shortcut(c, p, tg, b.visit_id, b.kind),
    VisitShortcutDone: lambda c, p, tg, b: visits.shortcut_done(c, p, tg, b.visit_id),
    VisitSignatures: lambda c, p, tg, b: visits.signatures(c, p, tg, b.visit_id),
    VisitSign: lambda c, p, tg, b: visits.sign(c, p, tg, b.visit_id, b.short),
    VisitPartyQr: lambda c, p, tg, b: visits.party_qr(c, p, tg, b.visit_id),
    VisitPartyPaper: lambda c, p, tg, b: visits.party_paper(c, p, tg, b.visit_id),
    VisitPartyRefuses: lambda c, p, tg, b: visits.party_refuses(c, p, tg, b.visit_id),
    VisitWitnessWithoutPhoto: lambda c, p, tg, b: visits.witness_without_photo(
        c, p, tg, b.visit_id),
    VisitSubmit: lambda c, p, tg, b: visits.confirm_submit(c, p, tg, b.visit_id),
    VisitSubmitConfirm: lambda c, p, tg, b: visits.submit(c, p, tg, b.visit_id, b.short),
}


def _shows(step: Step) -> Callable[[Press[Any]], Awaitable[None]]:
    async def run(press: Press[Any]) -> None:
        if isinstance(press.button, VisitSubmitConfirm):  # the PDF takes a moment
            message = press.query.message
            await press.context.bot.send_chat_action(
                message.chat.id if message else press.me.tg_user_id,
                ChatAction.UPLOAD_DOCUMENT)
        view = await step(press.context.core, press.member, press.me.tg_user_id, press.button)
        await press.query.answer()
        await show_view(press.update, press.context, press.me, view)
    return run


for _kind, _step in STEPS.items():
    BUTTONS.on(_kind)(_shows(_step))


@BUTTONS.on(VisitNotNow)
async def not_now(press: Press[VisitNotNow]) -> None:
    await press.query.answer(words.nothing_recorded_alert(press.me.t))
    await press.query.edit_message_reply_markup(None)


@BUTTONS.on(VisitMaterials)
async def ask_materials(press: Press[VisitMaterials]) -> None:
    """📨 A link for the party's documents, to forward to it."""
    link = await materials.ask(press.context.core, press.member, press.button.visit_id)
    await press.query.answer()
    await show(press.update, [materials_view.link_text(press.me.t, link,
                                                       press.context.core.settings.tz)])


@BUTTONS.on(VisitDraft)
async def draft(press: Press[VisitDraft]) -> None:
    await _draft(press.update, press.context, press.query, press.me, press.button.visit_id)


@BUTTONS.on(VisitToggle)
async def toggle(press: Press[VisitToggle]) -> None:
    """A choice of a multiple choice ticked or unticked: only the keyboard changes."""
    b, person = press.button, press.member
    view = await visits.toggle(press.context.core, person, press.me.tg_user_id, b.visit_id,
                               b.position, b.index, b.choice)
    await press.query.answer()
    shown = render(press.me.t, view, person.id)[0]
    try:
        await press.query.edit_message_reply_markup(markup_of(shown.markup))
    except BadRequest:
        await show_view(press.update, press.context, press.me, view)


# ------------------------------------------------------------------- typed answers

async def visit_text(update: Update, context: Context, me: Who,
                     conversation: Conversation) -> None:
    """Text while in a visit: the check-in's reason, a typed answer, a result's detail."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    text, c, step = message.text, context.core, conversation.step
    try:
        if step == VisitStep.CHECKIN:
            if text.strip() in skip_texts():
                view = await visits.ask_checkin_reason(c, me.person, me.tg_user_id,
                                                       conversation)
                await show(update, render(me.t, view, me.person.id))
                return
            raise Refused(Refusal.LOCATION_NEEDED)
        if step == VisitStep.CHECKIN_REASON:
            view = await visits.checkin(c, me.person, me.tg_user_id, conversation, None, None,
                                        text)
        elif step == VisitStep.Q:
            view = await visits.typed(c, me.person, me.tg_user_id, conversation, text,
                                      me.t.lang)
        elif step in (VisitStep.NC_TEXT, VisitStep.ORDER_TEXT, VisitStep.FU_DUE):
            view = await visits.result_text(c, me.person, me.tg_user_id, conversation, text)
        elif step in (VisitStep.REFUSE_REASON, VisitStep.WITNESS):
            view = await visits.refusal_text(c, me.person, me.tg_user_id, conversation, text)
        elif step in (VisitStep.PAPER, VisitStep.WITNESS_PHOTO, VisitStep.SHORTCUT):
            raise Refused(Refusal.PHOTO_NEEDED)
        else:
            await reply(update, words.use_latest_buttons_text(me.t))
            return
    except rules.Invalid as exc:
        await reply(update, words.invalid_answer_text(me.t, exc))
        return
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    if step == VisitStep.CHECKIN_REASON:
        await reply(update, words.checked_in_without_location_text(me.t),
                    reply_markup=ReplyKeyboardRemove())
    await show_view(update, context, me, view)


# ---------------------------------------------------------------- photos, locations

def _replied_visit(message: Message) -> int | None:
    replied = message.reply_to_message
    if replied is None or replied.reply_markup is None:
        return None
    for row in replied.reply_markup.inline_keyboard:
        for button in row:
            found = visit_of(button.callback_data)
            if found is not None:
                return found
    return None


async def photo_message(update: Update, context: Context) -> None:
    """A photo, a document or a recording: evidence for the step the person is at (the
    service says whether the step takes it, before anything is downloaded)."""
    me = await who(update, context)
    message = update.effective_message
    assert message is not None
    if me.person is None:
        await reply(update, access_text(me.t))
        return
    conversation = await conversations.current(context.core, me.tg_user_id)
    why = visits.photo_expected(conversation, _replied_visit(message), bool(message.photo))
    if why == Refusal.NO_VISIT and (not message.photo
                                    or not me.person.has_role(Role.INSPECTOR)):
        await unexpected_message(update, context)  # not an inspector's stray photo
        return
    if why:
        await reply(update, refusal_text(me.t, Refused(why)))
        return
    assert conversation is not None
    sent = sent_file(message)
    try:
        await visits.file_fits(context.core, me.person, conversation, sent.incoming)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    data = await download(context, sent.file_id)
    if data is None:
        await reply(update, words.not_downloaded_text(me.t, bool(message.photo)))
        return
    try:
        view = await visits.photo(context.core, me.person, me.tg_user_id, conversation,
                                  visits.PhotoIn(sent.file_id, sent.unique_id, data,
                                                 sent.incoming))
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    await show_view(update, context, me, view)


async def location_message(update: Update, context: Context) -> None:
    """A shared location: the check-in, or the answer to a location question."""
    me = await who(update, context)
    message = update.effective_message
    assert message is not None and message.location is not None
    conversation = await conversations.current(context.core, me.tg_user_id) \
        if me.person else None
    if me.person is None or conversation is None or conversation.flow != FLOW or \
            conversation.step not in (VisitStep.CHECKIN, VisitStep.Q):
        await unexpected_message(update, context)
        return
    latitude, longitude = message.location.latitude, message.location.longitude
    try:
        if conversation.step == VisitStep.CHECKIN:
            view = await visits.checkin(context.core, me.person, me.tg_user_id, conversation,
                                        latitude, longitude, None)
            text = words.checked_in_text(me.t, latitude, longitude)
        else:
            view = await visits.located(context.core, me.person, me.tg_user_id,
                                        conversation, latitude, longitude)
            text = words.location_saved_text(me.t)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    await reply(update, text, reply_markup=ReplyKeyboardRemove())
    await show_view(update, context, me, view)


# --------------------------------------------------------------------------- the party

async def party_start(update: Update, context: Context) -> None:
    """/start s_<code>: the party opened the QR link (any other code is an invite)."""
    me = await who(update, context)
    code = context.args[0] if context.args else ""
    try:
        step = await party.begin(context.core, me.tg_user_id,
                                 code.removeprefix(visits.TOKEN_PREFIX))
    except Refused as exc:
        if exc.reason == Refusal.TOKEN_UNKNOWN:
            await start(update, context)
            return
        await reply(update, refusal_text(me.t, exc))
        return
    await reply(update, party_text(me.t, step.state))
    await show(update, [party_step(me.t, step)])


async def party_text_message(update: Update, context: Context, me: Who,
                             conversation: Conversation) -> None:
    """What the party types: their name, the last four characters of an ID, an objection."""
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        step = await party.typed(context.core, me.tg_user_id, message.text)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    await show(update, [party_step(me.t, step)])


PARTY = Buttons(refusal_text)  # the inspected party: not registered in Choucha


async def _party_shows(press: Press[Any], step: party.PartyStep) -> None:
    await press.query.answer()
    await show(press.update, [party_step(press.me.t, step)])


@PARTY.on(PartyRole)
async def party_role(press: Press[PartyRole]) -> None:
    await _party_shows(press, await party.role(press.context.core, press.me.tg_user_id,
                                               press.button.role))


@PARTY.on(PartySkipId)
async def party_skip_id(press: Press[PartySkipId]) -> None:
    await _party_shows(press, await party.skip_id(press.context.core, press.me.tg_user_id))


@PARTY.on(PartyOpinion)
async def party_opinion(press: Press[PartyOpinion]) -> None:
    await _party_shows(press, await party.opinion(press.context.core, press.me.tg_user_id,
                                                  press.button.opinion))


@PARTY.on(VisitPartyConfirm)
async def party_confirm(press: Press[VisitPartyConfirm]) -> None:
    """The party confirms the record they read."""
    me, update = press.me, press.update
    state = await party.confirm(press.context.core, me.tg_user_id, press.button.token_id,
                                press.button.short)
    await press.query.answer()
    await reply(update, words.party_thanks_text(me.t, state.task.target_name,
                                                state.content_hash))
