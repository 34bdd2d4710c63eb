"""The words of tasks: the notice of new tasks after a draw, the card, the pre-check
details, and the notices around accepting."""

from __future__ import annotations

import html
from datetime import date

from bot.i18n import Translator
from bot.logs import mask_phone
from bot.rules.models import Person
from bot.rules.records import Card, EarlierTask, PersonTask, TaskStatus
from bot.texts.aftercare import history_line
from bot.texts.labels import method_label, task_status, window_mark

LISTED = 30  # tasks named with a button in one notification; /tasks shows them all


def mask_code(code: str) -> str:
    """91533103****5Q7X: enough to recognise, not enough to copy."""
    return f"{code[:8]}****{code[-4:]}" if len(code) > 12 else code


def new_tasks_text(t: Translator, tasks: list[PersonTask],
                   total: int | None = None) -> str:
    """The new tasks of one person: `tasks` (at least the first LISTED) of `total`."""
    total = len(tasks) if total is None else total
    lines = [t.ngettext("🗂 You have been drawn for {n} spot-check task:",
                        "🗂 You have been drawn for {n} spot-check tasks:",
                        total).format(n=total)]
    for index, task in enumerate(tasks[:LISTED], start=1):
        role = t._("leader") if task.leader else t._("member")
        lines.append(f"{index}. <b>{html.escape(task.target_name)}</b> ·"
                     f" {task.window_start} – {task.window_due} · {role}")
    if total > LISTED:
        lines.append(t._("…and {more} more: send /tasks.").format(more=total - LISTED))
    lines.append("")
    lines.append(t._("Open each task to accept it."))
    return "\n".join(lines)


def unreachable_drawn_text(t: Translator, names: str, count: int) -> str:
    """To the office: drawn inspectors who could not be told (`names` escaped)."""
    return t.ngettext(
        "⚠️ {count} drawn inspector is not registered in Choucha yet and was not told of"
        " their tasks: {names}. Their team cannot work in Choucha until they register:"
        " send them their invite.",
        "⚠️ {count} drawn inspectors are not registered in Choucha yet and were not told"
        " of their tasks: {names}. Their teams cannot work in Choucha until they"
        " register: send them their invites.", count).format(count=count, names=names)


def all_accepted_text(t: Translator, target: str, start: date) -> str:
    """To the team: everyone accepted (`target` escaped)."""
    return t._("✅ Everyone on the team for {target} has accepted."
               " The visit can start from {start}: /tasks opens it.").format(
        target=target, start=start)


def card_text(t: Translator, card: Card, viewer: Person, today: date | None = None) -> str:
    """A task's card; `today` marks a window not open yet or ended while the task is owed."""
    task = card.task
    mark = window_mark(t, task.window_start, task.window_due, today,
                       task.status in TaskStatus.open()) if today else ""
    lines = [
        t._("📋 <b>{target}</b>").format(target=html.escape(task.target_name)),
        t._("统一社会信用代码: {code}").format(code=mask_code(task.target_code)),
        t._("Address: {address}").format(address=html.escape(task.address or "—")),
        t._("Plan: {plan}").format(plan=html.escape(task.plan)),
        t._("Inspection window: {start} – {due}").format(start=task.window_start,
                                                          due=task.window_due),
        *([mark] if mark else []),
        "",
        t._("Items to check:"),
    ]
    for item in card.items:
        lines.append(f"• {html.escape(item.name)} ({html.escape(item.department)}"
                     f" · {method_label(t, item.method)})")
        basis = t._("Basis:")
        lines.append(f"  {basis} {html.escape(item.basis)}")
    lines.append("")
    lines.append(t._("Team:"))
    for member in card.members:
        state = "✅" if member.accepted_at else "⏳"
        leader = f" · {t._('leader')}" if member.leader else ""
        phone = f" · {mask_phone(member.phone)}" if member.phone else ""
        lines.append(f"{state} {html.escape(member.name)} · {html.escape(member.department)}"
                     f"{leader}{phone}")
    mine = card.member(viewer.id)
    if mine is not None and mine.accepted_at:
        lines.append("")
        lines.append(t._("You have accepted this task."))
    if task.status == TaskStatus.IN_PROGRESS:
        lines.append(t._("🟢 The visit is under way."))
    elif task.status == TaskStatus.SUBMITTED and card.correction is not None:
        lines.append(t._("✏️ The check record (version {version}) is being corrected: {reason}"
                         ).format(version=card.correction.version,
                                  reason=html.escape(card.correction.reason)))
    elif task.status == TaskStatus.SUBMITTED:
        lines.append(t._("📤 The check record is submitted."))
    lines += [history_line(t, line) for line in card.follow_ups]
    return "\n".join(lines)


def details_text(t: Translator, card: Card, earlier: list[EarlierTask]) -> str:
    """预查比对: registration data, credit class, risk flags, earlier checks."""
    task = card.task
    yes, no = t._("yes"), t._("no")
    lines = [
        t._("🔎 Pre-check of <b>{target}</b>").format(target=html.escape(task.target_name)),
        t._("Registration status: {status}").format(
            status=html.escape(task.registration_status)),
        t._("Type: {type} · legal representative: {rep} · established: {date}").format(
            type=html.escape(task.entity_type or "—"),
            rep=html.escape(task.legal_rep or "—"), date=task.established or "—"),
        t._("Business scope: {scope}").format(scope=html.escape(task.scope or "—")),
        t._("Credit class: {credit} · abnormal list: {abnormal} · serious dishonesty:"
            " {dishonest} · complaints: {complaints}").format(
            credit=task.credit_class or "—", abnormal=yes if task.abnormal else no,
            dishonest=yes if task.dishonest else no, complaints=task.complaints),
        "",
    ]
    if earlier:
        lines.append(t._("Earlier checks in Choucha:"))
        lines.extend(f"• {html.escape(e.plan)} · {e.window_due} · {task_status(t, e.status)}"
                     for e in earlier)
    else:
        lines.append(t._("No earlier check in Choucha."))
    return "\n".join(lines)
