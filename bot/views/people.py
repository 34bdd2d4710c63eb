"""The people journey's words: its refusals."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


def not_office_text(t: Translator) -> str:
    return t._("Only the office and administrators see the people of the directory.")


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.NOT_OFFICE: not_office_text(t),
        Refusal.ALREADY_BOUND: t._("{name} is registered already; no invite is needed.").format(
            name=exc.params.get("name", "")),
        Refusal.NOT_ALLOWED: t._("Only an administrator can invite an administrator."),
    })
