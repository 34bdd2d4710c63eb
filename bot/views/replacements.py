"""The replacement journey's words: its refusals."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.TASK_CLOSED: t._("This task is finished, cancelled or under way; a replacement can"
                                 " no longer be asked for. Nothing was changed."),
        Refusal.NOT_MEMBER: t._("You are not on this task's team any more."),
        Refusal.ALREADY_REQUESTED: t._("You have asked already; your request is waiting for a"
                                       " decision."),
        Refusal.UNKNOWN_REQUEST: t._("This request no longer exists."),
        Refusal.NOT_APPROVER: t._("Only a supervisor of the inspector's own department can decide"
                                  " this request (and nobody decides their own)."),
        Refusal.DECIDED: t._("This request was decided already, by {by}.").format(
            by=html.escape(exc.params.get("by", ""))),
        Refusal.REASON_REQUIRED: t._("Please give the reason for rejecting."),
    })
