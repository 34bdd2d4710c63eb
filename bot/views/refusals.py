"""How a refusal reads. Each journey's module in bot/views words the reasons its services
raise; the wordings several journeys share live here once, and `worded` puts the journey's
own words first, then these, then the stale-button sentence."""

from __future__ import annotations

from collections.abc import Mapping

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused


def stale_text(t: Translator) -> str:
    return t._("This button is no longer valid. Send /help to start again.")


def shared(t: Translator) -> dict[Refusal, str]:
    """Wordings that read the same in every journey."""
    return {
        Refusal.UNKNOWN_TASK: t._("This task no longer exists."),
        Refusal.NOT_MEMBER: t._("This task is not yours, so you cannot act on it."),
        Refusal.NO_RECORD: t._("There is no submitted record for this task yet."),
        Refusal.BAD_REASON: t._("That reason is not one of those allowed; nothing was changed."),
        Refusal.REASON_REQUIRED: t._("Please give the reason in a few words."),
        Refusal.HIDDEN_CHARACTERS: t._(
            "This text holds invisible characters (direction marks, zero-width or control"
            " characters) that could make it read differently from what it says; nothing"
            " was saved. Please type it again."),
    }


def worded(t: Translator, exc: Refused, own: Mapping[Refusal, str]) -> str:
    """The journey's words for `exc`, else the shared ones, else the stale-button text."""
    found = own.get(exc.reason)
    if found is None:
        found = shared(t).get(exc.reason)
    return stale_text(t) if found is None else found


def access_text(t: Translator) -> str:
    """For anyone not registered: what Choucha is and how to get in."""
    return t._(
        "Hello! This is Choucha, the bot for 双随机、一公开 spot checks."
        " Only invited inspectors and staff can use it.\n\n"
        "To get access, ask your office or administrator for an invite card,"
        " then scan its QR code or tap its link."
    )


def not_allowed_text(t: Translator) -> str:
    return t._("This is not for your role. Send /help to see what you can do.")


def help_pointer(t: Translator) -> str:
    return t._("Send /help to see what you can do.")


def error_text(t: Translator, saved: bool) -> str:
    """Something failed while an update was handled: whether what the person did was
    saved (only the answer failed) or nothing at all."""
    if saved:
        return t._("What you did was saved, but the answer could not be shown."
                   " Send /tasks or /help to see where you are.")
    return t._("Sorry, something went wrong on our side and nothing was changed."
               " Please try again in a moment; if it keeps happening, tell the office.")
