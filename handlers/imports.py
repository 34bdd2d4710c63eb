"""The office sends a spreadsheet: it is checked and loaded, all or nothing; /templates, /export."""

from __future__ import annotations

import html
import io
import logging
import tempfile
from pathlib import Path

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from bot.buttons.office import ExportTable
from bot.buttons.people import PeopleInviteAll, PeopleOverview
from bot.clock import now as clock_now
from bot.formats.sheets import SHEETS
from bot.i18n import Translator
from bot.rules.models import BulkWrite, Person
from bot.services import conversations, visits
from bot.services.errors import Refusal, Refused
from bot.services.exports import EXPORTABLE, export, templates_workbook
from bot.services.imports import HEAVY_FROM, import_upload, keep_upload
from bot.services.onboarding import roster
from bot.services.practice import wants_practice
from bot.texts.imports import next_text, waiting_text
from bot.views.imports import reports_csv, summary_text
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    access_text,
    command,
    key,
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
    for kind, words in CAPTION_KINDS.items():
        if any(word in low for word in words):
            return kind
    return None


def _refuse_text(t: Translator) -> str:
    return t._("Only the office can load directories, items, plans and checklists."
               " Nothing was saved.")


def _file_refused_text(t: Translator) -> str:
    """A file from someone who does not load files, while no step asks for one."""
    return t._("I can't use this file here, so nothing was saved. (Spreadsheets of"
               " directories, plans and checklists are loaded by the office.) Send /help to"
               " see what you can do.")


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
            await reply(update, me.t._("This step needs a photo: send it as a photo (or a"
                                       " JPEG or PNG image); this file cannot be used."
                                       " Nothing was saved."))
        else:
            await reply(update, _file_refused_text(me.t))
        return
    doc = message.document
    name = doc.file_name or "file"
    if not name.lower().endswith(READABLE) and not name.lower().endswith(".xls"):
        await reply(update, me.t._("I can read .xlsx and .csv files (an XLSForm .xlsx for a"
                                   " checklist, or a .zip of the form with the CSV files of"
                                   " its choices). Nothing was saved."))
        return
    if doc.file_size and doc.file_size > MAX_DOWNLOAD:
        await reply(update, me.t._("This file is larger than 20 MB, which Telegram does not"
                                   " let bots download. Load it on the server with"
                                   " <code>choucha import</code>. Nothing was saved."))
        return
    if doc.file_size and doc.file_size >= HEAVY_FROM:
        await reply(update, me.t._("⏳ Checking {file} ({size:.1f} MB). Every row is checked"
                                   " before anything is loaded; the result comes here when it"
                                   " is done.").format(file=html.escape(name),
                                                       size=doc.file_size / 1e6))
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
        prefix = me.t._("import-report")
        await reply_with_file(update, text, io.BytesIO(reports_csv(me.t, reports)),
                              f"{prefix}-{stamp}.csv", html.escape(me.t._(
                                  "Row-by-row report for {file}").format(file=name)),
                              reply_markup=markup)
    else:
        await reply(update, text, reply_markup=markup)


async def _invite_offer(context: Context, me: Who) -> tuple[str, InlineKeyboardMarkup] | None:
    """After the inspector directory: who cannot be reached yet, and their invites."""
    waiting = await roster(context.core, person_of(me), unregistered=True)
    if not waiting:
        return None
    return me.t.ngettext(
        "👥 {n} person of the directory is not registered in Choucha yet: they will not"
        " be told of their tasks until they are.",
        "👥 {n} people of the directory are not registered in Choucha yet: they will not"
        " be told of their tasks until they are.", len(waiting)).format(n=len(waiting)), (
        InlineKeyboardMarkup([
            [key(me.t._("📨 Invite everyone not registered ({n})").format(
                n=len(waiting)), PeopleInviteAll())],
            [key(me.t._("👥 See them by department"), PeopleOverview())]]))


@command(_may_load, _refuse_text)
async def templates(sent: Sent) -> None:
    """/templates: the empty templates, one sheet per table."""
    me, message = sent.me, sent.message
    caption = me.t._("Fill the sheets you need and send the workbook back whole: its sheets"
                     " are loaded together, in order, or none if one has a problem. A sheet"
                     " saved as its own .xlsx or .csv works too.")
    await message.reply_document(io.BytesIO(templates_workbook()),
                                 filename="choucha-templates.xlsx", caption=caption)


@command(_may_load, _refuse_text)
async def export_command(sent: Sent) -> None:
    """/export: which table (a button each); /export <kind> sends that one at once."""
    kind = sent.args[0] if sent.args else ""
    if kind in EXPORTABLE:
        await _send_export(sent.update, sent.context, sent.person, sent.t, kind)
        return
    rows = [[key(f"📤 {SHEETS[k].title}", ExportTable(k))] for k in EXPORTABLE]
    await reply(sent.update, sent.t._("Which table? It comes back as the template, filled with"
                                      " what is loaded."),
                reply_markup=InlineKeyboardMarkup(rows))


async def _send_export(update: Update, context: Context, person: Person, t: Translator,
                       kind: str) -> None:
    message = update.effective_message
    assert message is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{kind}.xlsx"
        rows = await export(context.core, person, kind, path)
        await message.reply_document(path.read_bytes(), filename=f"{kind}.xlsx",
                                     caption=t._("{rows} rows").format(rows=rows))


BUTTONS = Buttons(lambda t, exc: _refuse_text(t) if exc.reason == Refusal.NOT_ALLOWED
                  else stale_text(t), _may_load, Refusal.NOT_ALLOWED)


@BUTTONS.on(ExportTable)
async def export_table(press: Press[ExportTable]) -> None:
    if press.button.kind not in EXPORTABLE:
        raise Refused(Refusal.STALE)
    await press.query.answer()
    await _send_export(press.update, press.context, press.member, press.me.t,
                       press.button.kind)
