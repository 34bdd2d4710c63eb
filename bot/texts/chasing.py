"""The words of the chase: reminders, grouped or single, with why each person gets them
(bot/services/chasing.py decides who is owed what; bot/rules/chase.py the ladder)."""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import Translator
from bot.rules.chase import LISTED, Due, DueKind, Group, Owed


def unknown_year_text(t: Translator, year: int) -> str:
    return t._("⚠️ The working-day calendar does not know {year} yet, so only weekends are"
               " taken as days off. Load the State Council's arrangement for {year} with"
               " <code>choucha calendar load FILE</code>.").format(year=year)


def owed_text(t: Translator, owed: Owed) -> str:
    """One person's reminder of a group: a single item as a sentence with its reason; more
    as a count, the first few, where to see the rest, and why."""
    if owed.count == 1 and owed.items:
        return reminder_text(t, owed.items[0])
    headers = {
        "accept": t._("⏰ Tasks waiting for acceptance: {n}"),
        "window": t._("⏰ Inspection windows closing soon: {n}"),
        "overdue": t._("🔴 Overdue tasks: {n}"),
        "approvals": t._("⏰ Replacement requests waiting for a decision: {n}"),
        "publish": t._("📢 Results due for publication: {n}"),
        "follow_up": t._("🔴 Follow-ups past their due date: {n}"),
        "decision": t._("⚖️ Violations without a recorded penalty decision or referral: {n}"),
    }
    lines = ["<b>" + headers[owed.group].format(n=owed.count) + "</b>"]
    lines += ["• " + line_text(t, due) for due in owed.items[:LISTED]]
    rest = owed.count - min(len(owed.items), LISTED)
    if rest > 0:
        where = {"approvals": "/tasks", "publish": "/publish", "follow_up": "/followups",
                 "decision": "/decisions"}.get(owed.group, "/tasks")
        lines.append(t.ngettext("…and {n} more: see {where}.", "…and {n} more: see {where}.",
                                rest).format(n=rest, where=where))
    whys = dict.fromkeys(why_text(t, d.kind, d.step, d.reason) for d in owed.items)
    lines += ["<i>" + why + "</i>" for why in whys]
    return "\n".join(lines)


def stored_text(t: Translator, kind: str, step: str, reason: dict[str, Any]) -> str:
    """A kept reminder (/reminders), grouped or (before grouping) single."""
    if "items" in reason:
        owed_now = Owed(0, Group(str(reason.get("group", kind))), int(reason.get("count", 0)), [
            Due(0, DueKind(i["kind"]), i["subject"], i["step"], i["reason"], i.get("task"))
            for i in reason["items"]])
        return owed_text(t, owed_now)
    return reminder_text(t, Due(0, DueKind(kind), "", step, reason))


def reminder_text(t: Translator, due: Due) -> str:
    """The reminder, then a line saying why this person gets it."""
    return line_text(t, due) + "\n<i>" + why_text(t, due.kind, due.step, due.reason) + "</i>"


def line_text(t: Translator, due: Due) -> str:
    """What is owed, in one sentence."""
    r = due.reason
    target = html.escape(str(r.get("target", "")))
    name = html.escape(str(r.get("name", "")))
    texts = {
        ("accept", "remind"): t._("⏰ Please accept your task <b>{target}</b>: it was"
                                  " assigned {ago}."),
        ("accept", "escalate"): t._("⏰ {name} has not accepted the task <b>{target}</b>"
                                    " for {days} working days."),
        ("task", "overdue"): t._("🔴 <b>{target}</b> is overdue: the inspection window ended"
                                 " on {due}, {ago}."),
        ("replacement", "remind"): t._("⏰ {name}'s replacement request for <b>{target}</b>"
                                       " has waited {hours} working hours for a decision."),
        ("replacement", "escalate"): t._("⏰ {name}'s replacement request for <b>{target}</b>"
                                         " is still undecided after {days} working days."),
        ("publish", "soon"): t._("📢 The results of <b>{target}</b> must be published by"
                                 " {due}: {days} working days left."),
        ("publish", "late"): t._("🔴 The results of <b>{target}</b> were due for publication"
                                 " on {due} and are late."),
        ("follow_up", "overdue"): t._("🔴 The follow-up of <b>{target}</b> ({item}) was due on"
                                      " {due}."),
        ("decision", "owed"): t._("⚖️ <b>{target}</b> ({item}) was found in violation {ago}"
                                  " and no penalty decision or referral is recorded yet:"
                                  " /decisions."),
    }
    if due.kind == "task" and due.step.startswith("due-"):
        text = t._("⏰ <b>{target}</b>: the inspection window ends on {due}, in {days}"
                   " working days.")
    else:
        text = texts[(due.kind, due.step)]
    return text.format(target=target, name=name, days=r.get("days", ""),
                       ago=_ago(t, r.get("days")),
                       due=r.get("due", ""), hours=r.get("hours", ""),
                       item=html.escape(str(r.get("item", ""))))


def _ago(t: Translator, days: object) -> str:
    """How long ago, in working days, as a person says it ("today" for none)."""
    n = days if isinstance(days, int) else 0
    if n <= 0:
        return t._("today")
    return t.ngettext("{n} working day ago", "{n} working days ago", n).format(n=n)


def why_text(t: Translator, kind: str, step: str, reason: dict[str, Any]) -> str:
    """Why this person got this reminder: the rule of the ladder that applied."""
    if kind == "accept":
        return t._("Why: a task not accepted is reminded to the member and then told to the"
                   " team leader and the member's supervisor; you are one of them.") \
            if step == "escalate" else t._("Why: you are on the team and have not accepted"
                                           " yet.")
    if kind == "task":
        return t._("Why: you are on the team, its leader, a supervisor of a member or the"
                   " office, and the task is not submitted.") if step == "overdue" else \
            t._("Why: you are on the team and the record is not submitted yet.")
    if kind == "replacement":
        return t._("Why: you may decide this request, or the office is told when nobody"
                   " has for a working day.")
    if kind == "publish":
        return t._("Why: results are published within 20 working days after the task is"
                   " finished (003 第二十五条), and you are the office.")
    if kind == "decision":
        return t._("Why: a penalty decision is recorded within 7 working days of being made"
                   " (003 第二十七条); you supervise the item's department or are the office.")
    return t._("Why: you own this follow-up, or you are the office.")


def no_reminders_text(t: Translator) -> str:
    return t._("You have had no reminders.")


def reminders_head(t: Translator) -> str:
    return t._("🔔 Your latest reminders and why you got them:")
