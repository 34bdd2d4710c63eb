"""The withdrawal journey's screens: who, why, from when, the confirmation, what was
recorded; its refusals. Keyboards as Bot API JSON."""

from __future__ import annotations

import html
from datetime import date, timedelta

from bot.buttons.replacements import ReplacementForReason
from bot.buttons.withdrawals import (
    WithdrawConfirm,
    WithdrawFrom,
    WithdrawNo,
    WithdrawPerson,
    WithdrawReason,
)
from bot.i18n import Translator
from bot.logs import mask_cert
from bot.rules import approval
from bot.rules.withdrawals import REASONS, Reason
from bot.services.errors import Refusal, Refused
from bot.services.withdrawals import Candidate, Withdrawn
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded

Screen = tuple[str, Keyboard | None]


def refusal_text(t: Translator, exc: Refused) -> str:
    name = html.escape(exc.params.get("name", ""))
    return worded(t, exc, {
        Refusal.NOT_ALLOWED: t._("Only the office or a supervisor of the inspector's department"
                                 " records this."),
        Refusal.ALREADY_WITHDRAWN: t._("{name} is recorded as unavailable already; nothing was"
                                       " changed.").format(name=name),
        Refusal.NO_CERT: t._("{name} has no 执法证号, so is never drawn anyway.").format(name=name),
        Refusal.UNKNOWN_PERSON: t._("That person is no longer in the directory; nothing was"
                                    " changed."),
        Refusal.BAD_DATE: t._("Please send a date as YYYY-MM-DD, today or later, for example"
                              " {date}.").format(date=exc.params.get("date", "")),
    })


def confirm_text(t: Translator, seen: Withdrawn, reason: str) -> str:
    """What recording the withdrawal locks, before it is recorded."""
    lines = [t._("🚫 Record that <b>{name}</b> ({cert}) is unavailable from {date}"
                 " ({reason})?").format(name=html.escape(seen.person.name),
                                        cert=mask_cert(seen.cert),
                                        date=seen.from_date.isoformat(),
                                        reason=html.escape(reason)),
             t._("This cannot be taken back: they will never be drawn again, for"
                 " replacements or new draws."),
             t.ngettext("It is appended to {n} draw record (verification replays it).",
                        "It is appended to {n} draw records (verification replays it).",
                        seen.draws).format(n=seen.draws)]
    if seen.open_tasks:
        lines.append(t.ngettext(
            "They are on {n} task not yet under way; you are then asked to replace them"
            " there.",
            "They are on {n} tasks not yet under way; you are then asked to replace them"
            " on each.", len(seen.open_tasks)).format(n=len(seen.open_tasks)))
    return "\n".join(lines)


def reason_label(t: Translator, reason: str) -> str:
    return t._(REASONS[Reason(reason)])


def ask_who_text(t: Translator) -> str:
    return t._("Which inspector is no longer available? Send their name or"
               " 执法证号.") + "\n" + t._("Send /cancel to stop.")


def use_buttons_text(t: Translator) -> str:
    return t._("Tap ✅ Record or ✖️ Cancel under the summary above, or send /cancel.")


def no_match_text(t: Translator, text: str) -> str:
    return t._("No inspector you may record this for matches “{text}”."
               " Send another name or 执法证号, or /cancel.").format(text=html.escape(text[:40]))


def who_screen(t: Translator, found: list[Candidate]) -> Screen:
    return t._("Who is it?"), inline(
        [WithdrawPerson(c.person.id).markup(
            f"{c.person.name} · {c.person.department_name or ''} · {mask_cert(c.cert)}"[:60])]
        for c in found[:20])


def reason_screen(t: Translator, person_id: int) -> Screen:
    return t._("Why is this inspector unavailable?"), inline(
        [WithdrawReason(person_id, reason).markup(t._(label))]
        for reason, label in REASONS.items())


def day_screen(t: Translator, person_id: int, reason: Reason, today: date) -> Screen:
    return t._("From which day? Tap one, or send a date (YYYY-MM-DD)."), inline(
        [WithdrawFrom(person_id, reason, day).markup(label.format(date=day.isoformat()))]
        for label, day in ((t._("From today ({date})"), today),
                           (t._("From tomorrow ({date})"), today + timedelta(days=1))))


def confirm_keyboard(t: Translator, person_id: int, reason: Reason, when: date) -> Keyboard:
    return inline([[WithdrawConfirm(person_id, reason, when).markup(t._("✅ Record"))],
                   [WithdrawNo().markup(t._("✖️ Cancel"))]])


def not_recorded_text(t: Translator) -> str:
    return t._("Nothing was recorded. /withdraw starts again.")


def recorded_screen(t: Translator, done: Withdrawn, reason: str) -> Screen:
    """What was recorded, and the open tasks to replace the inspector on, a button each."""
    lines = [t._("🚫 Recorded: {name} is unavailable from {date} ({reason}). Replacements and"
                 " new draws will never draw them; the withdrawal is appended to {draws} draw"
                 " records.").format(name=html.escape(done.person.name),
                                     date=done.from_date.isoformat(),
                                     reason=reason_label(t, reason), draws=done.draws)]
    rows = []
    if done.open_tasks:
        lines.append(t._("They are still on these tasks; ask for a replacement on each:"))
        for task in done.open_tasks[:20]:
            lines.append(f"• {html.escape(task.target_name)} · {task.window_start} –"
                         f" {task.window_due}")
            label = t._("🔁 Replace on {target}").format(target=task.target_name[:30])
            rows.append([ReplacementForReason(task.id, done.person.id,
                                              approval.Reason.ABSENT).markup(label)])
    return "\n".join(lines), inline(rows) if rows else None
