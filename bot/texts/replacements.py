"""The words of replacements: the request as an approver reads it, the notices to the
member, the team, the office, and a request's copies once decided. Names and targets
arrive escaped for HTML."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from bot.rules.approval import ON_BEHALF_REASONS, Reason
from bot.rules.records import Unreachable
from bot.texts.labels import unreachable_text


def reason_label(t: Translator, reason: str) -> str:
    return t._(ON_BEHALF_REASONS[Reason(reason)])


def asked_for_you_text(t: Translator, name: str, target: str, reason: str) -> str:
    return t._("🔁 {name} asked for your replacement on the task for {target}: {reason}."
               ).format(name=name, target=target, reason=reason_label(t, reason))


def absent_text(t: Translator, by: str, name: str, target: str,
                unreachable: Unreachable | None, start: date, due: date) -> str:
    """To the member's supervisors: the leader reports that a member cannot take part."""
    return t._("🔁 {by} (leader) reports that {name} {why} and cannot take part in"
               " the task for {target} (window {start} – {due}). You may ask for a"
               " replacement on their behalf: a fresh random draw.").format(
        why=unreachable_text(t, unreachable), start=start, due=due, by=by, name=name,
        target=target)


def no_approver_text(t: Translator, names: str | None) -> str:
    """To the office: why nobody decides a request (`names`: who may, but cannot be
    reached; None: nobody may)."""
    if names is not None:
        return t._("Nobody who may approve it can be reached in Choucha: {names} (not"
                   " registered, or they blocked the bot). Send them their invite, or"
                   " ask them to open the bot again: the request reaches them as soon"
                   " as they do; the department's supervisor decides (003 第十八条)."
                   ).format(names=names)
    return t._("Nobody may approve it: the department has no supervisor in"
               " Choucha. Give someone the role 分管负责人 in the inspector"
               " directory; the request reaches them once they register.")


def request_text(t: Translator, name: str, target: str, by: str, reason: str, note: str,
                 start: date, due: date, team: str) -> str:
    """The request as an approver reads it (`by`: who asked on the member's behalf, or
    empty when the member asked)."""
    if not by:
        first = t._("🔁 <b>{name}</b> asks to be replaced on the task for {target}.")
    else:
        first = t._("🔁 {by} asks for <b>{name}</b> to be replaced on the task for"
                    " {target}.")
    lines = [first.format(name=name, target=target, by=by),
             t._("Reason: {reason}").format(reason=reason_label(t, reason))]
    if note:
        lines.append(t._("Note: {note}").format(note=note))
    lines.append(t._("Inspection window: {start} – {due}").format(start=start, due=due))
    lines.append(t._("Others on the team: {team}").format(team=team or "—"))
    return "\n".join(lines)


def closed_text(t: Translator, base: str, name: str, approved: bool) -> str:
    """An approver's copy of a request once someone decided it."""
    verdict = t._("✅ Approved by {name}.") if approved else t._("❌ Rejected by {name}.")
    return f"{base}\n\n{verdict.format(name=name)} " + t._("Nothing more is needed from you.")


def rejected_text(t: Translator, target: str, name: str, reason: str, on_behalf: bool) -> str:
    return (t._("The request to replace you on the task for {target} was rejected by"
                " {name}: {reason}. You stay on the team.") if on_behalf else t._(
        "Your request to be replaced on the task for {target} was rejected by"
        " {name}: {reason}. You stay on the team.")).format(target=target, name=name,
                                                            reason=reason)


def nobody_drawable_text(t: Translator, approver: str, name: str, target: str) -> str:
    return t._(
        "{approver} approved replacing {name} on the task for {target}, but nobody who can"
        " be reached in Choucha can be drawn: the department's other inspectors (and its"
        " fallbacks') are not registered, have blocked the bot or are withdrawn. Send them"
        " their invites (/people), then ✅ draw again; or ❌ reject the request with a"
        " reason.").format(approver=approver, name=name, target=target)


def joined_text(t: Translator, out: str, target: str) -> str:
    return t._("🗂 You have been drawn to replace {out} on the task for {target}.").format(
        target=target, out=out)


def released_text(t: Translator, joined: str, target: str) -> str:
    return t._("Your replacement was approved: {in_} takes your place on the task for"
               " {target}. You are released from it.").format(in_=joined, target=target)


def team_change_text(t: Translator, target: str, out: str, joined: str) -> str:
    return t._("Team change for {target}: {out} left, {in_} joined (drawn at random)."
               " Nothing else changes for you; /tasks shows the team.").format(
        target=target, out=out, in_=joined)
