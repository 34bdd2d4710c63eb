"""The words of a follow-up that the services use too (a record's history)."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.rules import visit as visit_rules
from bot.rules.records import FollowUpLine, FollowUpStatus
from bot.texts.labels import legal


def follow_up_kind(t: Translator, kind: str) -> str:
    return legal(visit_rules.FOLLOW_UPS, kind, t)


def history_line(t: Translator, line: FollowUpLine) -> str:
    """A follow-up as a record's history states it."""
    if line.status == FollowUpStatus.DONE:
        return t._("↪ {item}: {kind}, closed on {day}: {outcome}").format(
            item=html.escape(line.item), kind=follow_up_kind(t, line.kind),
            day=line.outcome_date.isoformat() if line.outcome_date else "—",
            outcome=html.escape(line.outcome or ""))
    return t._("↪ {item}: {kind}, due {due}, with {owner}").format(
        item=html.escape(line.item), kind=follow_up_kind(t, line.kind),
        due=line.due_date.isoformat(), owner=html.escape(line.owner_name))


def handed_to_you_text(t: Translator, name: str, line: FollowUpLine, reason: str) -> str:
    """To whom a follow-up is handed: by whom, what, by when, why."""
    return t._("↪️ {name} handed you the follow-up of <b>{target}</b> ({item}), due"
               " {due}: {reason}").format(
        name=html.escape(name), target=html.escape(line.target),
        item=html.escape(line.item), due=line.due_date.isoformat(),
        reason=html.escape(reason))
