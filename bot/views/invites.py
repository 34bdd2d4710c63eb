"""The invite journey's words: its refusals."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.views.refusals import stale_text


def error_text(t: Translator, reason: Refusal) -> str:
    texts = {
        Refusal.NOT_ALLOWED: t._("Only administrators and the office can invite people."),
        Refusal.BAD_NAME: t._("Please send the person's name: 1 to 64 characters."),
        Refusal.NO_ROLE: t._("Choose at least one role."),
        Refusal.DEPARTMENT_REQUIRED: t._("Inspectors and supervisors belong to a department:"
                                         " start again with /invite and choose one."),
        Refusal.UNKNOWN_DEPARTMENT: t._("That department no longer exists. Start again with"
                                        " /invite."),
        Refusal.NAME_EXISTS: t._("Someone of that name is already in that department: start again"
                                 " with /invite and choose them from the list."),
        Refusal.ALREADY_BOUND: t._("That person is registered already; no invite is needed."),
        Refusal.NO_FLOW: stale_text(t),
    }
    return texts.get(reason, texts[Refusal.NO_FLOW])


def refusal_text(t: Translator, exc: Refused) -> str:
    return error_text(t, exc.reason)
