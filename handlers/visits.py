"""On site: buttons, typed answers, photos and locations of a visit; the party's QR link."""

from __future__ import annotations

import html
import logging
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.constants import ChatAction
from telegram.error import BadRequest, NetworkError, TimedOut

from bot import callbacks
from bot import visit as rules
from bot.i18n import Translator
from bot.models import Conversation
from bot.services import conversations, party, visits
from bot.services.errors import Refused
from bot.services.visit_views import Shown, absent, party_step, party_text, render
from handlers.common import (
    Context,
    Who,
    answer_stale,
    core,
    pressed,
    reply,
    stale_text,
    wake_outbox,
    who,
)
from handlers.onboarding import access_text, start, unexpected_message

logger = logging.getLogger(__name__)

FLOW = visits.FLOW
MAX_PHOTO_BYTES = 20 * 1024 * 1024


def refusal_text(t: Translator, exc: Refused) -> str:
    texts = {
        "unknown_task": t._("This task no longer exists."),
        "not_member": t._("This task is not yours, so you cannot act on it."),
        "task_closed": t._("This task is finished or cancelled; nothing was changed."),
        "submitted": t._("This record was submitted already and is frozen; nothing was"
                         " changed."),
        "not_yet": t._("The inspection window opens on {start}; the visit cannot start"
                       " before.").format(start=exc.params.get("start", "")),
        "not_current": t._("That button belongs to an earlier step. Nothing was changed;"
                           " continue from the latest message."),
        "not_yours": t._("This item belongs to another department's inspector; only they"
                         " answer it (003 第二十四条)."),
        "choose_one": t._("Choose at least one, then tap Done."),
        "photo_needed": t._("A photo is needed here: send one with the camera (📎), then"
                            " tap Done."),
        "location_needed": t._("Please share the location with the button below the"
                               " message box."),
        "not_location": t._("A location is not what this question asks for; nothing was"
                            " saved."),
        "use_buttons": t._("Please answer with the buttons of the question."),
        "required": t._("This question is required and cannot be skipped."),
        "too_many_photos": t._("That is the most photos one question takes; tap Done."),
        "reason_required": t._("Please give the reason in a few words."),
        "witness_required": t._("Please write the witness's name."),
        "too_short": t._("Please write a little more, so that the record is clear."),
        "due_in_past": t._("The due date must be after today."),
        "already_started": t._("Answers or results exist already, so the shortcut is not"
                               " available."),
        "results_missing": t._("Not every item has a result yet."),
        "changed": t._("The record changed since this was shown. The new version has been"
                       " sent; please read it and sign again."),
        "already_signed": t._("You have signed this version already."),
        "leader_only": t._("Only the team leader does this."),
        "party_signed": t._("The party's signature is recorded already."),
        "members_unsigned": t._("Not everyone on the team has signed yet: {names}.").format(
            names=html.escape(exc.params.get("names", ""))),
        "party_unsigned": t._("The party's signature (or the refusal with a witness) is"
                              " still missing."),
        "no_record": t._("There is no submitted record for this task yet."),
        "token_unknown": t._("This signing link is not valid."),
        "token_used": t._("This signing link was used already."),
        "token_expired": t._("This signing link has expired. Please ask the inspector for a"
                             " new code."),
        "token_changed": t._("The record changed after this code was shown. Please ask the"
                             " inspector for a new code."),
        "token_taken": t._("This signing link was opened on another Telegram account."),
        "party_is_registered": t._("This account belongs to someone registered in Choucha,"
                                   " so it cannot sign for the inspected party. Hand the phone"
                                   " with the code to the party's own representative."),
        "party_name": t._("Please send the full name of the person signing (2 to 50"
                          " characters)."),
        "party_last4": t._("Please send exactly four characters: the last four of the ID card"
                           " (digits, the last may be X), or tap Skip."),
        "no_visit": t._("I don't know which task this photo belongs to, so it was not"
                        " saved. Open the task (/tasks) and continue the visit first."),
        "wrong_task": t._("This photo replies to a question of another task than the one"
                          " you are working on now, so it was not saved. Send it again"
                          " without replying, or switch tasks from /tasks."),
        "no_photo_here": t._("The current step does not take a photo, so it was not saved."),
    }
    return texts.get(exc.reason, stale_text(t))


def _markup(data: dict[str, Any] | None) -> Any:
    if data is None:
        return None
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.de_json(data, None)
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, None)
    return ReplyKeyboardRemove()


async def show(update: Update, shown: list[Shown]) -> None:
    message = update.effective_message
    if message is None:
        return
    for item in shown:
        if item.photo is not None:
            await message.reply_photo(item.photo, caption=item.text, parse_mode="HTML",
                                      reply_markup=_markup(item.markup))
        else:
            await message.reply_html(item.text, reply_markup=_markup(item.markup))


async def _view(update: Update, me: Who, view: visits.View | visits.Absent) -> None:
    assert me.person is not None
    if isinstance(view, visits.Absent):
        await show(update, [absent(me.t, view)])
        return
    await show(update, render(me.t, view, me.person.id))


async def _draft(update: Update, context: Context, query: CallbackQuery, me: Who,
                 visit_id: int) -> None:
    """📄 The record as it stands, to print and sign on paper."""
    assert me.person is not None
    message = update.effective_message
    assert message is not None
    await context.bot.send_chat_action(message.chat.id, ChatAction.UPLOAD_DOCUMENT)
    pdf, state = await visits.draft(core(context), me.person, visit_id)
    await query.answer()
    await message.reply_document(
        pdf, filename=f"record-{state.task['id']}-draft-{state.content_hash[:8]}.pdf",
        caption=me.t._("📄 Draft of the record (草稿 · 待签), content hash <code>{hash}</code>."
                       " Print it for those who sign on paper; if anything changes, print it"
                       " again.").format(hash=state.content_hash[:16]), parse_mode="HTML")


# ----------------------------------------------------------------------------- buttons

async def visit_button(update: Update, context: Context) -> None:
    """v1:vis:<action>:<visit or task>:… — every button of a visit."""
    query, me = await pressed(update, context)
    try:
        _, args = callbacks.decode(query.data)
        action, numbers = args[0], args[1:]
        if action == "pc":
            await _party_confirm(update, context, me, int(numbers[0]), numbers[1])
            return
        if me.person is None:
            raise Refused("not_member")
        person, tg, c = me.person, me.tg_user_id, core(context)
        ids = [int(n) for n in numbers if n.lstrip("-").isdigit()]
        if action == "st":
            view = await visits.start(c, person, tg, ids[0])
        elif action == "sa":
            view = await visits.start(c, person, tg, ids[0], anyway=True)
        elif action == "nn":
            await query.answer(me.t._("Nothing was recorded."))
            await query.edit_message_reply_markup(None)
            return
        elif action == "dr":
            await _draft(update, context, query, me, ids[0])
            return
        elif action == "mp":
            view = await visits.member_paper(c, person, tg, ids[0], ids[1])
        elif action == "hm":
            view = await visits.home(c, person, tg, ids[0])
        elif action == "go":
            view = await visits.go(c, person, tg, ids[0])
        elif action == "c":
            view = await visits.choose(c, person, tg, *ids[:4])
        elif action == "m":
            view = await visits.toggle(c, person, tg, *ids[:4])
            await query.answer()
            shown = render(me.t, view, person.id)[0]
            try:
                await query.edit_message_reply_markup(_markup(shown.markup))
            except BadRequest:
                await _view(update, me, view)
            return
        elif action == "dn":
            view = await visits.done(c, person, tg, *ids[:3])
        elif action == "cl":
            view = await visits.clear_photos(c, person, tg, *ids[:3])
        elif action == "sk":
            view = await visits.skip(c, person, tg, *ids[:3])
        elif action == "bk":
            view = await visits.back(c, person, tg, *ids[:3])
        elif action == "pz":
            view = await visits.pause(c, person, tg, ids[0])
        elif action == "rv":
            view = await visits.review(c, person, tg, ids[0])
        elif action == "ed":
            view = await visits.edit(c, person, tg, *ids[:3])
        elif action == "rs":
            view = await visits.results(c, person, tg, ids[0], ids[1] if len(ids) > 1 else None)
        elif action == "r":
            view = await visits.choose_result(c, person, tg, *ids[:3])
        elif action == "nk":
            view = await visits.noncooperation_kind(c, person, tg, *ids[:3])
        elif action == "fk":
            view = await visits.follow_up_kind(c, person, tg, *ids[:3])
        elif action == "fd":
            view = await visits.follow_up_due(c, person, tg, *ids[:3])
        elif action == "fo":
            view = await visits.follow_up_owner(c, person, tg, *ids[:3])
        elif action == "sc":
            view = await visits.shortcut(c, person, tg, ids[0], numbers[1])
        elif action == "sd":
            view = await visits.shortcut_done(c, person, tg, ids[0])
        elif action == "sig":
            view = await visits.signatures(c, person, tg, ids[0])
        elif action == "sg":
            view = await visits.sign(c, person, tg, ids[0], numbers[1])
        elif action == "pq":
            view = await visits.party_qr(c, person, tg, ids[0])
        elif action == "pp":
            view = await visits.party_paper(c, person, tg, ids[0])
        elif action == "pr":
            view = await visits.party_refuses(c, person, tg, ids[0])
        elif action == "ws":
            view = await visits.witness_without_photo(c, person, tg, ids[0])
        elif action == "sb":
            await context.bot.send_chat_action(query.message.chat.id if query.message
                                               else tg, ChatAction.UPLOAD_DOCUMENT)
            view = await visits.submit(c, person, tg, ids[0])
        else:
            raise Refused("stale")
        wake_outbox(context)
        await query.answer()
        await _view(update, me, view)
    except (callbacks.BadCallback, IndexError, ValueError, TypeError):
        await answer_stale(query, me.t)
    except Refused as exc:
        await query.answer(refusal_text(me.t, exc), show_alert=True)
        if exc.reason == "changed":
            wake_outbox(context)


# ------------------------------------------------------------------- typed answers

async def visit_text(update: Update, context: Context, me: Who,
                     conversation: Conversation) -> None:
    """Text while in a visit: the check-in's reason, a typed answer, a result's detail."""
    message = update.effective_message
    assert message is not None and message.text is not None and me.person is not None
    text, c, step = message.text, core(context), conversation.step
    try:
        if step == "checkin":
            if text.strip() in visits.skip_texts():
                await visits.ask_checkin_reason(c, me.tg_user_id, conversation)
                await show(update, render(me.t, visits.View(
                    "checkin_reason", await _state(context, conversation)), me.person.id))
                return
            raise Refused("location_needed")
        if step == "checkin_reason":
            view = await visits.checkin(c, me.person, me.tg_user_id, conversation, None, None,
                                        text)
        elif step == "q":
            view = await visits.typed(c, me.person, me.tg_user_id, conversation, text,
                                      me.t.lang)
        elif step in ("nc_text", "order_text", "fu_due"):
            view = await visits.result_text(c, me.person, me.tg_user_id, conversation, text)
        elif step in ("refuse_reason", "witness"):
            view = await visits.refusal_text(c, me.person, me.tg_user_id, conversation, text)
        elif step in ("paper", "witness_photo", "shortcut"):
            raise Refused("photo_needed")
        else:
            await reply(update, me.t._("Please use the buttons of the latest message, or"
                                       " send /tasks."))
            return
    except rules.Invalid as exc:
        await reply(update, "⚠️ " + html.escape(exc.own or me.t._(exc.message))
                    + "\n" + me.t._("Nothing was saved; please answer again."))
        return
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    wake_outbox(context)
    if step == "checkin_reason":
        await reply(update, me.t._("✅ Check-in recorded without a location."),
                    reply_markup=ReplyKeyboardRemove())
    await _view(update, me, view)


async def _state(context: Context, conversation: Conversation) -> visits.State:
    c = core(context)
    async with c.db.read() as rtx:
        return await visits.load(rtx, int(conversation.data["visit"]), c.today(),
                                 c.settings.tz)


# ---------------------------------------------------------------- photos, locations

def _replied_visit(message: Message) -> int | None:
    replied = message.reply_to_message
    if replied is None or replied.reply_markup is None:
        return None
    for row in replied.reply_markup.inline_keyboard:
        for button in row:
            found = visits.visit_of_callback(button.callback_data
                                             if isinstance(button.callback_data, str)
                                             else None)
            if found is not None:
                return found
    return None


async def photo_message(update: Update, context: Context) -> None:
    """A photo (or an image sent as a file): evidence for the step the person is at."""
    me = await who(update, context)
    message = update.effective_message
    assert message is not None
    if me.person is None:
        await reply(update, access_text(me.t))
        return
    conversation = await conversations.current(core(context), me.tg_user_id)
    why = visits.photo_expected(conversation, _replied_visit(message))
    if why == "no_visit" and message.document is not None:
        await unexpected_message(update, context)
        return
    if why:
        await reply(update, refusal_text(me.t, Refused(why)))
        return
    assert conversation is not None
    if message.photo:
        largest = message.photo[-1]
        file_id, unique, size = largest.file_id, largest.file_unique_id, largest.file_size
    else:
        assert message.document is not None
        file_id, unique = message.document.file_id, message.document.file_unique_id
        size = message.document.file_size
    if size and size > MAX_PHOTO_BYTES:
        await reply(update, me.t._("This file is larger than 20 MB; please send it as a"
                                   " photo. Nothing was saved."))
        return
    try:
        data = bytes(await (await context.bot.get_file(file_id)).download_as_bytearray())
    except (NetworkError, TimedOut):
        await reply(update, me.t._("The photo could not be downloaded (weak signal?), so it"
                                   " was not saved. Please send it again."))
        return
    try:
        view = await visits.photo(core(context), me.person, me.tg_user_id, conversation,
                                  visits.PhotoIn(file_id, unique, data))
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    wake_outbox(context)
    await _view(update, me, view)


async def location_message(update: Update, context: Context) -> None:
    """A shared location: the check-in, or the answer to a location question."""
    me = await who(update, context)
    message = update.effective_message
    assert message is not None and message.location is not None
    conversation = await conversations.current(core(context), me.tg_user_id) \
        if me.person else None
    if me.person is None or conversation is None or conversation.flow != FLOW or \
            conversation.step not in ("checkin", "q"):
        await unexpected_message(update, context)
        return
    latitude, longitude = message.location.latitude, message.location.longitude
    try:
        if conversation.step == "checkin":
            view = await visits.checkin(core(context), me.person, me.tg_user_id, conversation,
                                        latitude, longitude, None)
            text = me.t._("✅ Checked in at {lat:.5f}, {lon:.5f}.").format(lat=latitude,
                                                                           lon=longitude)
        else:
            view = await visits.located(core(context), me.person, me.tg_user_id,
                                        conversation, latitude, longitude)
            text = me.t._("✅ Location saved.")
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    await reply(update, text, reply_markup=ReplyKeyboardRemove())
    await _view(update, me, view)


# --------------------------------------------------------------------------- the party

async def party_start(update: Update, context: Context) -> None:
    """/start s_<code>: the party opened the QR link (any other code is an invite)."""
    me = await who(update, context)
    code = context.args[0] if context.args else ""
    try:
        step = await party.begin(core(context), me.tg_user_id,
                                 code.removeprefix(visits.TOKEN_PREFIX))
    except Refused as exc:
        if exc.reason == "token_unknown":
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
        step = await party.typed(core(context), me.tg_user_id, message.text)
    except Refused as exc:
        await reply(update, refusal_text(me.t, exc))
        return
    await show(update, [party_step(me.t, step)])


async def party_button(update: Update, context: Context) -> None:
    """v1:pty:r:<role> | v1:pty:id:skip | v1:pty:o:<opinion> — the party's choices."""
    query, me = await pressed(update, context)
    try:
        _, args = callbacks.decode(query.data)
        c = core(context)
        if args[0] == "r":
            step = await party.role(c, me.tg_user_id, args[1])
        elif args == ["id", "skip"]:
            step = await party.skip_id(c, me.tg_user_id)
        elif args[0] == "o":
            step = await party.opinion(c, me.tg_user_id, args[1])
        else:
            raise Refused("not_current")
    except (callbacks.BadCallback, IndexError, ValueError):
        await answer_stale(query, me.t)
        return
    except Refused as exc:
        await query.answer(refusal_text(me.t, exc), show_alert=True)
        return
    await query.answer()
    await show(update, [party_step(me.t, step)])


async def _party_confirm(update: Update, context: Context, me: Who, token_id: int,
                         short: str) -> None:
    query = update.callback_query
    assert query is not None
    try:
        state = await party.confirm(core(context), me.tg_user_id, token_id, short)
    except Refused as exc:
        await query.answer(refusal_text(me.t, exc), show_alert=True)
        return
    wake_outbox(context)
    await query.answer()
    await reply(update, me.t._("✅ Thank you. You signed the check record of {target}."
                               "\nRecord hash: <code>{hash}</code>").format(
        target=html.escape(state.task["target_name"]), hash=state.content_hash[:16]))
