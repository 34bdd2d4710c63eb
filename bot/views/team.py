"""/team in words: what waits for a supervisor."""

from __future__ import annotations

import html
from datetime import date, tzinfo

from bot.buttons.replacements import ReplacementApprove, ReplacementReject
from bot.buttons.tasks import TaskCard
from bot.i18n import Translator
from bot.services.errors import Refusal, Refused
from bot.services.team import LISTED, TeamView
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.NOT_ALLOWED: t._("/team is for supervisors (and the office): it shows what"
                                 " waits in their departments."),
    })


def team_text(t: Translator, view: TeamView, today: date, tz: tzinfo) -> str:
    lines = [t._("👥 <b>{departments}</b>").format(
        departments=html.escape("、".join(view.departments)))]
    lines += ["", t._("⏳ Replacement requests waiting for a decision: {n}").format(
        n=len(view.approvals))]
    for n, r in enumerate(view.approvals[:LISTED], start=1):
        lines.append(t._("{n}. {name} on <b>{target}</b>, asked {at}").format(
            n=n, name=html.escape(r.name), target=html.escape(r.target),
            at=r.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M")))
    c = view.tasks
    lines += ["", t._("📋 Tasks: 🔴 overdue {overdue} · not started {assigned} · under way"
                      " {in_progress} · submitted {submitted}").format(
        overdue=c.overdue, assigned=c.assigned, in_progress=c.in_progress,
        submitted=c.submitted)]
    if view.overdue:
        lines.append(t._("🔴 Overdue, the longest first:"))
        for n, task in enumerate(view.overdue, start=1):
            lines.append(t._("{n}. <b>{target}</b> · window ended {due} ({days} days ago) ·"
                             " {leader}").format(
                n=n, target=html.escape(task.target), due=task.window_due.isoformat(),
                days=(today - task.window_due).days, leader=html.escape(task.leader or "—")))
    lines.append("")
    if view.unregistered:
        names = "、".join(html.escape(e.name) for e in view.unregistered[:20])
        more = len(view.unregistered) - 20
        lines.append(t._("📵 Not registered in Choucha: {n}: {names}").format(
            n=len(view.unregistered), names=names) + (f" …(+{more})" if more > 0 else ""))
        lines.append(t._("They get no tasks or reminders on their phones; the office sends"
                         " their invites (/people)."))
    else:
        lines.append(t._("✅ Everyone of your departments is registered in Choucha."))
    return "\n".join(lines)


def team_keyboard(t: Translator, view: TeamView) -> Keyboard | None:
    """Approve or reject each request listed; open each overdue task's card."""
    rows = [[ReplacementApprove(r.id).markup(t._("✅ Approve {n}").format(n=n)),
             ReplacementReject(r.id).markup(t._("❌ Reject {n}").format(n=n))]
            for n, r in enumerate(view.approvals[:LISTED], start=1)]
    rows += [[TaskCard(task.id).markup(f"🔴 {n}. {task.target[:30]}")]
             for n, task in enumerate(view.overdue, start=1)]
    return inline(rows) if rows else None
