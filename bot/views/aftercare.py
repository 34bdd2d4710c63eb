"""After the visit, in words: follow-ups (mine, per department) and the penalty decisions
or referrals of the items found in violation."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

from bot.buttons.aftercare import (
    DecisionKindPick,
    DecisionPenalty,
    DecisionPick,
    DecisionToday,
    FollowUpClose,
    FollowUpHandOver,
    FollowUpNoFile,
    FollowUpTo,
    FollowUpToday,
)
from bot.i18n import Translator
from bot.rules import aftercare as rules
from bot.rules import visit as visit_rules
from bot.rules.models import Person
from bot.rules.records import DecisionOwed, FollowUpLine
from bot.services.aftercare import FollowUpOverview, Recorded
from bot.services.errors import Refusal, Refused
from bot.texts.aftercare import follow_up_kind
from bot.texts.labels import legal
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded

LISTED = 10


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.FOLLOW_UP_CLOSED: t._("This follow-up is closed already; nothing was changed."),
        Refusal.NOT_YOURS: t._("This is for its owner, a supervisor of its department or the"
                               " office; nothing was changed."),
        Refusal.NOT_ALLOWED: t._("This view is for supervisors and the office."),
        Refusal.BAD_DATE: t._("Please type a day that has come, as 2026-11-23."),
        Refusal.TOO_LARGE: t._("This file is larger than 20 MB; please send a smaller one."
                               " Nothing was saved."),
        Refusal.UNKNOWN_PERSON: t._("That person cannot take this follow-up over; nothing was"
                                    " changed."),
        Refusal.DECIDED: t._("A decision is recorded for this item already; nothing was"
                             " changed."),
        Refusal.REQUIRED: t._("Something the decision needs is missing; please start again"
                              " from /decisions."),
    })


def follow_up_line(t: Translator, n: int, line: FollowUpLine, today: date) -> str:
    mark = t._(" 🔴 overdue") if line.overdue(today) else ""
    return t._("{n}. <b>{target}</b> · {item} ({department}) · {kind} · due {due} ·"
               " {owner}").format(
        n=n, target=html.escape(line.target), item=html.escape(line.item),
        department=html.escape(line.department), kind=follow_up_kind(t, line.kind),
        due=line.due_date.isoformat(), owner=html.escape(line.owner_name)) + mark


def mine_text(t: Translator, lines: list[FollowUpLine], today: date) -> str:
    if not lines:
        return t._("You have no open follow-up.")
    head = [t._("📋 Your open follow-ups: {n}. Record the outcome with its evidence when it is"
                " done, or hand it over with a reason.").format(n=len(lines)), ""]
    return "\n".join(head + [follow_up_line(t, n, line, today)
                             for n, line in enumerate(lines[:LISTED], start=1)])


def overview_text(t: Translator, found: FollowUpOverview, today: date) -> str:
    if not found.counts:
        return t._("No follow-up has been set in your departments.")
    lines = [t._("📋 <b>Follow-ups per department</b> (open · overdue · closed):")]
    lines += [f"• {html.escape(c.department)}: {c.open} · {c.overdue} · {c.done}"
              for c in found.counts]
    if found.open:
        lines += ["", t._("Open, the overdue first:")]
        lines += [follow_up_line(t, n, line, today)
                  for n, line in enumerate(found.open[:LISTED], start=1)]
        if len(found.open) > LISTED:
            lines.append(t._("…and {more} more.").format(more=len(found.open) - LISTED))
    return "\n".join(lines)


def ask_outcome(t: Translator, line: FollowUpLine) -> str:
    return t._("What was done about <b>{target}</b> ({item}, {kind})? Describe the outcome"
               " (for example: rectified, re-inspected on site). /cancel stops here.").format(
        target=html.escape(line.target), item=html.escape(line.item),
        kind=follow_up_kind(t, line.kind))


def ask_day(t: Translator) -> str:
    return t._("On which day? Type it as 2026-11-23, or tap Today.")


def ask_evidence(t: Translator) -> str:
    return t._("Send the evidence: a photo or a document (for example the rectification"
               " report). If there is none, tap “No file”: the text you typed is the record.")


def closed_text(t: Translator, line: FollowUpLine) -> str:
    evidence = html.escape(line.evidence_name) if line.evidence_name else t._("no file")
    return t._("✅ Follow-up of <b>{target}</b> ({item}) closed on {day}: {outcome}"
               " (evidence: {evidence}). Its reminders stop.").format(
        target=html.escape(line.target), item=html.escape(line.item),
        day=line.outcome_date.isoformat() if line.outcome_date else "—",
        outcome=html.escape(line.outcome or ""), evidence=evidence)


def ask_successor(t: Translator, line: FollowUpLine) -> str:
    return t._("Hand the follow-up of <b>{target}</b> ({item}) to whom? The people of"
               " {department}:").format(target=html.escape(line.target),
                                         item=html.escape(line.item),
                                         department=html.escape(line.department))


def ask_handover_reason(t: Translator, name: str) -> str:
    return t._("Why is it handed to {name}? (for example: the case moved to another"
               " office) The reason is kept.").format(name=html.escape(name))


def handed_text(t: Translator, line: FollowUpLine) -> str:
    return t._("↪️ Handed over: {owner} now owns the follow-up of <b>{target}</b> ({item})"
               " and was told.").format(owner=html.escape(line.owner_name),
                                        target=html.escape(line.target),
                                        item=html.escape(line.item))


# -------------------------------------------------------------------------- decisions

def decision_text(t: Translator, row: DecisionOwed) -> str:
    if row.kind == rules.DecisionKind.PENALTY:
        amount = f" · {row.amount_fen / 100:.2f} 元" if row.amount_fen is not None else ""
        return t._("行政处罚决定 {doc} of {day}: {penalty}").format(
            doc=html.escape(row.doc_no or ""), day=row.decided_on,
            penalty=legal(rules.PENALTIES, row.penalty or "other", t)) + amount
    return t._("referred to {authority} on {day}").format(
        authority=html.escape(row.authority or ""), day=row.decided_on)


def decisions_text(t: Translator, rows: list[DecisionOwed]) -> str:
    owed = [r for r in rows if r.decision_id is None]
    done = [r for r in rows if r.decision_id is not None]
    lines = [t._("⚖️ <b>Penalty decisions and referrals</b> (003 第二十七条): recorded within"
                 " 7 working days of the decision.")]
    lines.append(t._("Owed: {owed} · recorded: {done} · recorded late: {late}").format(
        owed=len(owed), done=len(done), late=sum(1 for r in done if r.late)))
    if owed:
        lines += ["", t._("Items found in violation with nothing recorded yet:")]
        for n, row in enumerate(owed[:LISTED], start=1):
            lines.append(f"{n}. <b>{html.escape(row.target)}</b> · {html.escape(row.item)}"
                         f" ({html.escape(row.department)}) · "
                         + legal(visit_rules.RESULTS, row.result, t))
        if len(owed) > LISTED:
            lines.append(t._("…and {more} more.").format(more=len(owed) - LISTED))
    late = [r for r in done if r.late]
    if late:
        lines += ["", t._("🔴 Recorded after the 7 working days:")]
        lines += [f"• <b>{html.escape(r.target)}</b> · {html.escape(r.item)} · "
                  + decision_text(t, r) for r in late[:LISTED]]
    return "\n".join(lines)


def ask_decision_kind(t: Translator, row: DecisionOwed) -> str:
    return t._("<b>{target}</b> · {item}: {result}. Was a penalty decided, or was the case"
               " referred to another authority?").format(
        target=html.escape(row.target), item=html.escape(row.item),
        result=legal(visit_rules.RESULTS, row.result, t))


def ask_doc_no(t: Translator) -> str:
    return t._("The decision's document number (行政处罚决定书文号), as written on it:")


def ask_authority(t: Translator) -> str:
    return t._("Referred to which authority (for example: 芒市公安局)?")


def ask_decision_day(t: Translator, kind: str) -> str:
    return (t._("On which day was the decision made? Type it as 2026-11-23, or tap Today.")
            if kind == rules.DecisionKind.PENALTY else
            t._("On which day was it referred? Type it as 2026-11-23, or tap Today."))


def ask_penalty(t: Translator) -> str:
    return t._("Which penalty (行政处罚法 第九条)?")


def ask_amount(t: Translator) -> str:
    return t._("The fine in yuan (for example 5000 or 5000.50):")


def bad_amount(t: Translator) -> str:
    return t._("Please type the amount in yuan as digits, such as 5000 or 5000.50.")


def recorded_text(t: Translator, done: Recorded) -> str:
    text = t._("⚖️ Recorded for <b>{target}</b> · {item}.").format(
        target=html.escape(done.row.target), item=html.escape(done.row.item))
    if done.late:
        text += "\n" + t._("🔴 Recorded late: a decision is recorded within 7 working days,"
                           " by {due} for this one (003 第二十七条). It is flagged.").format(
            due=done.due.isoformat())
    return text + "\n" + t._("/followups shows the follow-ups still open.")


def handle_keyboard(t: Translator, lines: list[FollowUpLine]) -> Keyboard | None:
    """Done and Hand over for each listed follow-up, numbered as in the list's text."""
    rows = [[FollowUpClose(line.id).markup(t._("✅ Done {n}").format(n=n)),
             FollowUpHandOver(line.id).markup(t._("↪️ Hand over {n}").format(n=n))]
            for n, line in enumerate(lines[:LISTED], start=1)]
    return inline(rows) if rows else None


def no_file_keyboard(t: Translator, follow_up_id: int) -> Keyboard:
    return inline([[FollowUpNoFile(follow_up_id).markup(t._("No file"))]])


def nobody_to_take_over_text(t: Translator, line: FollowUpLine) -> str:
    return t._("Nobody else of {department} is in the directory to take it over.").format(
        department=html.escape(line.department))


def successors_keyboard(line: FollowUpLine, people: Sequence[Person]) -> Keyboard:
    return inline([FollowUpTo(line.id, p.id).markup(p.name[:30])] for p in people[:20])


def today_keyboard(t: Translator, follow_up_id: int) -> Keyboard:
    return inline([[FollowUpToday(follow_up_id).markup(t._("Today"))]])


def file_not_expected_text(t: Translator) -> str:
    return t._("A file is not expected yet: please answer the question above first.")


def not_downloaded_text(t: Translator) -> str:
    return t._("The file could not be downloaded (weak signal?), so it was not saved. Please"
               " send it again.")


def decisions_caption(t: Translator) -> str:
    return t._("Penalty decisions and referrals, one row per item, for the 部门协同监管平台.")


def no_decisions_text(t: Translator) -> str:
    return t._("No item found in violation is yours to decide on.")


def decisions_keyboard(rows: Sequence[DecisionOwed]) -> Keyboard | None:
    """A button for each item whose decision is still owed, numbered as in the text."""
    owed = [r for r in rows if r.decision_id is None]
    buttons = [[DecisionPick(r.task_id, r.position).markup(f"⚖️ {n}. {r.target[:24]}")]
               for n, r in enumerate(owed[:LISTED], start=1)]
    return inline(buttons) if buttons else None


def decision_kind_keyboard(t: Translator, task_id: int, position: int) -> Keyboard:
    return inline([[
        DecisionKindPick(task_id, position, rules.DecisionKind.PENALTY).markup(
            t._("⚖️ Penalty decision")),
        DecisionKindPick(task_id, position, rules.DecisionKind.REFERRAL).markup(
            t._("↗️ Referred"))]])


def penalty_keyboard(t: Translator) -> Keyboard:
    return inline([DecisionPenalty(rules.Penalty(k)).markup(legal(rules.PENALTIES, k, t)[:60])]
                  for k in rules.PENALTIES)


def decision_today_keyboard(t: Translator) -> Keyboard:
    return inline([[DecisionToday().markup(t._("Today"))]])
