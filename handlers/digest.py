"""/digest: the office's digest on demand, and the summary of any plan."""

from __future__ import annotations

import html

from telegram import Update
from telegram.constants import ChatAction

from bot.buttons.office import DigestPlan
from bot.services import digest
from bot.services.errors import Refusal, Refused
from bot.texts import digest as digest_texts
from bot.tg.markup import markup_of
from bot.views import digest as words
from handlers.common import (
    Buttons,
    Press,
    Sent,
    Who,
    busy,
    command,
    office,
    person_of,
    reply,
    reply_with_file,
)


@command(office, words.not_office_text)
async def digest_command(sent: Sent) -> None:
    """/digest now; /digest plan: choose a plan for its summary."""
    update, context, me, message = sent.update, sent.context, sent.me, sent.message
    if context.args and context.args[0].lower() in ("plan", "计划"):
        plans = await digest.plans(context.core, person_of(me))
        if not plans:
            await reply(update, words.no_plan_text(me.t))
            return
        text, markup = words.plans_screen(me.t, plans)
        await reply(update, text, reply_markup=markup_of(markup))
        return
    today = context.core.today()
    # Three messages (text, chart, spreadsheet): the burst a chat takes at once.
    async with busy(context, message.chat_id, ChatAction.UPLOAD_DOCUMENT):
        files = await digest.render(context.core, person_of(me), me.t, today, so_far=True)
    await _send(update, me, files, f"digest-{today}")


BUTTONS = Buttons(words.refusal_text, office, Refusal.NOT_OFFICE)


@BUTTONS.on(DigestPlan)
async def plan_button(press: Press[DigestPlan]) -> None:
    """The digest of one plan."""
    plan_id, core = press.button.plan_id, press.context.core
    name = next((p.name for p in await digest.plans(core, person_of(press.me))
                 if p.id == plan_id), None)
    if name is None:
        raise Refused(Refusal.STALE)
    await press.query.answer()
    assert press.query.message is not None
    async with busy(press.context, press.query.message.chat.id, ChatAction.UPLOAD_DOCUMENT):
        files = await digest.render(core, person_of(press.me), press.me.t, core.today(),
                                    plan_id, name)
    await _send(press.update, press.me, files, f"plan-{plan_id}")


async def _send(update: Update, me: Who, files: digest.Files, stem: str) -> None:
    message = update.effective_message
    assert message is not None
    await reply_with_file(update, files.text, files.chart, "chart.png",
                          html.escape(digest_texts.chart_caption(me.t)),
                          photo=True)
    if files.sheet is not None:
        await message.reply_document(files.sheet, filename=f"{stem}.xlsx",
                                     caption=html.escape(digest_texts.sheet_caption(me.t)))
