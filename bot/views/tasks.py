"""The task journey's words: its refusals."""

from __future__ import annotations

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.TASK_CLOSED: t._("This task is finished or cancelled; nothing was changed."),
        Refusal.ALREADY_ACCEPTED: t._("You have accepted this task already."),
    })
