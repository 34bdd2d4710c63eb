"""The withdrawal journey's words: its refusals."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


def refusal_text(t: Translator, exc: Refused) -> str:
    name = html.escape(exc.params.get("name", ""))
    return worded(t, exc, {
        Refusal.NOT_ALLOWED: t._("Only the office or a supervisor of the inspector's department"
                                 " records this."),
        Refusal.ALREADY_WITHDRAWN: t._("{name} is recorded as unavailable already; nothing was"
                                       " changed.").format(name=name),
        Refusal.NO_CERT: t._("{name} has no 执法证号, so is never drawn anyway.").format(name=name),
        Refusal.UNKNOWN_PERSON: t._("That person is no longer in the directory; nothing was"
                                    " changed."),
        Refusal.BAD_DATE: t._("Please send a date as YYYY-MM-DD, today or later, for example"
                              " {date}.").format(date=exc.params.get("date", "")),
    })
