"""The withdrawal journey's words: the confirmation and its refusals."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.logs import mask_cert
from bot.services.errors import Refusal, Refused
from bot.services.withdrawals import Withdrawn
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


def confirm_text(t: Translator, seen: Withdrawn, reason: str) -> str:
    """What recording the withdrawal locks, before it is recorded."""
    lines = [t._("🚫 Record that <b>{name}</b> ({cert}) is unavailable from {date}"
                 " ({reason})?").format(name=html.escape(seen.person.name),
                                        cert=mask_cert(seen.cert),
                                        date=seen.from_date.isoformat(),
                                        reason=html.escape(reason)),
             t._("This cannot be taken back: they will never be drawn again, for"
                 " replacements or new draws."),
             t.ngettext("It is appended to {n} draw record (verification replays it).",
                        "It is appended to {n} draw records (verification replays it).",
                        seen.draws).format(n=seen.draws)]
    if seen.open_tasks:
        lines.append(t.ngettext(
            "They are on {n} task not yet under way; you are then asked to replace them"
            " there.",
            "They are on {n} tasks not yet under way; you are then asked to replace them"
            " on each.", len(seen.open_tasks)).format(n=len(seen.open_tasks)))
    return "\n".join(lines)
