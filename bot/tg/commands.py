"""The bot's commands and who sees them: one list for /help and the command menu."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import BotCommand

from bot.i18n import N_, Translator
from bot.rules.models import Person, Role


@dataclass(frozen=True)
class Command:
    name: str
    description: str  # an N_-marked message id
    roles: frozenset[Role] | None = None  # None: everyone who is registered


COMMANDS: tuple[Command, ...] = (
    Command("help", N_("What I can do for you")),
    Command("tasks", N_("My spot-check tasks"), frozenset({Role.INSPECTOR, Role.SUPERVISOR})),
    Command("correct", N_("Correct a submitted check record (更正)"),
            frozenset({Role.INSPECTOR, Role.ADMIN, Role.OFFICE})),
    Command("team", N_("What waits in my department: approvals, overdue tasks, who is not"
                       " registered"), frozenset({Role.SUPERVISOR})),
    Command("followups", N_("Follow-ups: close with evidence, hand over; per department"),
            frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN, Role.OFFICE})),
    Command("decisions", N_("Penalty decisions and referrals of violations found"),
            frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.ADMIN, Role.OFFICE})),
    Command("invite", N_("Invite a person (with a QR card)"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("people", N_("Who is registered; invite the directory (QR sheet)"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("unbind", N_("Unlink someone's Telegram account (a lost phone, who has left)"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("withdraw", N_("Record that an inspector is unavailable from a date"),
            frozenset({Role.ADMIN, Role.OFFICE, Role.SUPERVISOR})),
    Command("draw", N_("Prepare, run and export a plan's random draw"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("digest", N_("Today's digest; /digest plan for one plan's summary"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("publish", N_("Publish finished results (公示); export for the credit system"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("templates", N_("Empty templates of the directories, items and plans"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("export", N_("Download a directory, the items or the plans as .xlsx"),
            frozenset({Role.ADMIN, Role.OFFICE})),
    Command("reminders", N_("My latest reminders, and why I got them")),
    Command("language", N_("Switch language: 中文 / English")),
    Command("cancel", N_("Stop what you are doing")),
)

# What someone who is not registered yet can use.
STRANGER_COMMANDS: tuple[Command, ...] = (
    Command("start", N_("Start, or open an invite link")),
    Command("help", N_("How to get access")),
    Command("language", N_("Switch language: 中文 / English")),
)


def commands_for(person: Person | None) -> tuple[Command, ...]:
    if person is None:
        return STRANGER_COMMANDS
    return tuple(c for c in COMMANDS if c.roles is None or c.roles & person.role_set)


def menu(t: Translator, commands: tuple[Command, ...]) -> list[BotCommand]:
    """The `/` menu of these commands, in the translator's language."""
    return [BotCommand(c.name, t._(c.description)) for c in commands]
