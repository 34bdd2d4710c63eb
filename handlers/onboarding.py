"""/start (with invite codes), /help, /language, /cancel, and messages nobody expected."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.people import Language
from bot.i18n import Translator, translator
from bot.services import conversations, tasks
from bot.services.accounts import TgUser, set_language
from bot.services.errors import Refused
from bot.services.onboarding import redeem
from bot.texts import notices
from bot.texts import tasks as words
from bot.tg import late
from bot.tg.commands import commands_for
from bot.tg.markup import markup_of
from bot.views import onboarding as views
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    access_text,
    command,
    reply,
    set_commands,
    stale_text,
    who,
)

logger = logging.getLogger(__name__)


async def start(update: Update, context: Context) -> None:
    """/start, with or without an invite code."""
    me = await who(update, context)
    code = context.args[0] if context.args else None
    if code is None:
        text = views.welcome_text(me.t, me.person) if me.person else access_text(me.t)
        await set_commands(context, me)
        await reply(update, text)
        return
    user = update.effective_user
    assert user is not None
    result = await redeem(context.core, code,
                          TgUser(user.id, user.id, user.username, user.first_name,
                                 user.language_code))
    if result.problem is not None:
        await reply(update, views.problem_text(me.t, result.problem, result.person))
        return
    assert result.person is not None
    bound = await who(update, context)
    await set_commands(context, bound)
    await reply(update, views.welcome_text(bound.t, result.person))
    # Drawn before they registered: the notice they missed, with a button per task.
    waiting = await tasks.my_tasks(context.core, result.person)
    if waiting:
        await reply(update, words.new_tasks_text(bound.t, waiting),
                    reply_markup=markup_of(notices.task_cards(waiting[:words.LISTED])))


async def help_command(update: Update, context: Context) -> None:
    """What this person can do, by role."""
    me = await who(update, context)
    await set_commands(context, me)
    await reply(update, views.help_text(me.t, me.person, [
        (c.name, c.description) for c in commands_for(me.person)]))


async def language(update: Update, context: Context) -> None:
    """Offer 中文 / English."""
    me = await who(update, context)
    await reply(update, views.choose_language_text(me.t),
                reply_markup=markup_of(views.language_keyboard()))


def _refusal(t: Translator, exc: Refused) -> str:
    return stale_text(t)


BUTTONS = Buttons(_refusal)


@BUTTONS.on(Language)
async def language_chosen(press: Press[Language]) -> None:
    """Switch the person's language and their command menu."""
    identity = await set_language(press.context.core.db, press.me.identity, press.button.lang)
    t = translator(identity.language)
    late.speaks(t)
    await press.query.answer()
    await set_commands(press.context, Who(identity, t))
    await reply(press.update, views.language_set_text(t))


async def cancel(update: Update, context: Context) -> None:
    """Stop the current flow."""
    me = await who(update, context)
    stopped = await conversations.cancel(context.core, me.tg_user_id)
    await reply(update, views.stopped_text(me.t, stopped))


@command()
async def unknown_command(sent: Sent) -> None:
    await reply(sent.update, views.unknown_command_text(sent.t))


@command()
async def unexpected_message(sent: Sent) -> None:
    """A photo, file, location or text that no flow is waiting for."""
    await reply(sent.update, views.unexpected_text(sent.t))
