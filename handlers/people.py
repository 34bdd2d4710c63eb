"""/people for the office: who of the directory is registered, invited or never invited,
by department, with invites for one person, a department, everyone not yet registered,
or the unregistered members of a draw's teams (QR sheet PDF + links CSV)."""

from __future__ import annotations

import html
import io
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import callbacks
from bot.clock import now as clock_now
from bot.config import Settings
from bot.i18n import Translator
from bot.logs import mask_cert
from bot.models import Person, RosterEntry, RosterStatus
from bot.services import invite_sheets
from bot.services.errors import Refused
from bot.services.onboarding import (
    IssuedInvite,
    invite_unregistered,
    reissue_invite,
    roster,
    unregistered_of_draw,
)
from bot.texts import role_label, roster_status
from handlers.admin import send_card
from handlers.common import Context, Who, answer_stale, core, person_of, pressed, reply, who
from handlers.onboarding import access_text

PAGE = 15
NO_DEPARTMENT = 0  # the department id of office staff without one, in buttons


def _office(person: Person | None) -> bool:
    return person is not None and person.is_office


def not_office_text(t: Translator) -> str:
    return t._("Only the office and administrators see the people of the directory.")


def _groups(t: Translator, entries: list[RosterEntry]) -> dict[int, list[RosterEntry]]:
    groups: dict[int, list[RosterEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.department_id or NO_DEPARTMENT, []).append(entry)
    return groups


def _department_label(t: Translator, entry: RosterEntry) -> str:
    return entry.department_name or t._("No department")


def overview(t: Translator, entries: list[RosterEntry]) -> tuple[str, InlineKeyboardMarkup]:
    """Per department: how many are registered, invited, not yet invited."""
    lines = [t._("👥 <b>People in Choucha</b> (registered / all)"), ""]
    rows = []
    for department_id, group in _groups(t, entries).items():
        registered = sum(1 for e in group if e.registered)
        invited = sum(1 for e in group if e.status == RosterStatus.INVITED)
        label = _department_label(t, group[0])
        lines.append(t._("• {department}: {registered}/{n} registered, {invited} invited").format(
            department=html.escape(label), registered=registered, n=len(group),
            invited=invited))
        rows.append([InlineKeyboardButton(f"{label[:40]} · {registered}/{len(group)}",
                                          callback_data=callbacks.encode("ppl", "d",
                                                                         department_id, 0))])
    waiting = sum(1 for e in entries if not e.registered)
    lines.append("")
    if waiting:
        lines.append(t._("{n} people cannot be told of their tasks until they register.")
                     .format(n=waiting))
        rows.append([InlineKeyboardButton(
            t._("📨 Invite everyone not registered ({n})").format(n=waiting),
            callback_data=callbacks.encode("ppl", "ia"))])
    else:
        lines.append(t._("Everyone is registered."))
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def department_page(t: Translator, group: list[RosterEntry], department_id: int, page: int,
                    settings: Settings, today: date) -> tuple[str, InlineKeyboardMarkup]:
    """One page of a department: name, masked 执法证号, roles, status; invite buttons."""
    pages = max(1, -(-len(group) // PAGE))
    page = min(max(page, 0), pages - 1)
    shown = group[page * PAGE:(page + 1) * PAGE]
    label = _department_label(t, group[0]) if group else t._("No department")
    lines = [t._("👥 <b>{department}</b> — page {page} of {pages}").format(
        department=html.escape(label), page=page + 1, pages=pages), ""]
    rows: list[list[InlineKeyboardButton]] = []
    for entry in shown:
        roles = "、".join(role_label(t, r) for r in entry.roles) or "—"
        cert = f" · {mask_cert(entry.cert_no)}" if entry.cert_no else ""
        lines.append(f"<b>{html.escape(entry.name)}</b>{cert} · {roles}")
        lines.append("   " + roster_status(t, entry, settings.tz, today, marks=True,
                                                until="%m-%d %H:%M"))
        if not entry.registered:
            rows.append([InlineKeyboardButton(
                t._("📨 Invite {name}").format(name=entry.name[:30]),
                callback_data=callbacks.encode("ppl", "i", entry.person_id))])
    waiting = sum(1 for e in group if not e.registered)
    if waiting > 1:
        rows.append([InlineKeyboardButton(
            t._("📨 Invite all not registered here ({n})").format(n=waiting),
            callback_data=callbacks.encode("ppl", "id", department_id))])
    paging = []
    if page > 0:
        paging.append(InlineKeyboardButton("◀️", callback_data=callbacks.encode(
            "ppl", "d", department_id, page - 1)))
    if page < pages - 1:
        paging.append(InlineKeyboardButton("▶️", callback_data=callbacks.encode(
            "ppl", "d", department_id, page + 1)))
    paging.append(InlineKeyboardButton(t._("⬅️ All departments"),
                                       callback_data=callbacks.encode("ppl", "o")))
    rows.append(paging)
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def people_command(update: Update, context: Context) -> None:
    """/people: the directory's people by department, with their registration status."""
    me = await who(update, context)
    if not _office(me.person):
        await reply(update, access_text(me.t) if me.person is None else not_office_text(me.t))
        return
    entries = await roster(core(context), person_of(me))
    if not entries:
        await reply(update, me.t._("Nobody is in Choucha yet: send the inspector directory"
                                   " (/templates) or use /invite."))
        return
    text, markup = overview(me.t, entries)
    await reply(update, text, reply_markup=markup)


async def send_sheet(update: Update, context: Context, me: Who,
                     issued: list[IssuedInvite]) -> None:
    """The invite sheet as two documents in the office's chat."""
    message = update.effective_message
    assert message is not None
    if not issued:
        await reply(update, me.t._("Everyone concerned is registered already; no invite was"
                                   " made."))
        return
    settings = core(context).settings
    sheet = await invite_sheets.build(core(context).workers, issued, settings.tz, me.t)
    stamp = clock_now().astimezone(settings.tz).strftime("%Y%m%d-%H%M")
    names = "、".join(html.escape(i.person.name) for i in issued[:20])
    if len(issued) > 20:
        names += "…"
    await message.reply_document(
        io.BytesIO(sheet.cards_pdf), filename=f"invite-cards-{stamp}.pdf",
        caption=me.t.ngettext(
            "📨 {n} invite: print the card and hand it over, or forward the link. {names}",
            "📨 {n} invites: print the cards and cut them apart, or send each person their"
            " link from the CSV. {names}", sheet.count).format(n=sheet.count, names=names)[
            :1024], parse_mode="HTML")
    await message.reply_document(
        io.BytesIO(sheet.links_csv), filename=f"invite-links-{stamp}.csv",
        caption=me.t._("Each link works once, for 7 days; an earlier invite of the same"
                       " person no longer works."))


async def people_button(update: Update, context: Context) -> None:
    """v1:ppl:… — overview, a department's page, invite one / a department / all / a draw's."""
    query, me = await pressed(update, context)
    if not _office(me.person):
        await query.answer(not_office_text(me.t), show_alert=True)
        return
    try:
        _, args = callbacks.decode(query.data)
        action = args[0]
        numbers = [int(a) for a in args[1:]]
    except (callbacks.BadCallback, IndexError, ValueError):
        await answer_stale(query, me.t)
        return
    c = core(context)
    try:
        if action in ("o", "d"):
            entries = await roster(c, person_of(me))
            today = clock_now().astimezone(c.settings.tz).date()
            if action == "o":
                text, markup = overview(me.t, entries)
            else:
                department_id, page = numbers
                group = _groups(me.t, entries).get(department_id, [])
                if not group:
                    raise Refused("stale")
                text, markup = department_page(me.t, group, department_id, page, c.settings,
                                               today)
            await query.answer()
            await query.edit_message_text(text, reply_markup=markup, parse_mode="HTML")
            return
        if action == "i":
            issued = await reissue_invite(c, person_of(me), numbers[0])
            await query.answer()
            await send_card(update, context, me, issued)
            return
        if action == "id":
            department_id = numbers[0]
            entries = [e for e in await roster(c, person_of(me), unregistered=True)
                       if (e.department_id or NO_DEPARTMENT) == department_id]
            many = await invite_unregistered(c, person_of(me),
                                             person_ids=[e.person_id for e in entries])
        elif action == "ia":
            many = await invite_unregistered(c, person_of(me))
        elif action == "dr":
            drawn = await unregistered_of_draw(c, person_of(me), numbers[0])
            many = await invite_unregistered(c, person_of(me), person_ids=drawn)
        else:
            raise Refused("stale")
    except Refused as exc:
        if exc.reason == "already_bound":
            await query.answer(me.t._("{name} is registered already; no invite is needed.")
                               .format(name=exc.params.get("name", "")), show_alert=True)
        elif exc.reason == "not_allowed":
            await query.answer(me.t._("Only an administrator can invite an administrator."),
                               show_alert=True)
        else:
            await answer_stale(query, me.t)
        return
    await query.answer()
    await send_sheet(update, context, me, many)
