"""The /invite flow for administrators and the office: name, department, roles, QR card."""

from __future__ import annotations

from typing import Any

from telegram import Update

from bot.buttons.people import (
    InviteCancel,
    InviteDepartment,
    InviteDone,
    InviteExisting,
    InviteNew,
    InviteRole,
)
from bot.rules.models import Conversation
from bot.services import conversations, invite_flow, invite_sheets
from bot.services.errors import Refused
from bot.services.invite_flow import InviteDraft
from bot.services.onboarding import IssuedInvite
from bot.tg.markup import markup_of
from bot.views import invites as words
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    command,
    person_of,
    reply,
)


@command()
async def invite(sent: Sent) -> None:
    """/invite: start the flow."""
    t = sent.t
    try:
        await invite_flow.begin(sent.context.core, sent.person, sent.me.tg_user_id)
    except Refused as exc:
        await reply(sent.update, words.error_text(t, exc.reason))
        return
    await reply(sent.update, words.ask_name_text(t))


async def invite_text(update: Update, context: Context, me: Who,
                      conversation: Conversation) -> None:
    """The name typed in the invite flow."""
    if conversation.step != "name":
        await reply(update, words.use_buttons_text(me.t))
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        draft = await invite_flow.set_name(context.core, me.person, me.tg_user_id, message.text)
    except Refused as exc:
        await reply(update, words.error_text(me.t, exc.reason))
        return
    step = words.match_step if draft.step == "match" else words.department_step
    body, markup = step(me.t, draft)
    await reply(update, body, reply_markup=markup_of(markup))


BUTTONS = Buttons(words.refusal_text)


@BUTTONS.on(InviteCancel)
async def invite_cancel(press: Press[InviteCancel]) -> None:
    person_of(press.me)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.answer()
    await press.query.edit_message_text(words.cancelled_text(press.me.t))


@BUTTONS.on(InviteDone)
async def invite_done(press: Press[InviteDone]) -> None:
    issued = await invite_flow.finish(press.context.core, person_of(press.me), press.me.tg_user_id)
    await press.query.answer()
    await press.query.edit_message_reply_markup(None)
    await send_card(press.update, press.context, press.me, issued)


@BUTTONS.on(InviteExisting)
async def invite_existing(press: Press[InviteExisting]) -> None:
    issued = await invite_flow.choose_existing(press.context.core, person_of(press.me),
                                               press.me.tg_user_id, press.button.person_id)
    await press.query.answer()
    await press.query.edit_message_reply_markup(None)
    await send_card(press.update, press.context, press.me, issued)


@BUTTONS.on(InviteNew)
async def invite_new(press: Press[InviteNew]) -> None:
    draft = await invite_flow.confirm_new(press.context.core, person_of(press.me),
                                          press.me.tg_user_id)
    await press.query.answer()
    body, markup = words.department_step(press.me.t, draft)
    await press.query.edit_message_text(body, reply_markup=markup_of(markup), parse_mode="HTML")


@BUTTONS.on(InviteDepartment)
async def invite_department(press: Press[InviteDepartment]) -> None:
    draft = await invite_flow.set_department(press.context.core, person_of(press.me),
                                             press.me.tg_user_id, press.button.department_id)
    await _show_roles(press, draft)


@BUTTONS.on(InviteRole)
async def invite_role(press: Press[InviteRole]) -> None:
    draft = await invite_flow.toggle_role(press.context.core, person_of(press.me),
                                          press.me.tg_user_id, press.button.role)
    await _show_roles(press, draft)


async def _show_roles(press: Press[Any], draft: InviteDraft) -> None:
    await press.query.answer()
    body, markup = words.roles_step(press.me.t, draft)
    await press.query.edit_message_text(body, reply_markup=markup_of(markup), parse_mode="HTML")


async def send_card(update: Update, context: Context, me: Who, issued: IssuedInvite) -> None:
    """The invite card (QR) with the link in its caption, in the inviter's chat."""
    t = me.t
    tz = context.core.settings.tz
    expires = invite_sheets.expires_text(issued, tz)
    department = invite_sheets.department_text(t, issued)
    roles = invite_sheets.roles_text(t, issued)
    card = invite_sheets.card_png(issued, tz, t)
    caption = words.card_caption(t, issued.person.name, department, roles, issued.link,
                                 expires)
    message = update.effective_message
    assert message is not None
    await message.reply_photo(card, caption=caption, parse_mode="HTML",
                              filename=f"invite-{issued.person.id}.png")
