"""The publication journey's words: its refusals."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.NOT_DUE: t._("This result is not waiting for publication (published, withheld or"
                             " not finished). Nothing was changed."),
        Refusal.NOT_PUBLISHED: t._("Only a published result can be corrected."),
        Refusal.NOT_OFFICE: not_office_text(t),
    })


def not_office_text(t: Translator) -> str:
    return t._("Publishing results is for the office.")
