"""What every handler shares: the core, who is writing, the update guard, errors."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import html
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from telegram import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler

from bot.buttons.base import BadCallback, Button, parse_any
from bot.formats.rendering.fit import CAPTION_LIMIT, utf16_len
from bot.i18n import Translator, translator
from bot.rules.evidence import FileKind, Incoming
from bot.rules.models import Person
from bot.services.accounts import Identity, TgUser, identify
from bot.services.errors import Refusal, Refused
from bot.tg import late
from bot.tg.commands import commands_for, menu
from bot.tg.context import BotContext
from bot.tg.menus import set_menu
from bot.views.refusals import access_text, error_text, help_pointer, not_allowed_text, stale_text
from storage import DuplicateUpdate, current_update
from storage.db import UpdateMark

logger = logging.getLogger(__name__)

Context = BotContext


@dataclass(frozen=True)
class Who:
    identity: Identity
    t: Translator

    @property
    def person(self) -> Person | None:
        return self.identity.person

    @property
    def tg_user_id(self) -> int:
        return self.identity.tg_user_id


def person_of(me: Who) -> Person:
    """The registered person acting, for a service (after the handler's own check); a
    stranger reaching here is refused like anyone without the role."""
    if me.person is None:
        raise Refused(Refusal.NOT_ALLOWED)
    return me.person


async def who(update: Update, context: Context) -> Who:
    """Identify the sender of an update (remembering new accounts)."""
    user = update.effective_user
    if user is None:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    identity = await identify(
        context.core.db,
        TgUser(user.id, chat.id if chat and chat.type == "private" else None, user.username,
               user.first_name, user.language_code),
        context.core.today(),
    )
    t = translator(identity.language)
    late.speaks(t)  # "done after a restart", when it was (bot/tg/late.py)
    return Who(identity, t)


@dataclass(frozen=True)
class SentFile:
    """A file someone sent: a photo (its largest size), a document, a voice message, an
    audio file, a video or a round video message, as Telegram describes it."""

    file_id: str
    unique_id: str
    size: int | None
    name: str | None  # its own name (a document's, an audio file's, a video's), if any
    mime: str  # as Telegram says, else the kind's usual type (bot/rules/evidence.py)
    kind: FileKind

    @property
    def filename(self) -> str:
        """A name to keep it under: its own, else "photo.jpg" or "file"."""
        return self.name or ("photo.jpg" if self.kind == FileKind.PHOTO else "file")

    @property
    def incoming(self) -> Incoming:
        """What the services decide with, before anything is downloaded."""
        return Incoming(self.kind, self.mime, self.name, self.size)


def sent_file(message: Message) -> SentFile:
    """The file a message carries (a handler for files is registered only for these)."""
    if message.photo:
        largest = message.photo[-1]
        return _described(FileKind.PHOTO, largest.file_id, largest.file_unique_id,
                          largest.file_size, None, None)
    if message.voice is not None:
        voice = message.voice
        return _described(FileKind.VOICE, voice.file_id, voice.file_unique_id, voice.file_size,
                          None, voice.mime_type)
    if message.audio is not None:
        audio = message.audio
        return _described(FileKind.AUDIO, audio.file_id, audio.file_unique_id, audio.file_size,
                          audio.file_name, audio.mime_type)
    if message.video is not None:
        video = message.video
        return _described(FileKind.VIDEO, video.file_id, video.file_unique_id, video.file_size,
                          video.file_name, video.mime_type)
    if message.video_note is not None:  # a round video message: no name, no type
        note = message.video_note
        return _described(FileKind.VIDEO_NOTE, note.file_id, note.file_unique_id, note.file_size,
                          None, None)
    document = message.document
    assert document is not None
    return _described(FileKind.DOCUMENT, document.file_id, document.file_unique_id,
                      document.file_size, document.file_name, document.mime_type)


def _described(kind: FileKind, file_id: str, unique_id: str, size: int | None, name: str | None,
               mime: str | None) -> SentFile:
    incoming = Incoming.of(kind, mime, name, size)
    return SentFile(file_id, unique_id, size, incoming.name, incoming.mime, kind)


async def download(context: Context, file_id: str) -> bytes | None:
    """A file someone sent, or None when it could not be fetched (a weak signal: the
    caller says so and nothing is saved)."""
    try:
        return bytes(await (await context.bot.get_file(file_id)).download_as_bytearray())
    except (NetworkError, TimedOut):
        return None


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Answer the person's own action at once, in HTML."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, **kwargs)


# Room kept in a caption for the line a late update begins with (bot/tg/late.py).
LATE_LINE_ROOM = 64


def fits_caption(html_text: str) -> bool:
    """Whether an HTML text fits a file's caption whole: measured with its markup, as the
    bot's cut measures it (bot/tg/tgbot.py), so that nothing of it is cut off."""
    return utf16_len(html_text) <= CAPTION_LIMIT - LATE_LINE_ROOM


async def reply_with_file(update: Update, text: str, file: Any, filename: str,
                          caption: str, photo: bool = False,
                          reply_markup: InlineKeyboardMarkup | None = None) -> None:
    """A text and the file it goes with (HTML both): one message, the text as the file's
    caption, when it fits; else the text, then the file. One place in the chat's pace
    (bot/rules/pacing.py) instead of two. `reply_markup` goes with the text."""
    message = update.effective_message
    if message is None:
        return
    together = f"{text}\n\n{caption}" if caption else text
    file_markup = None
    if fits_caption(together):
        text, caption, file_markup = "", together, reply_markup
    if text:
        await message.reply_html(text, reply_markup=reply_markup)
    if photo:
        await message.reply_photo(file, caption=caption, parse_mode="HTML",
                                  reply_markup=file_markup)
    else:
        await message.reply_document(file, filename=filename, caption=caption,
                                     parse_mode="HTML", reply_markup=file_markup)


@contextlib.asynccontextmanager
async def busy(context: Context, chat_id: int, action: str) -> AsyncIterator[None]:
    """Telegram's "sending a file…" (or typing…) above the chat while the work inside
    runs, renewed every few seconds (it lasts 5): a long wait is shown without a message
    of its own, which would take a place in the chat's pace (bot/rules/pacing.py)."""
    async def keep() -> None:
        while True:
            with contextlib.suppress(TelegramError):
                await context.bot.send_chat_action(chat_id, action)
            await asyncio.sleep(4.5)

    task = asyncio.get_running_loop().create_task(keep())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def wake_after(update: Update, context: Context) -> None:
    """After every update (its own group, last): the outbox sends what the update queued
    (notices to others, a refusal's aftermath, an ended access) now rather than at its next
    tick. With `on_error` (after an update that failed), the one place that wakes it."""
    context.wake_outbox()


async def guard(update: Update, context: Context) -> None:
    """Stop an update that was handled before (the intake has set the mark of the one
    being handled; see bot/tg/intake.py)."""
    async with context.core.db.read() as rtx:
        seen = await rtx.updates.seen(update.update_id)
    if seen:
        logger.info("update %s was handled before; ignored", update.update_id)
        raise ApplicationHandlerStop
    mark = current_update.get()
    if mark is None or mark.update_id != update.update_id:
        current_update.set(UpdateMark(update.update_id))


async def pressed(update: Update, context: Context) -> tuple[CallbackQuery, Who]:
    """The button press being handled and who pressed it."""
    query = update.callback_query
    assert query is not None
    return query, await who(update, context)


COMMAND = re.compile(r"(?<![\w/.])/[a-z_]{2,}\b")  # a command named in a text


def way_forward(t: Translator, refusal: str) -> str:
    """A refusal that ends what the person tried, with where to go from there: a refusal
    naming no command of its own points to /help."""
    if COMMAND.search(refusal):
        return refusal
    return refusal + "\n" + help_pointer(t)


async def answer_stale(query: CallbackQuery, t: Translator) -> None:
    """A stale or forged button: an alert, nothing changed."""
    await query.answer(stale_text(t), show_alert=True)


B = TypeVar("B", bound=Button)


@dataclass(frozen=True)
class Press(Generic[B]):
    """A button press being handled: the update, who pressed, and the parsed button."""

    update: Update
    context: Context
    query: CallbackQuery
    me: Who
    button: B

    @property
    def member(self) -> Person:
        """The registered person pressing; a stranger is refused ("not_member": the
        task or visit is not theirs)."""
        if self.me.person is None:
            raise Refused(Refusal.NOT_MEMBER)
        return self.me.person


OnPress = Callable[[Press[Any]], Awaitable[None]]
Refusals = Callable[[Translator, Refused], str]
Guard = Callable[[Person | None], bool]


def registered(person: Person | None) -> bool:
    """A guard: anyone registered (bound to a person of the directory)."""
    return person is not None


def office(person: Person | None) -> bool:
    """A guard: the office or an administrator."""
    return person is not None and person.is_office


class Buttons:
    """A journey's button table: each button kind to the function that handles it.

    A press is parsed into its kind before the function runs (a stale or forged button
    never reaches it: it gets the stale alert); the journey's `guard` is checked next
    (who may press these buttons at all: refused with `refusal` when they may not); a
    refusal the function raises is shown as an alert in the journey's words (`refusals`).
    """

    def __init__(self, refusals: Refusals, guard: Guard | None = None,
                 refusal: Refusal = Refusal.NOT_ALLOWED) -> None:
        self.refusals = refusals
        self.guard = guard
        self.refusal = refusal
        self.table: dict[type[Button], OnPress] = {}

    def on(self, kind: type[B]) -> Callable[[Callable[[Press[B]], Awaitable[None]]],
                                           Callable[[Press[B]], Awaitable[None]]]:
        """Decorator: `fn` handles presses of `kind`."""
        def add(fn: Callable[[Press[B]], Awaitable[None]]) -> Callable[[Press[B]],
                                                                        Awaitable[None]]:
            if kind in self.table:
                raise TypeError(f"{kind.__name__} has a handler already")
            self.table[kind] = fn
            return fn
        return add

    async def run(self, fn: OnPress, press: Press[Any]) -> None:
        """`fn` on a parsed press: the table's guard first; a refusal in its words."""
        query, me = press.query, press.me
        try:
            if self.guard is not None and not self.guard(me.person):
                raise Refused(self.refusal)
            await fn(press)
        except Refused as exc:
            text = self.refusals(me.t, exc)
            if exc.reason != Refusal.STALE and isinstance(query.message, Message):
                # A popup goes away: the reason and the way forward stay in the chat.
                try:
                    await query.message.reply_html(way_forward(me.t, text), do_quote=True)
                except BadRequest:  # not valid HTML after all: as plain text
                    await query.message.reply_text(html.unescape(way_forward(me.t, text)),
                                                   do_quote=True)
            with contextlib.suppress(BadRequest):  # answered already by the handler
                alert = html.unescape(text)  # a popup holds 200 characters
                await query.answer(alert if len(alert) <= 200 else alert[:199] + "…",
                                   show_alert=True)


class Dispatcher:
    """Every journey's button table merged into one CallbackQueryHandler: a press is
    parsed once (`parse_any`), its kind finds its table and function, and the table's
    guard and refusals apply. A stale or forged button (no kind of ours, or a kind no
    table handles) never reaches a function: it gets the "no longer valid" alert."""

    def __init__(self, tables: Iterable[Buttons]) -> None:
        self.routes: dict[type[Button], tuple[Buttons, OnPress]] = {}
        for table in tables:
            for kind, fn in table.table.items():
                if kind in self.routes:
                    raise TypeError(f"{kind.__name__} is handled by two tables")
                self.routes[kind] = (table, fn)

    def handler(self) -> CallbackQueryHandler[Context, None]:
        return CallbackQueryHandler(self.dispatch)

    async def dispatch(self, update: Update, context: Context) -> None:
        query, me = await pressed(update, context)
        try:
            button = parse_any(query.data)
        except BadCallback:
            await answer_stale(query, me.t)
            return
        route = self.routes.get(type(button))
        if route is None:
            await answer_stale(query, me.t)
            return
        table, fn = route
        await table.run(fn, Press(update, context, query, me, button))


@dataclass(frozen=True)
class Sent:
    """A command or message from a registered person whom the handler's guard let in."""

    update: Update
    context: Context
    me: Who
    person: Person

    @property
    def t(self) -> Translator:
        return self.me.t

    @property
    def message(self) -> Message:
        message = self.update.effective_message
        assert message is not None
        return message

    @property
    def args(self) -> list[str]:
        return list(self.context.args or [])


OnSent = Callable[[Sent], Awaitable[None]]
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]


def command(guard: Guard = registered,
            refused: Callable[[Translator], str] = not_allowed_text) -> Callable[[OnSent],
                                                                                 Handler]:
    """Decorator for a command or message handler: who is writing; a stranger gets the
    access text, a person the `guard` keeps out gets `refused`; everyone else reaches
    `fn` with a `Sent`."""
    def wrap(fn: OnSent) -> Handler:
        @functools.wraps(fn)
        async def handle(update: Update, context: Context) -> None:
            me = await who(update, context)
            if me.person is None:
                await reply(update, access_text(me.t))
            elif not guard(me.person):
                await reply(update, way_forward(me.t, refused(me.t)))
            else:
                await fn(Sent(update, context, me, me.person))
        return handle
    return wrap


async def set_commands(context: Context, me: Who) -> None:
    """The command menu of this person's chat, in their language, for their roles."""
    await set_menu(context.bot, context.core.db, me.tg_user_id,
                   menu(me.t, commands_for(me.person)), wait=False)


async def on_error(update: object, context: Context) -> None:
    """Log the error; tell the person what happened to their action: saved (only the
    answer failed) or not saved at all."""
    error = context.error
    if isinstance(error, DuplicateUpdate):
        logger.info("update %s was handled concurrently; ignored", error)
        raise ApplicationHandlerStop
    logger.error("error while handling an update", exc_info=error)
    if not isinstance(update, Update) or update.effective_user is None:
        return
    mark = current_update.get()
    saved = mark is not None and mark.update_id == update.update_id and mark.recorded
    t = translator(update.effective_user.language_code)
    text = error_text(t, saved)
    told = False
    if update.callback_query is not None:
        # The button may have been answered already, or be too old: then say it in the chat.
        with contextlib.suppress(TelegramError):
            told = await update.callback_query.answer(text, show_alert=True)
    chat = update.effective_chat
    if not told and chat is not None:
        try:
            await context.bot.send_message(chat.id, text, parse_mode=ParseMode.HTML)
        except TelegramError:
            logger.warning("could not tell the person about the error")
    # What the update committed before it failed (notices to others) leaves now: the
    # group that wakes the outbox after every update is skipped after an error.
    context.wake_outbox()
    raise ApplicationHandlerStop
