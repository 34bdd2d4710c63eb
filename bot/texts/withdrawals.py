"""The words of withdrawals that the services send."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from bot.rules.withdrawals import REASONS, Reason


def reason_label(t: Translator, reason: str) -> str:
    return t._(REASONS[Reason(reason)])


def withdrawn_text(t: Translator, name: str, from_date: date, reason: str,
                   open_tasks: int) -> str:
    """To the office: who is withdrawn, from when, why, and their open tasks (`name`
    escaped)."""
    text = t._("🚫 {name} is unavailable from {date} ({reason}): never drawn again,"
               " for replacements or new draws.").format(
        name=name, date=from_date.isoformat(), reason=reason_label(t, reason))
    if open_tasks:
        text += "\n" + t.ngettext(
            "They are still on {n} task not yet under way: replace them there.",
            "They are still on {n} tasks not yet under way: replace them there.",
            open_tasks).format(n=open_tasks)
    return text
