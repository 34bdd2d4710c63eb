"""The replacement journey's screens: the reasons, the note, whom for, what was asked or
decided; its refusals. Keyboards as Bot API JSON."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.buttons.replacements import (
    ReplacementFor,
    ReplacementForReason,
    ReplacementForSend,
    ReplacementReason,
    ReplacementSend,
)
from bot.i18n import Translator
from bot.rules import approval
from bot.rules.models import Person
from bot.rules.records import TeamMember
from bot.services.errors import Refusal, Refused
from bot.services.replacements import Decision
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded

Screen = tuple[str, Keyboard | None]


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.TASK_CLOSED: t._("This task is finished, cancelled or under way; a replacement can"
                                 " no longer be asked for. Nothing was changed."),
        Refusal.NOT_MEMBER: t._("You are not on this task's team any more. /tasks shows yours."),
        Refusal.ALREADY_REQUESTED: t._("You have asked already; your request is waiting for a"
                                       " decision."),
        Refusal.UNKNOWN_REQUEST: t._("This request no longer exists."),
        Refusal.NOT_APPROVER: t._("Only a supervisor of the inspector's own department can decide"
                                  " this request (and nobody decides their own)."),
        Refusal.DECIDED: t._("This request was decided already, by {by}.").format(
            by=html.escape(exc.params.get("by", ""))),
        Refusal.REASON_REQUIRED: t._("Please give the reason for rejecting."),
    })


def sent_text(t: Translator, approvers: list[Person], waiting: list[Person],
              member: str | None = None) -> str:
    """Where a request went, truthfully: to whom, or to the office and why. `member`: the
    inspector it is for, when someone asked on their behalf."""
    if approvers:
        names = "、".join(html.escape(p.name) for p in approvers)
        if member is not None:
            return t._("The request to replace {member} was sent to {names} for"
                       " approval. You are told here when it is decided.").format(
                member=html.escape(member), names=names)
        return t._("Your request was sent to {names}. You stay on the team until it is"
                   " approved.").format(names=names)
    if waiting:
        why = t._("{names}, who may approve it, cannot be reached in Choucha yet (not"
                  " registered, or they blocked the bot): it went to the office, which will"
                  " send them their invite; it reaches them as soon as they"
                  " register.").format(names="、".join(html.escape(p.name) for p in waiting))
    else:
        why = t._("The department has no supervisor in Choucha to approve it: it went to"
                  " the office.")
    if member is not None:
        return t._("The request to replace {member} is filed.").format(
            member=html.escape(member)) + " " + why
    return t._("Your request is filed.") + " " + why + " " + t._(
        "You stay on the team until it is approved.")


def reasons_screen(t: Translator, task_id: int) -> Screen:
    """A member asks to be replaced: the reasons of 003 第十八条."""
    return t._("Why can you not do this inspection? A replacement is possible"
               " only for these reasons (003 第十八条):"), inline(
        [ReplacementReason(task_id, reason).markup(t._(label))]
        for reason, label in approval.REASONS.items())


def note_screen(t: Translator, task_id: int) -> Screen:
    return t._("Add a note for your supervisor, or send it without one."), inline(
        [[ReplacementSend(task_id).markup(t._("Send without a note"))]])


def asked_absent_text(t: Translator, told: Sequence[Person]) -> str:
    return t._("Asked {names} whether to replace them. Nothing else was changed.").format(
        names="、".join(html.escape(p.name) for p in told) or t._("the office"))


def whom_screen(t: Translator, task_id: int, members: Sequence[TeamMember]) -> Screen:
    return t._("Whom is the replacement for?"), inline(
        [ReplacementFor(task_id, m.person_id).markup(f"{m.name} · {m.department}"[:60])]
        for m in members)


def reasons_for_screen(t: Translator, task_id: int, person_id: int) -> Screen:
    return t._("Why is this inspector to be replaced? (003 第十八条, and"
               " 未在岗 / 未注册 for someone who cannot take part)"), inline(
        [ReplacementForReason(task_id, person_id, reason).markup(t._(label))]
        for reason, label in approval.ON_BEHALF_REASONS.items())


def note_for_screen(t: Translator, task_id: int, person_id: int) -> Screen:
    return t._("Add a note for the record, or send it without one."), inline(
        [[ReplacementForSend(task_id, person_id).markup(t._("Send without a note"))]])


def ask_reject_reason(t: Translator) -> str:
    return t._("Send the reason for rejecting; the inspector will read it.")


def rejected_text(t: Translator) -> str:
    return t._("Rejected; the inspector has been told why.")


def approved_text(t: Translator, decision: Decision) -> str:
    """What the approver reads after the draw, truthful about who was told (or that
    nobody could be drawn)."""
    if decision.nobody:
        return t._("Approved, but nobody of the department who can be reached in Choucha"
                   " can be drawn: the office has been told and the request stays open.")
    lines = [t._("Approved. {name} was drawn at random to take the place.").format(
        name=html.escape(decision.joined or ""))]
    if decision.told:
        lines.append(t._("Told in Choucha: {names}.").format(
            names="、".join(html.escape(n) for n in decision.told)))
    if decision.untold:
        lines.append(t._("Not told (not registered in Choucha, or they blocked the bot):"
                         " {names}. Tell them yourself.").format(
            names="、".join(html.escape(n) for n in decision.untold)))
    else:
        lines.append(t._("Nothing more is needed from you."))
    return "\n".join(lines)
