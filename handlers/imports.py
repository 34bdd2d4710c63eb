"""The office sends a spreadsheet: it is checked and loaded, all or nothing; /templates, /export."""

from __future__ import annotations

import html
import io
import logging
import tempfile
from pathlib import Path

from telegram import Update
from telegram.constants import ChatAction

from bot.buttons.office import ExportTable
from bot.clock import now as clock_now
from bot.i18n import Translator
from bot.rules.models import BulkWrite, Person, Table
from bot.services import conversations, visits
from bot.services.errors import Refusal
from bot.services.exports import EXPORTABLE, export, templates_workbook
from bot.services.imports import HEAVY_FROM, import_upload, keep_upload
from bot.services.onboarding import roster
from bot.services.practice import wants_practice
from bot.texts.imports import next_text, waiting_text
from bot.tg.markup import markup_of
from bot.views import imports as words
from bot.views.imports import reports_csv, summary_text
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    access_text,
    command,
    person_of,
    reply,
    reply_with_file,
    stale_text,
    who,
)
from handlers.practice import begin_from_file

logger = logging.getLogger(__name__)

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's download limit
READABLE = (".xlsx", ".xlsm", ".csv", ".txt", ".zip")  # a .zip: a checklist and its CSVs
CAPTION_KINDS = {
    "departments": ("departments", "部门"),
    "items": ("items", "事项", "清单"),
    "targets": ("targets", "检查对象", "对象"),
    "inspectors": ("inspectors", "执法人员", "检查人员"),
    "recusals": ("recusals", "回避"),
    "plans": ("plans", "计划"),
    "checklist": ("checklist", "检查表"),
}


def _may_load(person: Person | None) -> bool:
    return person is not None and person.is_office


def _kind_from_caption(caption: str | None) -> str | None:
    if not caption:
        return None
    low = caption.lower()
    for kind, names in CAPTION_KINDS.items():
        if any(name in low for name in names):
            return kind
    return None


async def document(update: Update, context: Context) -> None:
    """A file from the office: check it, load it or report every problem."""
    me = await who(update, context)
    message = update.effective_message
    assert message is not None and message.document is not None
    if me.person is None:
        await reply(update, access_text(me.t))
        return
    if not _may_load(me.person):
        conversation = await conversations.current(context.core, me.tg_user_id)
        if visits.photo_expected(conversation, None) is None:  # a visit asks for a photo
            await reply(update, words.photo_needed_text(me.t))
        else:
            await reply(update, words.file_refused_text(me.t))
        return
    doc = message.document
    name = doc.file_name or "file"
    if not name.lower().endswith(READABLE) and not name.lower().endswith(".xls"):
        await reply(update, words.unreadable_text(me.t))
        return
    if doc.file_size and doc.file_size > MAX_DOWNLOAD:
        await reply(update, words.too_large_text(me.t))
        return
    if doc.file_size and doc.file_size >= HEAVY_FROM:
        await reply(update, words.checking_text(me.t, name, doc.file_size))
    else:
        await context.bot.send_chat_action(message.chat_id, ChatAction.TYPING)
    data = bytes(await (await doc.get_file()).download_as_bytearray())
    settings = context.core.settings
    with tempfile.TemporaryDirectory() as tmp:  # 0700, removed with what it holds
        path = Path(tmp) / Path(name).name
        path.write_bytes(data)
        if wants_practice(message.caption):  # try the checklist first; nothing is loaded
            await begin_from_file(update, context, me, path, name, data)
            return

        async def waiting(current: BulkWrite) -> None:
            await reply(update, waiting_text(me.t, current))

        reports = await import_upload(context.core, person_of(me), path, name,
                                      _kind_from_caption(message.caption), waiting)
    if len(reports) == 1:
        keep_upload(context.core, reports[0], data)
    for report in reports:
        logger.info("import of %s (%s): ok=%s rows=%s", report.filename, report.sha256[:12],
                    report.ok, report.rows)
    summaries = "\n\n".join(summary_text(me.t, r) for r in reports)
    loaded = {r.kind for r in reports if r.ok and r.kind}
    text = html.escape(summaries) + ("\n\n" + next_text(me.t, loaded) if loaded else "")
    offer = None
    if any(r.ok and r.kind == "inspectors" for r in reports):
        offer = await _invite_offer(context, me)
    markup = None
    if offer is not None:
        text, markup = f"{text}\n\n{offer[0]}", offer[1]
    # The report, the invite offer and the row-by-row CSV: one message when they fit.
    if any(r.problems or r.warnings for r in reports):
        stamp = clock_now().astimezone(settings.tz).strftime("%Y%m%d-%H%M")
        await reply_with_file(update, text, io.BytesIO(reports_csv(me.t, reports)),
                              f"{words.report_prefix(me.t)}-{stamp}.csv",
                              html.escape(words.report_caption(me.t, name)),
                              reply_markup=markup_of(markup))
    else:
        await reply(update, text, reply_markup=markup_of(markup))


async def _invite_offer(context: Context, me: Who) -> words.Screen | None:
    """After the inspector directory: who cannot be reached yet, and their invites."""
    waiting = await roster(context.core, person_of(me), unregistered=True)
    return words.invite_offer(me.t, len(waiting)) if waiting else None


@command(_may_load, words.refuse_text)
async def templates(sent: Sent) -> None:
    """/templates: the empty templates, one sheet per table."""
    me, message = sent.me, sent.message
    caption = words.templates_caption(me.t)
    await message.reply_document(io.BytesIO(templates_workbook()),
                                 filename="choucha-templates.xlsx", caption=caption)


@command(_may_load, words.refuse_text)
async def export_command(sent: Sent) -> None:
    """/export: which table (a button each); /export <kind> sends that one at once."""
    kind = sent.args[0] if sent.args else ""
    if kind in EXPORTABLE:
        await _send_export(sent.update, sent.context, sent.person, sent.t, Table(kind))
        return
    text, markup = words.export_screen(sent.t)
    await reply(sent.update, text, reply_markup=markup_of(markup))


async def _send_export(update: Update, context: Context, person: Person, t: Translator,
                       kind: Table) -> None:
    message = update.effective_message
    assert message is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.xlsx"
        rows = await export(context.core, person, kind, path)
        await message.reply_document(path.read_bytes(), filename=f"{kind}.xlsx",
                                     caption=words.rows_caption(t, rows))


BUTTONS = Buttons(lambda t, exc: words.refuse_text(t) if exc.reason == Refusal.NOT_ALLOWED
                  else stale_text(t), _may_load, Refusal.NOT_ALLOWED)


@BUTTONS.on(ExportTable)
async def export_table(press: Press[ExportTable]) -> None:
    await press.query.answer()
    await _send_export(press.update, press.context, press.member, press.me.t,
                       press.button.kind)
