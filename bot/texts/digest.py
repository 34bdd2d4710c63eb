"""The words of the office's digest: its text, its chart's captions and its
spreadsheet's headings (the numbers are the service's, bot/services/digest.py)."""

from __future__ import annotations

import html

from bot.i18n import N_, Translator
from bot.rules import visit as rules
from bot.rules.records import Digest
from bot.texts.labels import flag_text, legal, task_status

STATUSES = ("assigned", "in_progress", "submitted")


def digest_text(t: Translator, d: Digest) -> str:
    """The short text: yesterday (or today so far), what is open, what is late."""
    lines = [t._("🗞 <b>Digest</b> for today so far, {day}").format(day=d.day.isoformat())
             if d.so_far else
             t._("🗞 <b>Daily digest</b> for {day}").format(day=d.day.isoformat())]
    if d.plan:
        lines = [t._("🗞 <b>Plan summary</b>: {plan}").format(plan=html.escape(d.plan))]
    else:
        counts = (t._("Today so far: {draws} draws ({drawn} tasks), {accepted} acceptances,"
                      " {started} visits started, {finished} finished, {published}"
                      " published.") if d.so_far else
                  t._("Yesterday: {draws} draws ({drawn} tasks), {accepted} acceptances,"
                      " {started} visits started, {finished} finished, {published}"
                      " published."))
        lines.append(counts.format(draws=d.draws, drawn=d.drawn, accepted=d.accepted,
                                   started=d.started, finished=d.finished,
                                   published=d.published))
    lines.append(t._("Tasks: {assigned} assigned, {under_way} under way, {finished}"
                     " finished.").format(assigned=d.statuses.get("assigned", 0),
                                          under_way=d.statuses.get("in_progress", 0),
                                          finished=d.statuses.get("submitted", 0)))
    if d.results_day:
        lines.append((t._("Results today so far:") if d.so_far else t._("Results yesterday:"))
                     + " " + "; ".join(
            f"{legal(rules.RESULTS, k, t)} {n}" for k, n in _ordered(d.results_day)))
    if d.results_all:
        lines.append(t._("Results so far:") + " " + "; ".join(
            f"{legal(rules.RESULTS, k, t)} {n}" for k, n in _ordered(d.results_all)))
    overdue = sum(r.tasks for r in d.overdue)
    if overdue:
        lines.append("")
        lines.append(t._("🔴 Overdue tasks: {n}").format(n=overdue))
        oldest = t._("oldest due {due}")
        lines.extend(f"• {html.escape(r.department)} · {html.escape(r.leader)}:"
                     f" {r.tasks} ({oldest.format(due=r.oldest.isoformat())})"
                     for r in d.overdue[:10])
    if d.replacements:
        lines.append("")
        lines.append(t._("🔁 Open replacement requests: {n}").format(n=len(d.replacements)))
        lines.extend(f"• {html.escape(r.name)} · {html.escape(r.target)}"
                     for r in d.replacements[:5])
    if d.publish_late:
        lines.append("")
        lines.append(t._("🔴 Publication late (003 第二十五条): {n}").format(
            n=len(d.publish_late)))
        lines.extend(f"• {html.escape(r.target)} · {r.due.isoformat()}"
                     for r in d.publish_late[:5])
    if d.publish_soon:
        lines.append(t._("📢 To publish within 5 working days: {n}").format(
            n=len(d.publish_soon)))
        lines.extend(f"• {html.escape(r.target)} · {r.due.isoformat()}"
                     for r in d.publish_soon[:5])
    if d.noncooperation:
        lines.append("")
        lines.append((t._("⚠️ Non-cooperation today so far: {n}") if d.so_far else
                      t._("⚠️ Non-cooperation yesterday: {n}")).format(n=len(d.noncooperation)))
        for r in d.noncooperation[:5]:
            kind = r.detail.get("kind")
            lines.append(f"• {html.escape(r.target)} · "
                         + (legal(rules.NONCOOPERATION, kind, t) if kind else ""))
    if d.flagged_checkins:
        lines.append("")
        lines.append((t._("⚠️ Check-ins at an implausible place today so far: {n}")
                      if d.so_far else
                      t._("⚠️ Check-ins at an implausible place yesterday: {n}")).format(
            n=len(d.flagged_checkins)))
        lines.extend(f"• {html.escape(r.target)} · {html.escape(r.person)} · "
                     f"{flag_text(r.flag, t)}" for r in d.flagged_checkins[:5])
    if d.audit_head[1]:
        lines.append("")
        lines.append(t._("Audit log: row {row}, <code>{hash}</code> (a copy kept outside the"
                         " database: were the log up to this row ever rewritten, its hash"
                         " would no longer match)").format(row=d.audit_head[0],
                                                            hash=d.audit_head[1][:16]))
    lines.append("")
    lines.append(t._("Next: /publish for the results due, /followups for what is open,"
                     " /digest for today so far."))
    return "\n".join(lines)  # a long digest is sent as several (bot/tg/tgbot.py)


def _ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    return [(k, counts[k]) for k in rules.RESULTS if counts.get(k)]


SHORT = {"no_problem": N_("No problem"), "not_disclosed": N_("Not disclosed"),
         "false_disclosure": N_("Falsified disclosure"), "unreachable": N_("Unreachable"),
         "corrected": N_("Correction ordered"), "noncooperation": N_("Non-cooperation"),
         "no_activity": N_("No such activity"), "follow_up": N_("Further handling")}


def chart_heading(t: Translator, d: Digest) -> str:
    return (t._("Plan summary") if d.plan else t._("Today so far") if d.so_far
            else t._("Daily digest")) + f" · {d.day}"


def status_rows(t: Translator, d: Digest) -> list[tuple[str, int]]:
    """The chart's first bars: tasks by status, then the overdue ones."""
    return [*((task_status(t, s), d.statuses.get(s, 0)) for s in STATUSES),
            (t._("overdue"), sum(r.tasks for r in d.overdue))]


def result_rows(t: Translator, d: Digest) -> list[tuple[str, str, int]]:
    """The chart's second bars: (category, its short name, tasks) for every category."""
    return [(k, t._(SHORT[k]), d.results_all.get(k, 0)) for k in rules.RESULTS]


def chart_captions(t: Translator) -> tuple[str, str]:
    return t._("Tasks by status"), t._("Results by category")


def chart_caption(t: Translator) -> str:
    """The photo's caption in the chat."""
    return t._("Tasks by status and results by category")


def sheet_caption(t: Translator) -> str:
    return t._("Every open task and every task finished in the last 30 days")


def sheet_words(t: Translator) -> tuple[str, list[str], str]:
    """The spreadsheet's sheet name, its headings, and the word for an overdue task."""
    return t._("Tasks"), [t._("Task"), t._("Plan"), "统一社会信用代码", t._("Target"),
                          t._("Status"), t._("Window start"), t._("Window due"),
                          t._("Finished"), t._("Published"), t._("Leader"),
                          t._("Department"), t._("Overdue")], t._("yes")
