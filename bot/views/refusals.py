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
