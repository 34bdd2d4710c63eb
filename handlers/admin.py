"""The /invite flow for administrators and the office: name, department, roles, QR card."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.i18n import Translator
from bot.logs import mask_cert
from bot.models import Conversation, Role
from bot.services import conversations, invite_flow, invite_sheets
from bot.services.errors import Refused
from bot.services.invite_flow import InviteDraft
from bot.services.onboarding import IssuedInvite
from bot.texts import role_label
from handlers.common import Context, Who, core, reply, stale_text, who
from handlers.onboarding import access_text


def _error_text(t: Translator, reason: str) -> str:
    texts = {
        "not_allowed": t._("Only administrators and the office can invite people."),
        "bad_name": t._("Please send the person's name: 1 to 64 characters."),
        "no_role": t._("Choose at least one role."),
        "department_required": t._("Inspectors and supervisors belong to a department:"
                                   " start again with /invite and choose one."),
        "unknown_department": t._("That department no longer exists. Start again with /invite."),
        "name_exists": t._("Someone of that name is already in that department: start again"
                           " with /invite and choose them from the list."),
        "already_bound": t._("That person is registered already; no invite is needed."),
        "no_flow": stale_text(t),
    }
    return texts.get(reason, texts["no_flow"])


def _cancel_row(t: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t._("Cancel"), callback_data=callbacks.encode("inv", "x"))]


def _department_step(t: Translator, draft: InviteDraft) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[InlineKeyboardButton(d.name, callback_data=callbacks.encode("inv", "d", d.id))]
            for d in draft.departments]
    rows.append([InlineKeyboardButton(t._("No department (office staff)"),
                                      callback_data=callbacks.encode("inv", "d", "none"))])
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
            rows.append([InlineKeyboardButton(
                t._("📨 Invite {name} · {department}{cert}").format(
                    name=entry.name, department=department[:20], cert=cert)[:60],
                callback_data=callbacks.encode("inv", "p", entry.person_id))])
    lines += ["", t._("Tap the person to invite them as they are in the directory. Only if"
                      " none of them is the person you mean, make a new one.")]
    rows.append([InlineKeyboardButton(t._("➕ None of these: a new person"),
                                      callback_data=callbacks.encode("inv", "new"))])
    rows.append(_cancel_row(t))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _roles_step(t: Translator, draft: InviteDraft) -> tuple[str, InlineKeyboardMarkup]:
    rows = []
    for role in draft.grantable:
        if role in (Role.INSPECTOR, Role.SUPERVISOR) and draft.department is None:
            continue
        mark = "✅ " if role in draft.roles else "▫️ "
        rows.append([InlineKeyboardButton(mark + role_label(t, role),
                                          callback_data=callbacks.encode("inv", "r", role.value))])
    rows.append([InlineKeyboardButton(t._("Done — make the invite"),
                                      callback_data=callbacks.encode("inv", "ok"))])
    rows.append(_cancel_row(t))
    department = html.escape(draft.department.name) if draft.department else t._("no department")
    text = t._("Roles of <b>{name}</b> ({department}): tap to select, then Done.").format(
        name=html.escape(draft.name or ""), department=department)
    return text, InlineKeyboardMarkup(rows)


async def invite(update: Update, context: Context) -> None:
    """/invite: start the flow."""
    me = await who(update, context)
    if me.person is None:
        await reply(update, access_text(me.t))
        return
    try:
        await invite_flow.begin(core(context), me.person, me.tg_user_id)
    except Refused as exc:
        await reply(update, _error_text(me.t, exc.reason))
        return
    await reply(update, me.t._("Who are you inviting? Send the person's full name"
                               " as on their enforcement certificate.")
                + "\n" + me.t._("Send /cancel to stop."))


async def invite_text(update: Update, context: Context, me: Who,
                      conversation: Conversation) -> None:
    """The name typed in the invite flow."""
    if conversation.step != "name":
        await reply(update, me.t._("Please use the buttons above, or send /cancel to stop."))
        return
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        draft = await invite_flow.set_name(core(context), me.person, me.tg_user_id, message.text)
    except Refused as exc:
        await reply(update, _error_text(me.t, exc.reason))
        return
    step = _match_step if draft.step == "match" else _department_step
    body, markup = step(me.t, draft)
    await reply(update, body, reply_markup=markup)


async def invite_button(update: Update, context: Context) -> None:
    """Department, role toggles, Done and Cancel of the invite flow."""
    query = update.callback_query
    assert query is not None
    me = await who(update, context)
    try:
        _, args = callbacks.decode(query.data)
        if me.person is None:
            raise Refused("not_allowed")
        if args == ["x"]:
            await conversations.cancel(core(context), me.tg_user_id)
            await query.answer()
            await query.edit_message_text(me.t._("Invite cancelled; nothing was created."))
            return
        if args == ["ok"]:
            issued = await invite_flow.finish(core(context), me.person, me.tg_user_id)
            await query.answer()
            await query.edit_message_reply_markup(None)
            await send_card(update, context, me, issued)
            return
        if len(args) == 2 and args[0] == "p":
            issued = await invite_flow.choose_existing(core(context), me.person,
                                                       me.tg_user_id, int(args[1]))
            await query.answer()
            await query.edit_message_reply_markup(None)
            await send_card(update, context, me, issued)
            return
        if args == ["new"]:
            draft = await invite_flow.confirm_new(core(context), me.person, me.tg_user_id)
            await query.answer()
            body, markup = _department_step(me.t, draft)
            await query.edit_message_text(body, reply_markup=markup, parse_mode="HTML")
            return
        if len(args) == 2 and args[0] == "d":
            department_id = None if args[1] == "none" else int(args[1])
            draft = await invite_flow.set_department(core(context), me.person, me.tg_user_id,
                                                     department_id)
        elif len(args) == 2 and args[0] == "r" and args[1] in {r.value for r in Role}:
            draft = await invite_flow.toggle_role(core(context), me.person, me.tg_user_id,
                                                  Role(args[1]))
        else:
            raise Refused("no_flow")
    except (Refused, callbacks.BadCallback, ValueError) as exc:
        reason = exc.reason if isinstance(exc, Refused) else "no_flow"
        await query.answer(_error_text(me.t, reason), show_alert=True)
        return
    await query.answer()
    body, markup = _roles_step(me.t, draft)
    await query.edit_message_text(body, reply_markup=markup, parse_mode="HTML")


async def send_card(update: Update, context: Context, me: Who, issued: IssuedInvite) -> None:
    """The invite card (QR) with the link in its caption, in the inviter's chat."""
    t = me.t
    tz = core(context).settings.tz
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
