"""/start (with invite codes), /help, /language, /cancel, and messages nobody expected."""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.buttons.people import Language
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator, translator
from bot.rules.models import InviteProblem, Person
from bot.services import conversations, tasks
from bot.services.accounts import TgUser, set_language
from bot.services.errors import Refused
from bot.services.onboarding import redeem
from bot.texts import notices
from bot.texts import tasks as words
from bot.texts.labels import describe_roles
from bot.tg import late
from bot.tg.commands import commands_for
from handlers.common import (
    Buttons,
    Context,
    Press,
    Sent,
    Who,
    access_text,
    answer_stale,
    command,
    key,
    reply,
    set_commands,
    stale_text,
    who,
)

logger = logging.getLogger(__name__)


def _department(person: Person) -> str:
    return f" · {html.escape(person.department_name)}" if person.department_name else ""


def welcome_text(t: Translator, person: Person) -> str:
    department = _department(person)
    return t._("Welcome, <b>{name}</b>! You are registered as {roles}{department}.").format(
        name=html.escape(person.name), roles=describe_roles(t, person), department=department
    ) + "\n\n" + t._("Send /help to see what you can do.")


def problem_text(t: Translator, problem: InviteProblem, person: Person | None) -> str:
    texts = {
        InviteProblem.UNKNOWN: t._(
            "This invite code is not valid. Please check that you opened the whole link,"
            " or ask the person who invited you for a new card."
        ),
        InviteProblem.USED: t._(
            "This invite has already been used: each invite works once. If it was not you"
            " who used it, tell the office at once and ask for a new one."
        ),
        InviteProblem.EXPIRED: t._(
            "This invite has expired. Please ask the person who invited you for a new one."
        ),
        InviteProblem.REVOKED: t._(
            "This invite was replaced by a newer one. Please use the latest card you were given."
        ),
        InviteProblem.PERSON_BOUND: t._(
            "This invite is for someone who is already registered with another Telegram"
            " account. If you changed accounts, ask the office to move your registration."
        ),
        InviteProblem.INACTIVE: t._(
            "This invite is for an account that is no longer active. Please contact the office."
        ),
        InviteProblem.ALREADY_BOUND: t._(
            "You are already registered as <b>{name}</b>; this invite was not used."
        ).format(name=html.escape(person.name if person else "")),
    }
    return texts[problem]


def help_text(t: Translator, person: Person | None) -> str:
    lines = []
    if person is None:
        lines.append(access_text(t))
        lines.append("")
    else:
        lines.append(f"<b>{html.escape(person.name)}</b> — {describe_roles(t, person)}"
                     f"{_department(person)}")
        lines.append("")
    for entry in commands_for(person):
        lines.append(f"/{entry.name} — {t._(entry.description)}")
    if person is not None and person.is_office:
        lines.append("")
        lines.append(t._("To load the item list, the target or inspector directory, recusals,"
                         " the annual plan or a checklist, send me the .xlsx or .csv file."))
        lines.append(t._("To try a checklist before it is used (a practice visit, nothing"
                         " recorded), send the form with the caption \"try\" (试填)."))
    return "\n".join(lines)


async def start(update: Update, context: Context) -> None:
    """/start, with or without an invite code."""
    me = await who(update, context)
    code = context.args[0] if context.args else None
    if code is None:
        text = welcome_text(me.t, me.person) if me.person else access_text(me.t)
        await set_commands(context, me)
        await reply(update, text)
        return
    user = update.effective_user
    assert user is not None
    result = await redeem(context.core, code,
                          TgUser(user.id, user.id, user.username, user.first_name,
                                 user.language_code))
    if result.problem is not None:
        await reply(update, problem_text(me.t, result.problem, result.person))
        return
    assert result.person is not None
    bound = await who(update, context)
    await set_commands(context, bound)
    await reply(update, welcome_text(bound.t, result.person))
    # Drawn before they registered: the notice they missed, with a button per task.
    waiting = await tasks.my_tasks(context.core, result.person)
    if waiting:
        shown = waiting[:tasks.LISTED]
        await reply(update, words.new_tasks_text(bound.t, waiting),
                    reply_markup=InlineKeyboardMarkup([
                        [InlineKeyboardButton(button["text"],
                                              callback_data=button["callback_data"])]
                        for button in (notices.card_button(i, task)
                                       for i, task in enumerate(shown, start=1))]))


async def help_command(update: Update, context: Context) -> None:
    """What this person can do, by role."""
    me = await who(update, context)
    await set_commands(context, me)
    await reply(update, help_text(me.t, me.person))


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        key(LANGUAGE_NAMES[lang], Language(lang))
        for lang in LANGUAGES
    ]])


async def language(update: Update, context: Context) -> None:
    """Offer 中文 / English."""
    me = await who(update, context)
    await reply(update, me.t._("Choose your language / 选择语言"),
                reply_markup=language_keyboard())


def _refusal(t: Translator, exc: Refused) -> str:
    return stale_text(t)


BUTTONS = Buttons(_refusal)


@BUTTONS.on(Language)
async def language_chosen(press: Press[Language]) -> None:
    """Switch the person's language and their command menu."""
    if press.button.lang not in LANGUAGES:
        await answer_stale(press.query, press.me.t)
        return
    identity = await set_language(press.context.core.db, press.me.identity, press.button.lang)
    t = translator(identity.language)
    late.speaks(t)
    await press.query.answer()
    await set_commands(press.context, Who(identity, t))
    await reply(press.update, t._("Language set to English.") + "\n"
                + t._("Send /help to see what you can do."))


async def cancel(update: Update, context: Context) -> None:
    """Stop the current flow."""
    me = await who(update, context)
    stopped = await conversations.cancel(context.core, me.tg_user_id)
    await reply(update, me.t._("Stopped. Nothing more will be asked.") if stopped
                else me.t._("There was nothing to stop."))


@command()
async def unknown_command(sent: Sent) -> None:
    await reply(sent.update,
                sent.t._("I don't know that command. Send /help to see what you can do."))


@command()
async def unexpected_message(sent: Sent) -> None:
    """A photo, file, location or text that no flow is waiting for."""
    await reply(sent.update, sent.t._("I wasn't expecting that here, so nothing was saved."
                                      " Send /help to see what you can do."))
