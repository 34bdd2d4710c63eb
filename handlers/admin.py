"""The /invite flow for administrators and the office: name, department, roles, QR card."""

from __future__ import annotations

import html
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons.people import (
    InviteCancel,
    InviteDepartment,
    InviteDone,
    InviteExisting,
    InviteNew,
    InviteRole,
)
from bot.i18n import Translator
from bot.logs import mask_cert
from bot.rules.models import Conversation, Role
from bot.services import conversations, invite_flow, invite_sheets
from bot.services.errors import Refused
from bot.services.invite_flow import InviteDraft
from bot.services.onboarding import IssuedInvite
from bot.texts.labels import role_label
from bot.views import invites as words
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    command,
    key,
    person_of,
    reply,
)


def _cancel_row(t: Translator) -> list[InlineKeyboardButton]:
    return [key(t._("Cancel"), InviteCancel())]


def _department_step(t: Translator, draft: InviteDraft) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[key(d.name, InviteDepartment(d.id))]
            for d in draft.departments]
    if invite_flow.office_roles(draft.grantable):
        # Office staff have no department; only an inviter who may grant their roles
        # is offered it (invite_flow.set_department refuses it otherwise).
        rows.append([key(t._("No department (office staff)"), InviteDepartment(None))])
    rows.append(_cancel_row(t))
    text = t._("Which department is <b>{name}</b> in?").format(
        name=html.escape(draft.name or ""))
    return text, InlineKeyboardMarkup(rows)


def _match_step(t: Translator, draft: InviteDraft) -> tuple[str, InlineKeyboardMarkup]:
    """People already in Choucha with that name: invite one of them, or confirm a new one."""
    lines = [t._("Already in Choucha with the name <b>{name}</b>:").format(
        name=html.escape(draft.name or "")), ""]
    rows = []
    for entry in draft.matches:
        department = entry.department_name or t._("no department")
        cert = f" · {mask_cert(entry.cert_no)}" if entry.cert_no else ""
        state = t._("registered") if entry.registered else t._("not registered")
        lines.append(f"• <b>{html.escape(entry.name)}</b> · {html.escape(department)}{cert}"
                     f" · {state}")
        if not entry.registered:
            label = t._("📨 Invite {name} · {department}{cert}").format(
                name=entry.name, department=department[:20], cert=cert)
            rows.append([key(label[:60], InviteExisting(entry.person_id))])
    lines += ["", t._("Tap the person to invite them as they are in the directory. Only if"
                      " none of them is the person you mean, make a new one.")]
    rows.append([key(t._("➕ None of these: a new person"), InviteNew())])
    rows.append(_cancel_row(t))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _roles_step(t: Translator, draft: InviteDraft) -> tuple[str, InlineKeyboardMarkup]:
    rows = []
    for role in draft.grantable:
        if role in (Role.INSPECTOR, Role.SUPERVISOR) and draft.department is None:
            continue
        mark = "✅ " if role in draft.roles else "▫️ "
        rows.append([key(mark + role_label(t, role), InviteRole(role))])
    rows.append([key(t._("Done — make the invite"), InviteDone())])
    rows.append(_cancel_row(t))
    department = html.escape(draft.department.name) if draft.department else t._("no department")
    text = t._("Roles of <b>{name}</b> ({department}): tap to select, then Done.").format(
        name=html.escape(draft.name or ""), department=department)
    return text, InlineKeyboardMarkup(rows)


@command()
async def invite(sent: Sent) -> None:
    """/invite: start the flow."""
    t = sent.t
    try:
        await invite_flow.begin(sent.context.core, sent.person, sent.me.tg_user_id)
    except Refused as exc:
        await reply(sent.update, words.error_text(t, exc.reason))
        return
    await reply(sent.update, t._("Who are you inviting? Send the person's full name"
                                 " as on their enforcement certificate.")
                + "\n" + t._("Send /cancel to stop."))


async def invite_text(update: Update, context: Context, me: Who,
                      conversation: Conversation) -> None:
    """The name typed in the invite flow."""
    if conversation.step != "name":
        await reply(update, me.t._("Please use the buttons above, or send /cancel to stop."))
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        draft = await invite_flow.set_name(context.core, me.person, me.tg_user_id, message.text)
    except Refused as exc:
        await reply(update, words.error_text(me.t, exc.reason))
        return
    step = _match_step if draft.step == "match" else _department_step
    body, markup = step(me.t, draft)
    await reply(update, body, reply_markup=markup)


BUTTONS = Buttons(words.refusal_text)


@BUTTONS.on(InviteCancel)
async def invite_cancel(press: Press[InviteCancel]) -> None:
    person_of(press.me)
    await conversations.cancel(press.context.core, press.me.tg_user_id)
    await press.query.answer()
    await press.query.edit_message_text(press.me.t._("Invite cancelled; nothing was created."))


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
    body, markup = _department_step(press.me.t, draft)
    await press.query.edit_message_text(body, reply_markup=markup, parse_mode="HTML")


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
    body, markup = _roles_step(press.me.t, draft)
    await press.query.edit_message_text(body, reply_markup=markup, parse_mode="HTML")


async def send_card(update: Update, context: Context, me: Who, issued: IssuedInvite) -> None:
    """The invite card (QR) with the link in its caption, in the inviter's chat."""
    t = me.t
    tz = context.core.settings.tz
    expires = invite_sheets.expires_text(issued, tz)
    department = invite_sheets.department_text(t, issued)
    roles = invite_sheets.roles_text(t, issued)
    card = invite_sheets.card_png(issued, tz, t)
    caption = t._(
        "Invite for <b>{name}</b> ({department}; {roles}).\n"
        "Link: {link}\nValid once, until {expires}. Print the card or forward it to them."
    ).format(name=html.escape(issued.person.name), department=html.escape(department),
             roles=roles, link=issued.link, expires=expires)
    message = update.effective_message
    assert message is not None
    await message.reply_photo(card, caption=caption, parse_mode="HTML",
                              filename=f"invite-{issued.person.id}.png")
