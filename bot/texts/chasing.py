"""The words of the chase: reminders, grouped or single, with why each person gets them
(bot/services/chasing.py decides who is owed what; bot/rules/chase.py the ladder)."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.rules.chase import LISTED, Due, DueKind, Group, Owed, Step


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
        Group.ACCEPT: t._("⏰ Tasks waiting for acceptance: {n}"),
        Group.WINDOW: t._("⏰ Inspection windows closing soon: {n}"),
        Group.OVERDUE: t._("🔴 Overdue tasks: {n}"),
        Group.APPROVALS: t._("⏰ Replacement requests waiting for a decision: {n}"),
        Group.PUBLISH: t._("📢 Results due for publication: {n}"),
        Group.FOLLOW_UP: t._("🔴 Follow-ups past their due date: {n}"),
        Group.DECISION: t._("⚖️ Violations without a recorded penalty decision or referral:"
                            " {n}"),
        Group.PLAN: t._("📅 The year's spot-check plan is not published: {n}"),
    }
    lines = ["<b>" + headers[owed.group].format(n=owed.count) + "</b>"]
    lines += ["• " + line_text(t, due) for due in owed.items[:LISTED]]
    rest = owed.count - min(len(owed.items), LISTED)
    if rest > 0:
        where = {Group.APPROVALS: "/tasks", Group.PUBLISH: "/publish",
                 Group.FOLLOW_UP: "/followups", Group.DECISION: "/decisions"}.get(
            owed.group, "/tasks")
        lines.append(t.ngettext("…and {n} more: see {where}.", "…and {n} more: see {where}.",
                                rest).format(n=rest, where=where))
    whys = dict.fromkeys(why_text(t, d.kind, d.step) for d in owed.items)
    lines += ["<i>" + why + "</i>" for why in whys]
    return "\n".join(lines)


def reminder_text(t: Translator, due: Due) -> str:
    """The reminder, then a line saying why this person gets it."""
    return line_text(t, due) + "\n<i>" + why_text(t, due.kind, due.step) + "</i>"


def line_text(t: Translator, due: Due) -> str:
    """What is owed, in one sentence."""
    r = due.reason
    texts = {
        (DueKind.ACCEPT, Step.REMIND):
            t._("⏰ Please accept your task <b>{target}</b>: it was assigned {ago}."),
        (DueKind.ACCEPT, Step.ESCALATE):
            t._("⏰ {name} has not accepted the task <b>{target}</b> for {days} working "
                "days."),
        (DueKind.TASK, Step.OVERDUE):
            t._("🔴 <b>{target}</b> is overdue: the inspection window ended on {due}, "
                "{ago}."),
        (DueKind.REPLACEMENT, Step.REMIND):
            t._("⏰ {name}'s replacement request for <b>{target}</b> has waited {hours} "
                "working hours for a decision."),
        (DueKind.REPLACEMENT, Step.ESCALATE):
            t._("⏰ {name}'s replacement request for <b>{target}</b> is still undecided "
                "after {days} working days."),
        (DueKind.PUBLISH, Step.SOON):
            t._("📢 The results of <b>{target}</b> must be published by {due}: {days} "
                "working days left."),
        (DueKind.PUBLISH, Step.LATE):
            t._("🔴 The results of <b>{target}</b> were due for publication on {due} and "
                "are late."),
        (DueKind.FOLLOW_UP, Step.OVERDUE):
            t._("🔴 The follow-up of <b>{target}</b> ({item}) was due on {due}."),
        (DueKind.PLAN, Step.SOON):
            t._("📅 The {target} spot-check plan (抽查计划) must be published by {due}: {days}"
                " working days left, and none is published yet. /publish → 📅 Plans."),
        (DueKind.PLAN, Step.LATE):
            t._("🔴 No {target} spot-check plan (抽查计划) is published yet: it was due on"
                " {due}. /publish → 📅 Plans."),
        (DueKind.DECISION, Step.OWED):
            t._("⚖️ <b>{target}</b> ({item}) was found in violation {ago} and no penalty "
                "decision or referral is recorded yet: /decisions."),
    }
    if due.kind is DueKind.TASK and due.step is Step.CLOSING:
        text = t._("⏰ <b>{target}</b>: the inspection window ends on {due}, in {days}"
                   " working days.")
    else:
        text = texts[(due.kind, due.step)]
    return text.format(target=html.escape(r.target), name=html.escape(r.name or ""),
                       days="" if r.days is None else r.days, ago=_ago(t, r.days),
                       due=r.due.isoformat() if r.due else "",
                       hours="" if r.hours is None else r.hours,
                       item=html.escape(r.item or ""))


def _ago(t: Translator, days: int | None) -> str:
    """How long ago, in working days, as a person says it ("today" for none)."""
    n = days or 0
    if n <= 0:
        return t._("today")
    return t.ngettext("{n} working day ago", "{n} working days ago", n).format(n=n)


def why_text(t: Translator, kind: DueKind, step: Step) -> str:
    """Why this person got this reminder: the rule of the ladder that applied."""
    if kind is DueKind.ACCEPT:
        return t._("Why: a task not accepted is reminded to the member and then told to the"
                   " team leader and the member's supervisor; you are one of them.") \
            if step is Step.ESCALATE else t._("Why: you are on the team and have not accepted"
                                           " yet.")
    if kind is DueKind.TASK:
        return t._("Why: you are on the team, its leader, a supervisor of a member or the"
                   " office, and the task is not submitted.") if step is Step.OVERDUE else \
            t._("Why: you are on the team and the record is not submitted yet.")
    if kind is DueKind.REPLACEMENT:
        return t._("Why: you may decide this request, or the office is told when nobody"
                   " has for a working day.")
    if kind is DueKind.PUBLISH:
        return t._("Why: results are published within 20 working days after the task is"
                   " finished (003 第二十五条), and you are the office.")
    if kind is DueKind.PLAN:
        return t._("Why: the year's plan is published to the public by a fixed date (003"
                   " 第十一条: 3月30日; CHOUCHA_PLAN_DEADLINE), and you are the office.")
    if kind is DueKind.DECISION:
        return t._("Why: a penalty decision is recorded within 7 working days of being made"
                   " (003 第二十七条); you supervise the item's department or are the office.")
    return t._("Why: you own this follow-up, or you are the office.")


def no_reminders_text(t: Translator) -> str:
    return t._("You have had no reminders.")


def reminders_head(t: Translator) -> str:
    return t._("🔔 Your latest reminders and why you got them:")
