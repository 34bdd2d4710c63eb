"""The publication journey's screens: the lists of what to publish, owe or hold back,
the preview before publishing, what was done; keyboards as Bot API JSON."""

from __future__ import annotations

import html
from datetime import tzinfo
from typing import Any

from bot.buttons.office import (
    PublishAll,
    PublishCancel,
    PublishConfirm,
    PublishCorrect,
    PublishCorrections,
    PublishExport,
    PublishOne,
    PublishRelease,
    PublishWithheldList,
    PublishWithhold,
)
from bot.formats.rendering.fit import TEXT_LIMIT, cut_html, utf16_len
from bot.i18n import Translator
from bot.rules.records import CorrectionDue, WithheldResult
from bot.services.errors import Refusal, Refused
from bot.services.publication import DueItem, Preview, Published
from bot.texts.notices import Keyboard, inline
from bot.views.refusals import worded

LISTED = 10
Screen = tuple[str, Keyboard | None]


def refusal_text(t: Translator, exc: Refused) -> str:
    return worded(t, exc, {
        Refusal.NOT_DUE: t._("This result is not waiting for publication (published, withheld or"
                             " not finished). Nothing was changed."),
        Refusal.NOT_PUBLISHED: t._("No 更正 is owed for this result: it is not published, or"
                                   " its record was not corrected since. Nothing was"
                                   " changed."),
        Refusal.NOT_OFFICE: not_office_text(t),
    })


def preview_text(t: Translator, shown: Preview, correction: bool = False,
                 channel: bool = True) -> str:
    """Before publishing: the first post exactly as it is published (on the public channel,
    or, with none set up, in the export)."""
    if channel:
        head = [t._("✏️ <b>Publish this 更正?</b> This is exactly what the public channel"
                    " will show; the earlier publication stays as it was:") if correction else
                t._("📢 <b>Publish {n} results?</b> This is exactly what the public channel"
                    " will show:").format(n=len(shown.task_ids)), ""]
    else:
        head = [t._("✏️ <b>Publish this 更正?</b> This is exactly what is published (in the"
                    " export, /export: no public channel is set up); the earlier publication"
                    " stays as it was:") if correction else
                t._("📢 <b>Publish {n} results?</b> This is exactly what is published (in the"
                    " export, /export: no public channel is set up):").format(
                    n=len(shown.task_ids)), ""]
    tail = ["", t._("…and {more} more posts like it.").format(more=len(shown.posts) - 1)] \
        if len(shown.posts) > 1 else []
    if shown.late:
        tail += ["", t._("🔴 {late} of them are late (003 第二十五条).").format(late=shown.late)]
    tail += ["", t._("Publishing cannot be undone: a published result is never edited, a"
                     " mistake is corrected by a 更正 publication.")]
    room = TEXT_LIMIT - utf16_len("\n".join(head + tail)) - 20
    return "\n".join([*head, cut_html(shown.posts[0], room), *tail])


def not_office_text(t: Translator) -> str:
    return t._("Publishing results is for the office.")


def due_screen(t: Translator, due: list[DueItem], owed: int, held: int,
               listed: list[list[dict[str, Any]]] | None = None) -> Screen:
    """/publish: what waits for publication, each to publish or withhold; the 更正 owed
    and the results withheld, the export; and (`listed`) the item list and the plans."""
    others: list[list[dict[str, Any]]] = list(listed or [])
    if owed:
        others.append([PublishCorrections().markup(t._("✏️ 更正 owed: {n}").format(n=owed))])
    if held:
        others.append([PublishWithheldList().markup(t._("🙈 Withheld: {n}").format(n=held))])
    others.append([PublishExport().markup(t._("📤 Export"))])
    if not due:
        return t._("No finished result is waiting for publication."), inline(others)
    late = sum(1 for d in due if d.late)
    lines = [t._("📢 Results waiting for publication: {n} (late: {late}). Publish within"
                 " 20 working days after the task is finished (003 第二十五条).").format(
        n=len(due), late=late), ""]
    rows = [[PublishAll().markup(t._("📢 Publish all {n}").format(n=len(due)))]]
    for number, item in enumerate(due[:LISTED], start=1):
        clock = t._("🔴 late by {days} working days").format(days=-item.left) \
            if item.late else t._("{days} working days left").format(days=item.left)
        lines.append(f"{number}. {html.escape(item.target)} · {item.due.isoformat()} · {clock}")
        rows.append([PublishOne(item.task_id).markup(f"📢 {number}"),
                     PublishWithhold(item.task_id).markup(
                         t._("🙈 Withhold {n}").format(n=number))])
    if len(due) > LISTED:
        lines.append(t._("…and {more} more.").format(more=len(due) - LISTED))
    return "\n".join(lines), inline(rows + others)


def corrections_screen(t: Translator, owed: list[CorrectionDue]) -> Screen:
    """The published results whose record was corrected since, one button each."""
    if not owed:
        return t._("No 更正 is owed: no published result has a corrected"
                   " record. A record is corrected with /correct, or from its"
                   " task card (✏️)."), None
    lines = [t._("✏️ Corrected records of published results: {n}. Choose one to see its"
                 " 更正 before publishing it.").format(n=len(owed)), ""]
    rows = []
    for number, item in enumerate(owed[:LISTED], start=1):
        lines.append(t._("{n}. {target}: version {version} superseded; {reason}").format(
            n=number, target=html.escape(item.target), version=item.version,
            reason=html.escape(item.reason)))
        rows.append([PublishCorrect(item.task_id).markup(
            f"✏️ {number}. {item.target[:30]}")])
    return "\n".join(lines), inline(rows)


def withheld_screen(t: Translator, held: list[WithheldResult], tz: tzinfo) -> Screen:
    """Results kept out of publication, with their reasons, each with a release button."""
    if not held:
        return t._("No result is withheld from publication."), None
    lines = [t._("🙈 Withheld from publication: {n}").format(n=len(held)), ""]
    rows = []
    for number, item in enumerate(held[:LISTED], start=1):
        lines.append(t._("{n}. {target}: {reason} ({by}, {date})").format(
            n=number, target=html.escape(item.target), reason=html.escape(item.reason),
            by=html.escape(item.created_by),
            date=item.created_at.astimezone(tz).date().isoformat()))
        rows.append([PublishRelease(item.task_id).markup(
            t._("📢 Release {n}").format(n=number))])
    if len(held) > LISTED:
        lines.append(t._("…and {more} more.").format(more=len(held) - LISTED))
    return "\n".join(lines), inline(rows)


def ask_withhold_reason(t: Translator) -> str:
    return t._("Why is this result withheld from publication (for example: it contains a"
               " state secret or personal privacy)? The reason is kept on record.")


def confirm_keyboard(t: Translator, n: int) -> Keyboard:
    return inline([[PublishConfirm().markup(t._("✅ Publish {n}").format(n=n)),
                    PublishCancel().markup(t._("✖ Cancel"))]])


def what_is_left(t: Translator) -> str:
    return t._("/publish shows what is still to publish.")


def corrected_text(t: Translator) -> str:
    return t._("更正 published; it references the earlier publication, which stays as it"
               " was.") + "\n" + what_is_left(t)


def released_text(t: Translator) -> str:
    return t._("Released and published; the withholding stays on record.") + "\n" + (
        what_is_left(t))


def cancelled_text(t: Translator) -> str:
    return t._("Cancelled: nothing was published.") + "\n" + what_is_left(t)


def published_text(t: Translator, done: Published, channel: bool, admin: bool) -> str:
    text = t._("Published {count} results in {posts} channel posts.").format(
        count=done.count, posts=done.posts)
    if done.late:
        text += "\n" + t._("🔴 {late} of them were published late.").format(late=done.late)
    if not channel:
        text += "\n" + t._("No public Telegram channel is set up, so the results are"
                           " recorded and published in the export (/export) only.")
        if admin:  # the one who configures Choucha
            text += " " + t._("To post them to a channel, set CHOUCHA_PUBLIC_CHANNEL (see the"
                              " README).")
    return text + "\n" + what_is_left(t)


def withheld_text(t: Translator) -> str:
    return t._("Withheld from publication; the reason is on record.") + "\n" + what_is_left(t)


def export_caption(t: Translator) -> str:
    return t._("Published results, one row per item, for the national enterprise"
               " credit publicity system.")
