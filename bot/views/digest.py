"""The digest's words: its refusals."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


def not_office_text(t: Translator) -> str:
    return t._("The digest is for the office.")


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {Refusal.NOT_OFFICE: not_office_text(t)})
