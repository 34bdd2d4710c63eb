"""Onboarding's screens: welcome, an invite that cannot be used, /help, /language,
/cancel, and what is said to a command or message nobody expected."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.buttons.people import Language
from bot.i18n import LANGUAGE_NAMES, LANGUAGES, Translator
from bot.rules.models import InviteProblem, Person
from bot.texts.labels import describe_roles
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import access_text


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


def help_text(t: Translator, person: Person | None,
              commands: Sequence[tuple[str, str]]) -> str:
    """What this person can do: who they are, their commands (name, N_ description)."""
    lines = []
    if person is None:
        lines.append(access_text(t))
        lines.append("")
    else:
        lines.append(f"<b>{html.escape(person.name)}</b> — {describe_roles(t, person)}"
                     f"{_department(person)}")
        lines.append("")
    for name, description in commands:
        lines.append(f"/{name} — {t._(description)}")
    if person is not None and person.is_office:
        lines.append("")
        lines.append(t._("To load the item list, the target or inspector directory, recusals,"
                         " the annual plan or a checklist, send me the .xlsx or .csv file."))
        lines.append(t._("To try a checklist before it is used (a practice visit, nothing"
                         " recorded), send the form with the caption \"try\" (试填)."))
    return "\n".join(lines)


def language_keyboard() -> Keyboard:
    return inline([[Language(lang).markup(LANGUAGE_NAMES[lang]) for lang in LANGUAGES]])


def choose_language_text(t: Translator) -> str:
    return t._("Choose your language / 选择语言")


def language_set_text(t: Translator) -> str:
    return t._("Language set to English.") + "\n" + t._("Send /help to see what you can do.")


def stopped_text(t: Translator, stopped: bool) -> str:
    return t._("Stopped. Nothing more will be asked.") if stopped else t._(
        "There was nothing to stop.")


def unknown_command_text(t: Translator) -> str:
    return t._("I don't know that command. Send /help to see what you can do.")


def unexpected_text(t: Translator) -> str:
    return t._("I wasn't expecting that here, so nothing was saved. Send /help to see what"
               " you can do.")
