"""The replacement journey's words: its refusals."""

from __future__ import annotations

import html

from bot.i18n import Translator
from bot.rules.models import Person
from bot.services.errors import Refusal, Refused
from bot.views.refusals import worded


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
