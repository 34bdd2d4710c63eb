"""/people for the office: who of the directory is registered, invited or never invited,
by department, with invites for one person, a department, everyone not yet registered,
or the unregistered members of a draw's teams (QR sheet PDF + links CSV); /unbind to
unlink a person's Telegram account (a lost phone, someone who has left)."""

from __future__ import annotations

import contextlib
import html
import io
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest

from bot.buttons.base import BadCallback, parse_any
from bot.buttons.people import (
    PeopleInvite,
    PeopleInviteAll,
    PeopleInviteDepartment,
    PeopleInviteDraw,
    PeopleInviteNo,
    PeopleInviteSure,
    PeopleOverview,
    PeoplePage,
    UnbindAsk,
    UnbindNo,
    UnbindSure,
)
from bot.clock import now as clock_now
from bot.rules.models import InviteScope
from bot.services import accounts, invite_sheets
from bot.services.errors import Refusal, Refused
from bot.services.onboarding import (
    IssuedInvite,
    invites_fingerprint,
    plan_unregistered,
    reissue_invite,
    roster,
    store_planned,
    unregistered_in,
)
from bot.texts.notices import Keyboard
from bot.tg.markup import markup_of
from bot.views import people as words
from handlers.admin import send_card
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    command,
    office,
    person_of,
    reply,
)


@command(office, words.not_office_text)
async def people_command(sent: Sent) -> None:
    """/people: the directory's people by department, with their registration status."""
    update, me = sent.update, sent.me
    entries = await roster(sent.context.core, sent.person)
    if not entries:
        await reply(update, words.nobody_text(me.t))
        return
    text, markup = words.overview(me.t, entries)
    await reply(update, text, reply_markup=markup_of(markup))


async def send_sheet(update: Update, context: Context, me: Who,
                     issued: list[IssuedInvite], sheet: invite_sheets.InviteSheet) -> None:
    """The invite sheet (drawn before the invites were stored) as two documents in the
    office's chat."""
    message = update.effective_message
    assert message is not None
    settings = context.core.settings
    stamp = clock_now().astimezone(settings.tz).strftime("%Y%m%d-%H%M")
    names = "、".join(html.escape(i.person.name) for i in issued[:20])
    if len(issued) > 20:
        names += "…"
    await message.reply_document(
        io.BytesIO(sheet.cards_pdf), filename=f"invite-cards-{stamp}.pdf",
        caption=words.sheet_caption(me.t, sheet.count, names), parse_mode="HTML")
    await message.reply_document(
        io.BytesIO(sheet.links_csv), filename=f"invite-links-{stamp}.csv",
        caption=words.links_caption(me.t))


BUTTONS = Buttons(words.refusal_text, office, Refusal.NOT_OFFICE)


async def _edit(press: Press[Any], text: str, markup: Keyboard | None) -> None:
    await press.query.answer()
    await press.query.edit_message_text(text, reply_markup=markup_of(markup),
                                        parse_mode="HTML")


@BUTTONS.on(PeopleOverview)
async def show_overview(press: Press[PeopleOverview]) -> None:
    entries = await roster(press.context.core, person_of(press.me))
    await _edit(press, *words.overview(press.me.t, entries))


@BUTTONS.on(PeoplePage)
async def show_department(press: Press[PeoplePage]) -> None:
    core, t, b = press.context.core, press.me.t, press.button
    entries = await roster(core, person_of(press.me))
    group = words.groups(t, entries).get(b.department_id, [])
    if not group:
        raise Refused(Refusal.STALE)
    await _edit(press, *words.department_page(t, group, b.department_id, b.page,
                                              core.settings.tz, core.today()))


@BUTTONS.on(PeopleInvite)
async def invite_one(press: Press[PeopleInvite]) -> None:
    core, t = press.context.core, press.me.t
    issued = await reissue_invite(core, person_of(press.me), press.button.person_id)
    await press.query.answer()
    await send_card(press.update, press.context, press.me, issued)
    if _on_department_page(press):  # the page shows who is invited now
        entries = await roster(core, person_of(press.me))
        for department_id, group in words.groups(t, entries).items():
            ids = [e.person_id for e in group]
            if press.button.person_id in ids:
                page = ids.index(press.button.person_id) // words.PAGE
                text, markup = words.department_page(t, group, department_id, page,
                                                     core.settings.tz, core.today())
                with contextlib.suppress(BadRequest):  # unchanged: nothing to show
                    await press.query.edit_message_text(text, reply_markup=markup_of(markup),
                                                         parse_mode="HTML")


def _on_department_page(press: Press[Any]) -> bool:
    """Whether the pressed button is on a /people department page (not on a notice)."""
    message = press.query.message
    markup = message.reply_markup if isinstance(message, Message) else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            with contextlib.suppress(BadCallback):
                if isinstance(parse_any(button.callback_data), PeopleOverview):
                    return True
    return False


async def _ask_many(press: Press[Any], scope: InviteScope, ref: int = 0) -> None:
    """Before many invites: whom, and whose working link stops working (a confirmation)."""
    core, t = press.context.core, press.me.t
    entries = await unregistered_in(core, person_of(press.me), scope, ref)
    await press.query.answer()
    if not entries:
        await reply(press.update, words.invite_many_none_text(t))
        return
    markup = words.invite_many_keyboard(t, len(entries), scope, ref,
                                        invites_fingerprint(entries))
    await reply(press.update, words.invite_many_text(t, entries, core.settings.invite_ttl_days),
                reply_markup=markup_of(markup))


@BUTTONS.on(PeopleInviteDepartment)
async def invite_department(press: Press[PeopleInviteDepartment]) -> None:
    await _ask_many(press, InviteScope.DEPARTMENT, press.button.department_id)


@BUTTONS.on(PeopleInviteAll)
async def invite_all(press: Press[PeopleInviteAll]) -> None:
    await _ask_many(press, InviteScope.ALL)


@BUTTONS.on(PeopleInviteDraw)
async def invite_draw(press: Press[PeopleInviteDraw]) -> None:
    """The unregistered members of a draw's teams."""
    await _ask_many(press, InviteScope.DRAW, press.button.draw_id)


@BUTTONS.on(PeopleInviteNo)
async def invite_many_no(press: Press[PeopleInviteNo]) -> None:
    await press.query.answer()
    await press.query.edit_message_text(words.invite_many_kept_text(press.me.t),
                                        parse_mode="HTML")


@BUTTONS.on(PeopleInviteSure)
async def invite_many(press: Press[PeopleInviteSure]) -> None:
    """Plan the invites, draw the sheet, then store them and send it: a failure before the
    store leaves every earlier link working."""
    core, t, b = press.context.core, press.me.t, press.button
    office_person = person_of(press.me)
    entries = await unregistered_in(core, office_person, b.scope, b.ref)
    if invites_fingerprint(entries) != b.shown:
        # Pressed twice, or someone registered or was invited since it was shown: what it
        # listed is not what would be done, and the links just printed would stop working.
        raise Refused(Refusal.STALE)
    planned = await plan_unregistered(core, office_person,
                                      person_ids=[e.person_id for e in entries]
                                      ) if entries else []
    await press.query.answer()
    if not planned:
        await press.query.edit_message_text(words.invite_many_none_text(t), parse_mode="HTML")
        return
    sheet = await invite_sheets.build(core.workers, planned, core.settings.tz, t)
    try:
        issued = await store_planned(core, office_person, planned)
    except Refused:
        await press.query.edit_message_text(words.invite_many_changed_text(t),
                                            parse_mode="HTML")
        return
    with contextlib.suppress(BadRequest):  # the confirmation keeps its words, loses buttons
        await press.query.edit_message_reply_markup(None)
    await send_sheet(press.update, press.context, press.me, issued, sheet)


@command(office, words.not_office_text)
async def unbind_command(sent: Sent) -> None:
    """/unbind NAME|执法证号: unlink a person's Telegram account, after a confirmation."""
    t, who = sent.t, " ".join(sent.args).strip()
    if not who:
        await reply(sent.update, words.unbind_usage_text(t))
        return
    found = await accounts.linked(sent.context.core.db, sent.person, who)
    if not found:
        await reply(sent.update, words.unbind_none_text(t, who))
    elif len(found) == 1:
        text, markup = words.unbind_ask(t, sent.person, found[0])
        await reply(sent.update, text, reply_markup=markup_of(markup))
    else:
        await reply(sent.update, words.unbind_choose_text(t, len(found), who),
                    reply_markup=markup_of(words.unbind_choose_keyboard(t, found)))


async def _linked(press: Press[Any], person_id: int) -> accounts.Linked:
    found = await accounts.linked_person(press.context.core.db, person_of(press.me), person_id)
    if found is None:  # no longer in the directory
        raise Refused(Refusal.STALE)
    return found


@BUTTONS.on(UnbindAsk)
async def unbind_ask(press: Press[UnbindAsk]) -> None:
    text, markup = words.unbind_ask(press.me.t, person_of(press.me),
                                    await _linked(press, press.button.person_id))
    await _edit(press, text, markup)


@BUTTONS.on(UnbindNo)
async def unbind_no(press: Press[UnbindNo]) -> None:
    found = await _linked(press, press.button.person_id)
    await press.query.answer()
    await press.query.edit_message_text(
        words.unbind_kept_text(press.me.t, found.entry.name) if found.tg_user_id is not None
        else words.unbind_gone_text(press.me.t, found.entry.name), parse_mode="HTML")


@BUTTONS.on(UnbindSure)
async def unbind_sure(press: Press[UnbindSure]) -> None:
    core, t, b = press.context.core, press.me.t, press.button
    found = await _linked(press, b.person_id)
    unlinked = await accounts.unbind(core.db, person_of(press.me), b.person_id, b.tg_user_id)
    await press.query.answer()
    await press.query.edit_message_text(
        words.unbind_done_text(t, found.entry.name) if unlinked is not None
        else words.unbind_gone_text(t, found.entry.name), parse_mode="HTML")
