"""What every handler shares: the core, who is writing, the update guard, errors."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from telegram import BotCommand, BotCommandScopeChat, CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.commands import commands_for
from bot.core import Core
from bot.i18n import Translator, translator
from bot.models import Person
from bot.services.accounts import Identity, TgUser, identify
from bot.services.errors import Refused
from storage import DuplicateUpdate, current_update
from storage.db import UpdateMark

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
CORE_KEY = "core"
WAKE_KEY = "wake_outbox"


def core(context: Context) -> Core:
    return context.application.bot_data[CORE_KEY]


def wake_outbox(context: Context) -> None:
    """Ask the sender to run now rather than at its next tick."""
    wake = context.application.bot_data.get(WAKE_KEY)
    if wake is not None:
        wake()


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
        raise Refused("not_allowed")
    return me.person


async def who(update: Update, context: Context) -> Who:
    """Identify the sender of an update (remembering new accounts)."""
    user = update.effective_user
    if user is None:
        raise ApplicationHandlerStop
    chat = update.effective_chat
    identity = await identify(
        core(context).db,
        TgUser(user.id, chat.id if chat and chat.type == "private" else None, user.username,
               user.first_name, user.language_code),
    )
    return Who(identity, translator(identity.language))


async def reply(update: Update, text: str, **kwargs: Any) -> None:
    """Answer the person's own action at once, in HTML."""
    message = update.effective_message
    if message is not None:
        await message.reply_html(text, **kwargs)


async def guard(update: Update, context: Context) -> None:
    """Stop an update that was handled before (the intake has set the mark of the one
    being handled; see bot/intake.py)."""
    async with core(context).db.read() as rtx:
        seen = await rtx.updates.seen(update.update_id)
    if seen:
        logger.info("update %s was handled before; ignored", update.update_id)
        raise ApplicationHandlerStop
    mark = current_update.get()
    if mark is None or mark.update_id != update.update_id:
        current_update.set(UpdateMark(update.update_id))


def stale_text(t: Translator) -> str:
    return t._("This button is no longer valid. Send /help to start again.")


async def pressed(update: Update, context: Context) -> tuple[CallbackQuery, Who]:
    """The button press being handled and who pressed it."""
    query = update.callback_query
    assert query is not None
    return query, await who(update, context)


async def answer_stale(query: CallbackQuery, t: Translator) -> None:
    """A stale or forged button: an alert, nothing changed."""
    await query.answer(stale_text(t), show_alert=True)


async def unknown_button(update: Update, context: Context) -> None:
    """A button this bot no longer knows (stale or forged): say so, change nothing."""
    if update.callback_query is None:
        return
    query, me = await pressed(update, context)
    await answer_stale(query, me.t)


async def set_commands(context: Context, me: Who) -> None:
    """The command menu of this person's chat, in their language, for their roles."""
    commands = [BotCommand(c.name, me.t._(c.description)) for c in commands_for(me.person)]
    try:
        await context.bot.set_my_commands(commands, scope=BotCommandScopeChat(me.tg_user_id))
    except TelegramError as exc:
        logger.warning("could not set the command menu: %s", exc)


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
    if saved:
        text = t._("What you did was saved, but the answer could not be shown."
                   " Send /tasks or /help to see where you are.")
    else:
        text = t._("Sorry, something went wrong on our side and nothing was changed."
                   " Please try again in a moment; if it keeps happening, tell the office.")
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
    raise ApplicationHandlerStop
